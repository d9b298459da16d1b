//! Stage types. Each is one file implementing [`Stage`]; [`build`] maps a stage row's `kind` to
//! its implementation, so the executor never names a stage type.
mod deny;
mod identification;
mod password;
mod prompt;
mod recovery_token;
mod user_login;
mod user_logout;
mod user_write;

use crate::ssr::client::ClientInfo;
use crate::ssr::flows::state::FlowContext;
use crate::ssr::{Error, Result};
use crate::types::flow::{Challenge, FieldErrors};
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

/// The implementation for a stage row.
pub fn build(kind: &str, config: &serde_json::Value) -> Result<Box<dyn Stage>> {
    fn cfg<T: serde::de::DeserializeOwned>(kind: &str, v: &serde_json::Value) -> Result<T> {
        serde_json::from_value(v.clone())
            .map_err(|e| Error::internal(format!("stage {kind}: bad config: {e}")))
    }
    Ok(match kind {
        "identification" => Box::new(cfg::<identification::Identification>(kind, config)?),
        "password" => Box::new(cfg::<password::Password>(kind, config)?),
        "prompt" => Box::new(cfg::<prompt::Prompt>(kind, config)?),
        "user_write" => Box::new(cfg::<user_write::UserWrite>(kind, config)?),
        "user_login" => Box::new(cfg::<user_login::UserLogin>(kind, config)?),
        "user_logout" => Box::new(cfg::<user_logout::UserLogout>(kind, config)?),
        "deny" => Box::new(cfg::<deny::Deny>(kind, config)?),
        "recovery_token" => Box::new(cfg::<recovery_token::RecoveryToken>(kind, config)?),
        other => return Err(Error::internal(format!("unknown stage type {other}"))),
    })
}

pub(crate) fn field_error(field: &str, message: impl Into<String>) -> FieldErrors {
    FieldErrors::from([(field.to_string(), message.into())])
}
