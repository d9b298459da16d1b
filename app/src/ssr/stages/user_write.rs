//! Creates the pending user from the prompt answers (or updates an existing pending user).
use super::{Outcome, Stage, StageCtx, field_error};
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
        if ctx.setup_only && system::lock_setup_state(&mut *tx).await? {
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
        if let Some(group) = &self.user_group {
            let gid = groups::ensure(&mut *tx, group, self.group_is_superuser).await?;
            groups::add_member(&mut *tx, gid, id).await?;
            if groups::is_superuser_group(&mut *tx, gid).await? {
                system::mark_setup_completed(&mut *tx).await?;
            }
        }
        events::record(
            &mut *tx,
            NewEvent {
                action: action::USER_WRITE,
                user: Some((id, username.as_str())),
                client_ip: Some(ctx.client.ip),
                context: serde_json::json!({ "created": true, "flow": ctx.flow_slug }),
            },
        )
        .await?;
        tx.commit().await?;
        ctx.flow.pending_user = Some(id);
        ctx.flow.password_hash = None;
        Ok(Outcome::Next)
    }
}
