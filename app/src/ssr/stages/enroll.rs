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

/// A setup stage's `friendly_name` setting: at most 64 characters.
pub fn check_name(friendly_name: Option<&str>) -> crate::types::flow::FieldErrors {
    match friendly_name {
        Some(n) if n.chars().count() > 64 => {
            super::field_error("friendly_name", "Keep the name to 64 characters.")
        }
        _ => crate::types::flow::FieldErrors::new(),
    }
}

/// The new device's name: the stage's `friendly_name`, else `default`.
pub fn device_name(friendly_name: Option<&str>, default: &str) -> String {
    friendly_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(default)
        .to_string()
}

/// What devices and codes call this site: the brand's title, else Ward.
pub fn site_name() -> String {
    let title = crate::ssr::brands::from_context().form.title;
    if title.trim().is_empty() {
        "Ward".into()
    } else {
        title
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
