//! Password hashing and random secrets.
pub mod password;
pub mod sealed;
pub mod secret;
