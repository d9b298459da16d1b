//! Second factors (issue 13): the device classes authentik has, each enrolled by a setup stage
//! and checked by the `authenticator_validate` stage.
pub mod device_edit;
pub mod devices;
pub mod email_code;
pub mod enforce;
pub mod recovery_codes;
pub mod remembered;
pub mod totp;
pub mod webauthn;
