//! Signs the pending user in: new session id, session lifetime, last_login, a login event.
use super::{Outcome, Stage, StageCtx};
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::{Result, sessions, users};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct UserLogin {
    /// Seconds of inactivity before the session ends; none = when the browser closes.
    #[serde(default)]
    session_duration_secs: Option<i64>,
}

#[async_trait::async_trait]
impl Stage for UserLogin {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let user = match ctx.flow.pending_user {
            Some(id) => users::get(ctx.pool, id).await?.filter(|u| u.is_active),
            None => None,
        };
        let Some(user) = user else {
            return Ok(Outcome::Deny("No user to sign in.".into()));
        };
        sessions::sign_in(
            ctx.pool,
            ctx.session,
            user.id,
            ctx.client,
            self.session_duration_secs,
        )
        .await?;
        users::touch_last_login(ctx.pool, user.id).await?;
        events::record(
            ctx.pool,
            NewEvent {
                action: action::LOGIN,
                user: Some((user.id, &user.username)),
                client_ip: Some(ctx.client.ip),
                context: serde_json::json!({ "flow": ctx.flow_slug, "user_agent": ctx.client.user_agent }),
            },
        )
        .await?;
        Ok(Outcome::Next)
    }
}
