//! Checks the password of the identified user. Unknown user and wrong password take the same
//! time and give the same message.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::crypto::password;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::{Result, users};
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};

/// Checks the password of the identified user against its stored hash.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Password {}

impl super::StageConfig for Password {}

const WRONG: &str = "Invalid username or password.";

impl Password {
    fn show(ctx: &StageCtx<'_>, errors: FieldErrors) -> Outcome {
        let pending_user = ctx.flow.pending_uid.clone().unwrap_or_default();
        Outcome::Show(Challenge::Password { pending_user }, errors)
    }
}

#[async_trait::async_trait]
impl Stage for Password {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        if ctx.flow.pending_uid.is_none() {
            return Ok(Outcome::Deny("No user was identified.".into()));
        }
        Ok(Self::show(ctx, FieldErrors::new()))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let given = form.get("password").cloned().unwrap_or_default();
        if given.is_empty() {
            return Ok(Self::show(
                ctx,
                field_error("password", "Please enter your password."),
            ));
        }
        if given.len() > 1024 {
            return Ok(Self::show(ctx, field_error("password", WRONG)));
        }
        let stored = match ctx.flow.pending_user {
            Some(id) => users::password_hash(ctx.pool, id).await?,
            None => None,
        };
        if password::verify(given, stored).await? {
            return Ok(Outcome::Next);
        }
        let uid = ctx.flow.pending_uid.clone().unwrap_or_default();
        let known = match ctx.flow.pending_user {
            Some(id) => users::get(ctx.pool, id).await?.map(|u| (u.id, u.username)),
            None => None,
        };
        events::record(
            ctx.pool,
            NewEvent {
                action: action::LOGIN_FAILED,
                user: known.as_ref().map(|(id, name)| (*id, name.as_str())),
                client_ip: Some(ctx.client.ip),
                context: serde_json::json!({ "username": uid, "stage": "password", "flow": ctx.flow_slug }),
            },
        )
        .await?;
        Ok(Self::show(ctx, field_error("password", WRONG)))
    }
}
