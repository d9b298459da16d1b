//! What the authenticator setup stages share: whose device it is, and the enrollment event.
use super::StageCtx;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::{Result, sessions, users};
use uuid::Uuid;

/// The user a new device is for: the flow's, else the one signed in.
pub async fn device_user(ctx: &StageCtx<'_>) -> Result<Option<users::User>> {
    match ctx.flow.pending_user {
        Some(id) => users::get(ctx.pool, id).await,
        None => sessions::current_user(ctx.pool, ctx.session).await,
    }
}

/// Records `mfa_enrolled` for a device `user` just added.
pub async fn enrolled(
    ctx: &StageCtx<'_>,
    user: &users::User,
    class: &str,
    device: Uuid,
    name: &str,
) -> Result<()> {
    events::record(
        ctx.pool,
        NewEvent {
            action: action::MFA_ENROLLED,
            user: Some((user.id, &user.username)),
            client_ip: Some(ctx.client.ip),
            context: serde_json::json!({ "class": class, "device": device, "name": name }),
        },
    )
    .await
}
