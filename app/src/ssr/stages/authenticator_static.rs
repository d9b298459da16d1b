//! `authenticator_static`: recovery codes for the flow's user (or the signed-in one), shown
//! once to be saved (or downloaded as a text file), stored as digests when the person goes on.
//! They wait in the flow sealed until then.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::crypto::sealed;
use crate::ssr::mfa::{devices, recovery_codes};
use crate::ssr::{Error, Result};
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};

const PENDING_PURPOSE: &str = "mfa-static-pending";
/// Ward's bound on `token_count` (authentik's default is 6).
const MAX_COUNT: u32 = 20;

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthenticatorStatic {
    /// How many codes (1–20).
    #[serde(default = "six")]
    token_count: u32,
    /// Characters per code (8–32).
    #[serde(default = "twelve")]
    token_length: u32,
    /// The new device's name in the user's list (authentik's `friendly_name`).
    #[serde(default)]
    friendly_name: Option<String>,
    /// authentik's flow that enrolls this stage's device from the user settings.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    configure_flow: Option<serde_json::Value>,
}

fn six() -> u32 {
    6
}
fn twelve() -> u32 {
    12
}

impl crate::ssr::typed::Settings for AuthenticatorStatic {
    fn check(&self) -> FieldErrors {
        if !(1..=MAX_COUNT).contains(&self.token_count) {
            return field_error("token_count", format!("Between 1 and {MAX_COUNT} codes."));
        }
        if !(8..=32).contains(&self.token_length) {
            return field_error("token_length", "Codes have 8 to 32 characters.");
        }
        super::enroll::check_name(self.friendly_name.as_deref())
    }
}

impl AuthenticatorStatic {
    /// The codes being enrolled: those waiting in the flow, or new ones.
    fn codes(&self, ctx: &mut StageCtx<'_>) -> Result<Vec<String>> {
        if let Some(waiting) = &ctx.flow.pending_static {
            let text = sealed::open(ctx.secret_key, PENDING_PURPOSE, waiting)?;
            return serde_json::from_slice(&text).map_err(|e| Error::internal(e.to_string()));
        }
        let codes = recovery_codes::generate(self.token_count as usize, self.token_length as usize);
        let text = serde_json::to_vec(&codes).map_err(|e| Error::internal(e.to_string()))?;
        ctx.flow.pending_static = Some(sealed::seal(ctx.secret_key, PENDING_PURPOSE, &text));
        Ok(codes)
    }
}

#[async_trait::async_trait]
impl Stage for AuthenticatorStatic {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        if super::enroll::device_user(ctx).await?.is_none() {
            return Ok(Outcome::Deny(
                "Sign in first to create recovery codes.".into(),
            ));
        }
        let codes = self.codes(ctx)?;
        Ok(Outcome::Show(
            Challenge::StaticSetup { codes },
            FieldErrors::new(),
        ))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, _form: &Form) -> Result<Outcome> {
        let Some(user) = super::enroll::device_user(ctx).await? else {
            return Ok(Outcome::Deny(
                "Sign in first to create recovery codes.".into(),
            ));
        };
        let codes = self.codes(ctx)?;
        let name = super::enroll::device_name(self.friendly_name.as_deref(), "Recovery codes");
        let device = devices::add_static(ctx.pool, user.id, &name, &codes).await?;
        ctx.flow.pending_static = None;
        super::enroll::enrolled(ctx, &user, "static", device, &name).await?;
        Ok(Outcome::Next)
    }
}
