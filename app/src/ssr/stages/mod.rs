//! Stage types. Each is one file implementing [`Stage`]; [`build`] maps a stage row's `kind` to
//! its implementation, so the executor never names a stage type.
pub mod deny;
pub mod edit;
pub mod identification;
pub mod password;
pub mod prompt;
pub mod recovery_token;
pub mod user_login;
pub mod user_logout;
pub mod user_write;

use crate::ssr::client::ClientInfo;
use crate::ssr::flows::state::FlowContext;
use crate::ssr::{Error, Result};
use crate::types::flow::{Challenge, FieldErrors};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use sqlx::PgPool;
use std::collections::BTreeMap;
use tower_sessions::Session;

/// The submitted form fields of a challenge.
pub type Form = BTreeMap<String, String>;

pub struct StageCtx<'a> {
    pub pool: &'a PgPool,
    pub session: &'a Session,
    pub client: &'a ClientInfo,
    pub flow: &'a mut FlowContext,
    pub flow_slug: &'a str,
    /// The flow refuses to run once initial setup is completed.
    pub setup_only: bool,
}

pub enum Outcome {
    /// Show this challenge (with errors from the last submit, if any).
    Show(Challenge, FieldErrors),
    /// This stage is done; go on with the next.
    Next,
    /// Input turned out invalid after the fact: back to the last stage that asked for input.
    Invalid(FieldErrors),
    /// The flow stops here with this message.
    Deny(String),
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
/// read and write under authentik's field names. Unknown fields are refused, not dropped.
pub trait StageConfig: Stage + Serialize + DeserializeOwned + 'static {
    /// What the types cannot say; field errors by field name.
    fn check(&self) -> FieldErrors {
        FieldErrors::new()
    }
}

/// One stage type: its `stages.kind`, the names authentik gives it, and its settings.
pub struct Kind {
    pub kind: &'static str,
    /// authentik's model (`app_label.modelname`), as blueprints name it.
    pub model: &'static str,
    pub verbose_name: &'static str,
    normalize: fn(&Json) -> Result<Json, FieldErrors>,
    build: fn(&Json) -> Result<Box<dyn Stage>, String>,
}

impl Kind {
    /// The settings checked and with defaults filled in, as they are stored.
    pub fn normalize(&self, config: &Json) -> Result<Json, FieldErrors> {
        (self.normalize)(config)
    }

    /// authentik's name for the admin form of this type, e.g. `ak-stage-user-login-form`.
    pub fn component(&self) -> String {
        format!("ak-stage-{}-form", self.kind.replace('_', "-"))
    }
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind)
    }
}

const fn kind<T: StageConfig>(
    kind: &'static str,
    model: &'static str,
    verbose_name: &'static str,
) -> Kind {
    Kind {
        kind,
        model,
        verbose_name,
        normalize: normalize::<T>,
        build: build_as::<T>,
    }
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
    kind::<recovery_token::RecoveryToken>(
        "recovery_token",
        "ward_stages_recovery_token.recoverytokenstage",
        "Recovery Token Stage",
    ),
];

pub fn by_kind(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}

fn normalize<T: StageConfig>(config: &Json) -> Result<Json, FieldErrors> {
    let parsed: T = serde_path_to_error::deserialize(config).map_err(|e| {
        let message = e.inner().to_string();
        let path = e.path().to_string();
        let field = match message.strip_prefix("unknown field `") {
            Some(rest) if path == "." => rest.split('`').next().unwrap_or_default().to_string(),
            _ if path == "." => "non_field_errors".to_string(),
            _ => path
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        field_error(&field, message)
    })?;
    let errors = parsed.check();
    if !errors.is_empty() {
        return Err(errors);
    }
    let normalized = serde_json::to_value(&parsed)
        .map_err(|e| field_error("non_field_errors", e.to_string()))?;
    // Every setting is in the normalized form (defaults filled in), so a key it lacks is one
    // the type does not have: refused, not dropped.
    if let (Some(given), Some(known)) = (config.as_object(), normalized.as_object())
        && let Some(unknown) = given.keys().find(|k| !known.contains_key(*k))
    {
        let mut names: Vec<&str> = known.keys().map(String::as_str).collect();
        names.insert(0, "name");
        return Err(field_error(
            unknown,
            format!("Unknown field; this stage type has: {}.", names.join(", ")),
        ));
    }
    Ok(normalized)
}

fn build_as<T: StageConfig>(config: &Json) -> Result<Box<dyn Stage>, String> {
    serde_json::from_value::<T>(config.clone())
        .map(|s| Box::new(s) as Box<dyn Stage>)
        .map_err(|e| e.to_string())
}

/// The implementation for a stage row.
pub fn build(kind: &str, config: &Json) -> Result<Box<dyn Stage>> {
    let k = by_kind(kind).ok_or_else(|| Error::internal(format!("unknown stage type {kind}")))?;
    (k.build)(config).map_err(|e| Error::internal(format!("stage {kind}: bad config: {e}")))
}

pub(crate) fn field_error(field: &str, message: impl Into<String>) -> FieldErrors {
    FieldErrors::from([(field.to_string(), message.into())])
}

/// A text setting longer than `max` characters or holding a NUL (which Postgres cannot store).
pub(crate) fn text_error(field: &str, value: &str, max: usize) -> FieldErrors {
    if value.chars().count() > max {
        field_error(field, format!("At most {max} characters."))
    } else if crate::types::validated::has_nul(value) {
        field_error(field, crate::types::validated::NUL_REFUSED)
    } else {
        FieldErrors::new()
    }
}
