//! Ends the current session.
use super::{Outcome, Stage, StageCtx};
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::{Result, sessions};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserLogout {}

impl crate::ssr::typed::Settings for UserLogout {}

#[async_trait::async_trait]
impl Stage for UserLogout {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        if let Some(user) = sessions::current_user(ctx.pool, ctx.session).await? {
            events::record(
                ctx.pool,
                NewEvent {
                    action: action::LOGOUT,
                    user: Some((user.id, &user.username)),
                    client_ip: Some(ctx.client.ip),
                    context: serde_json::json!({ "flow": ctx.flow_slug }),
                },
            )
            .await?;
        }
        sessions::sign_out(ctx.pool, ctx.session).await?;
        Ok(Outcome::Next)
    }
}
