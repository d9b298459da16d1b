//! Stage types. Each is one file implementing [`Stage`]; [`build`] maps a stage row's `kind` to
//! its implementation, so the executor never names a stage type.
pub mod authenticator_email;
pub mod authenticator_static;
pub mod authenticator_totp;
pub mod authenticator_validate;
pub mod authenticator_webauthn;
pub mod consent;
pub mod deny;
pub mod device_code;
pub mod edit;
mod enroll;
pub mod identification;
mod passkey;
pub mod password;
pub mod prompt;
pub mod recovery_token;
pub mod user_login;
pub mod user_logout;
pub mod user_write;

use crate::ssr::client::ClientInfo;
use crate::ssr::flows::state::FlowContext;
use crate::ssr::typed::{self, Settings};
use crate::ssr::{Error, Result};
use crate::types::flow::{Challenge, FieldErrors};
use serde_json::Value as Json;
use sqlx::PgPool;
use std::collections::BTreeMap;
use tower_sessions::Session;

/// The submitted form fields of a challenge.
pub type Form = BTreeMap<String, String>;

pub struct StageCtx<'a> {
    pub pool: &'a PgPool,
    /// This process's caches (flow plans).
    pub caches: &'a crate::ssr::oauth2::cache::Caches,
    pub session: &'a Session,
    pub client: &'a ClientInfo,
    pub flow: &'a mut FlowContext,
    pub flow_slug: &'a str,
    /// The flow refuses to run once initial setup is closed (`system::setup_open`).
    pub setup_only: bool,
    /// The instance key that seals secrets at rest (MFA secrets).
    pub secret_key: &'a str,
    /// This site's origin as the browser sees it, e.g. `https://auth.example.com`.
    pub origin: &'a str,
    /// The request's cookies, and those to set on the answer.
    pub cookies: &'a crate::ssr::flows::executor::Cookies,
}

pub enum Outcome {
    /// Show this challenge (with errors from the last submit, if any).
    Show(Challenge, FieldErrors),
    /// This stage is done; go on with the next.
    Next,
    /// This stage is done; run these stages next, then go on (a device enrolled during sign-in).
    Then(Vec<crate::ssr::flows::state::PlannedStage>),
    /// Input turned out invalid after the fact: back to the last stage that asked for input.
    Invalid(FieldErrors),
    /// The flow stops here with this message.
    Deny(String),
    /// The browser leaves this flow for this URL: the stage planned another flow in its place
    /// (authentik's stages that answer with a redirect), so this one's state is not kept.
    Leave(String),
}

#[async_trait::async_trait]
pub trait Stage: Send + Sync {
    /// Called when the stage becomes current. Stages without UI do their work here.
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome>;

    /// Called with the person's answer to this stage's challenge.
    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let _ = form;
        self.challenge(ctx).await
    }
}

/// A stage type's settings: what `stages.config` holds, and what the REST API and blueprints
/// read and write under authentik's field names.
pub trait StageConfig: Stage + Settings {}
impl<T: Stage + Settings> StageConfig for T {}

/// One stage type: its `stages.kind`, the names authentik gives it, and its settings.
pub type Kind = typed::Kind<dyn Stage>;

const fn kind<T: StageConfig>(
    kind: &'static str,
    model: &'static str,
    verbose_name: &'static str,
) -> Kind {
    Kind::new(
        kind,
        model,
        verbose_name,
        "stage",
        typed::normalize::<T>,
        build_as::<T>,
    )
}

pub const KINDS: &[Kind] = &[
    kind::<identification::Identification>(
        "identification",
        "authentik_stages_identification.identificationstage",
        "Identification Stage",
    ),
    kind::<password::Password>(
        "password",
        "authentik_stages_password.passwordstage",
        "Password Stage",
    ),
    kind::<prompt::Prompt>(
        "prompt",
        "authentik_stages_prompt.promptstage",
        "Prompt Stage",
    ),
    kind::<user_write::UserWrite>(
        "user_write",
        "authentik_stages_user_write.userwritestage",
        "User Write Stage",
    ),
    kind::<user_login::UserLogin>(
        "user_login",
        "authentik_stages_user_login.userloginstage",
        "User Login Stage",
    ),
    kind::<user_logout::UserLogout>(
        "user_logout",
        "authentik_stages_user_logout.userlogoutstage",
        "User Logout Stage",
    ),
    kind::<deny::Deny>("deny", "authentik_stages_deny.denystage", "Deny Stage"),
    kind::<authenticator_email::AuthenticatorEmail>(
        "authenticator_email",
        "authentik_stages_authenticator_email.authenticatoremailstage",
        "Email Authenticator Setup Stage",
    ),
    kind::<authenticator_static::AuthenticatorStatic>(
        "authenticator_static",
        "authentik_stages_authenticator_static.authenticatorstaticstage",
        "Static Authenticator Setup Stage",
    ),
    kind::<authenticator_totp::AuthenticatorTotp>(
        "authenticator_totp",
        "authentik_stages_authenticator_totp.authenticatortotpstage",
        "TOTP Authenticator Setup Stage",
    ),
    kind::<authenticator_validate::AuthenticatorValidate>(
        "authenticator_validate",
        "authentik_stages_authenticator_validate.authenticatorvalidatestage",
        "Authenticator Validation Stage",
    ),
    kind::<authenticator_webauthn::AuthenticatorWebauthn>(
        "authenticator_webauthn",
        "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage",
        "WebAuthn Authenticator Setup Stage",
    ),
    kind::<consent::Consent>(
        "consent",
        "authentik_stages_consent.consentstage",
        "Consent Stage",
    ),
    kind::<recovery_token::RecoveryToken>(
        "recovery_token",
        "ward_stages_recovery_token.recoverytokenstage",
        "Recovery Token Stage",
    ),
];

pub fn by_kind(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}

fn build_as<T: StageConfig>(config: &Json) -> Result<Box<dyn Stage>, String> {
    serde_json::from_value::<T>(config.clone())
        .map(|s| Box::new(s) as Box<dyn Stage>)
        .map_err(|e| e.to_string())
}

/// Stages Ward adds to a plan itself, as authentik plans its in-memory stages. They are never
/// rows, so neither admins, the REST API nor blueprints see them.
const BUILT_IN: &[(&str, BuildFn)] = &[
    (device_code::ENTRY, build_built_in::<device_code::Entry>),
    (device_code::FINISH, build_built_in::<device_code::Finish>),
];

type BuildFn = fn(&Json) -> Result<Box<dyn Stage>, String>;

fn build_built_in<T: Stage + serde::de::DeserializeOwned + 'static>(
    config: &Json,
) -> Result<Box<dyn Stage>, String> {
    serde_json::from_value::<T>(config.clone())
        .map(|s| Box::new(s) as Box<dyn Stage>)
        .map_err(|e| e.to_string())
}

/// The implementation for a planned stage: a stage row's, or a built-in one's.
pub fn build(kind: &str, config: &Json) -> Result<Box<dyn Stage>> {
    if let Some((_, build)) = BUILT_IN.iter().find(|(k, _)| *k == kind) {
        return build(config)
            .map_err(|e| Error::internal(format!("built-in stage {kind}: bad settings: {e}")));
    }
    by_kind(kind)
        .ok_or_else(|| Error::internal(format!("unknown stage type {kind}")))?
        .build(config)
}

pub(crate) use typed::{field_error, text_error};
