//! Creates a user from the prompt answers, or writes them onto the pending user when the flow
//! already has one.
use super::{Outcome, Stage, StageCtx, field_error};
use crate::ssr::audit::Actor;
use crate::ssr::crypto::password::PasswordHashString;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::{Error, Result, groups, system, users};
use crate::types::flow::FieldErrors;
use crate::types::validated::{Email, Username};
use serde::{Deserialize, Serialize};

/// Ward's own settings (authentik's stage has others): new users join `user_group`.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserWrite {
    /// Name of a group the new user joins (created if missing).
    #[serde(default)]
    user_group: Option<String>,
    /// Whether that group, when created here, is a superuser group.
    #[serde(default)]
    group_is_superuser: bool,
}

impl crate::ssr::typed::Settings for UserWrite {
    fn check(&self) -> FieldErrors {
        match &self.user_group {
            Some(name) if name.trim().is_empty() => {
                field_error("user_group", "Give a group name, or leave it out.")
            }
            Some(name) => super::text_error("user_group", name, 150),
            None => FieldErrors::new(),
        }
    }
}

#[async_trait::async_trait]
impl Stage for UserWrite {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        match ctx.flow.pending_user {
            // authentik's "create when required": a flow that already knows its user (a
            // recovery link, say) writes the prompt answers onto that user.
            Some(id) if !ctx.setup_only => update(ctx, id).await,
            _ => self.create(ctx).await,
        }
    }
}

impl UserWrite {
    async fn create(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let data = &ctx.flow.prompt_data;
        let username =
            match Username::parse(data.get("username").map(String::as_str).unwrap_or_default()) {
                Ok(u) => u,
                Err(msg) => return Ok(Outcome::Invalid(field_error("username", msg))),
            };
        let email = match data.get("email").map(|e| Email::parse(e)).transpose() {
            Ok(e) => e,
            Err(msg) => return Ok(Outcome::Invalid(field_error("email", msg))),
        };
        let name = data
            .get("name")
            .cloned()
            .unwrap_or_else(|| username.as_str().to_string());

        let mut tx = ctx.pool.begin().await?;
        // The setup flow must not create a second admin, even when two people race through it.
        if ctx.setup_only && !system::lock_setup_open(&mut tx).await? {
            return Ok(Outcome::Deny("Setup has already been completed.".into()));
        }
        let new = users::NewUser {
            username: username.clone(),
            email,
            name,
            password_hash: ctx.flow.password_hash.clone().map(PasswordHashString),
        };
        let id = match users::create(&mut *tx, new).await {
            Ok(id) => id,
            Err(Error::Field(field, msg)) => return Ok(Outcome::Invalid(field_error(&field, msg))),
            Err(e) => return Err(e),
        };
        // Joining a superuser group closes initial setup (a database trigger sets the flag).
        if let Some(group) = &self.user_group {
            let gid = groups::ensure(&mut *tx, group, self.group_is_superuser).await?;
            groups::add_member(&mut *tx, gid, id).await?;
        }
        written_event(&mut tx, ctx, id, username.as_str(), true).await?;
        tx.commit().await?;
        ctx.flow.pending_user = Some(id);
        ctx.flow.password_hash = None;
        Ok(Outcome::Next)
    }
}

/// Writes what the prompts asked (username, email, name, password) onto the pending user. A new
/// password ends the user's sessions, as every password change does.
async fn update(ctx: &mut StageCtx<'_>, id: uuid::Uuid) -> Result<Outcome> {
    let data = &ctx.flow.prompt_data;
    let username = match data.get("username").map(|u| Username::parse(u)).transpose() {
        Ok(u) => u,
        Err(msg) => return Ok(Outcome::Invalid(field_error("username", msg))),
    };
    let email = match data.get("email").map(|e| Email::parse(e)).transpose() {
        Ok(e) => e,
        Err(msg) => return Ok(Outcome::Invalid(field_error("email", msg))),
    };
    let name = data.get("name").map(|n| n.trim().to_string());
    if name.as_ref().is_some_and(|n| n.chars().count() > 256) {
        let msg = "Names have at most 256 characters.";
        return Ok(Outcome::Invalid(field_error("name", msg)));
    }
    let mut tx = ctx.pool.begin().await?;
    let Some(user) = users::get(&mut *tx, id).await?.filter(|u| u.is_active) else {
        return Ok(Outcome::Deny("No user to write to.".into()));
    };
    let r = users::update_profile(
        &mut *tx,
        id,
        username.as_ref(),
        email.as_ref(),
        name.as_deref(),
    )
    .await;
    match r {
        Ok(()) => {}
        Err(Error::Field(field, msg)) => return Ok(Outcome::Invalid(field_error(&field, msg))),
        Err(e) => return Err(e),
    }
    if let Some(hash) = ctx.flow.password_hash.take() {
        let actor = Actor {
            user: &user,
            ip: ctx.client.ip,
        };
        users::set_password(&mut tx, &actor, id, PasswordHashString(hash), None).await?;
        events::record(
            &mut *tx,
            NewEvent {
                action: action::PASSWORD_SET,
                user: Some((id, &user.username)),
                client_ip: Some(ctx.client.ip),
                context: serde_json::json!({ "by": "flow", "flow": ctx.flow_slug }),
            },
        )
        .await?;
    }
    let shown = username
        .as_ref()
        .map_or(user.username.as_str(), |u| u.as_str());
    written_event(&mut tx, ctx, id, shown, false).await?;
    tx.commit().await?;
    Ok(Outcome::Next)
}

async fn written_event(
    tx: &mut sqlx::PgConnection,
    ctx: &StageCtx<'_>,
    id: uuid::Uuid,
    username: &str,
    created: bool,
) -> Result<()> {
    events::record(
        &mut *tx,
        NewEvent {
            action: action::USER_WRITE,
            user: Some((id, username)),
            client_ip: Some(ctx.client.ip),
            context: serde_json::json!({ "created": created, "flow": ctx.flow_slug }),
        },
    )
    .await
}
