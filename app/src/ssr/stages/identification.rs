//! Asks who you are (username and/or email). By default it never reveals whether the account
//! exists: an unknown identifier goes on to the password stage like a known one.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::{Result, users};
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identification {
    /// What a person may identify with: `username` and/or `email`.
    #[serde(default = "default_fields")]
    user_fields: Vec<String>,
    /// Whether `Alice` finds the user `alice`.
    #[serde(default = "yes")]
    case_insensitive_matching: bool,
    /// Whether later stages show the matched user's username rather than what was typed.
    #[serde(default = "yes")]
    show_matched_user: bool,
    /// Whether an unknown identifier goes on to the next stage like a known one (so nobody can
    /// probe which accounts exist), or is refused here.
    #[serde(default = "yes")]
    pretend_user_exists: bool,
    /// authentik's validation stage for passkey autofill: when set, the username field offers
    /// the browser's passkeys (WebAuthn conditional mediation).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    webauthn_stage: Option<serde_json::Value>,
    /// A flow to sign in with a passkey alone (its id or slug), linked below the form.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    passwordless_flow: Option<serde_json::Value>,
}

fn yes() -> bool {
    true
}

impl crate::ssr::typed::Settings for Identification {
    fn check(&self) -> FieldErrors {
        let known = ["username", "email"];
        if self.user_fields.is_empty() {
            return field_error("user_fields", "Choose at least one of: username, email.");
        }
        if let Some(other) = self
            .user_fields
            .iter()
            .find(|f| !known.contains(&f.as_str()))
        {
            return field_error(
                "user_fields",
                format!("Ward identifies people by username or email, not by \"{other}\"."),
            );
        }
        let mut seen = self.user_fields.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.user_fields.len() {
            return field_error("user_fields", "Name each field once.");
        }
        FieldErrors::new()
    }
}

fn default_fields() -> Vec<String> {
    vec!["username".into(), "email".into()]
}

impl Identification {
    async fn show(
        &self,
        ctx: &mut StageCtx<'_>,
        uid: &str,
        errors: FieldErrors,
    ) -> Result<Outcome> {
        let passkey = match &self.webauthn_stage {
            Some(stage) if !stage.is_null() => super::passkey::start(ctx, true),
            _ => None,
        };
        let passwordless_url = match self.passwordless_flow.as_ref().and_then(|f| f.as_str()) {
            Some(key) => crate::ssr::flows::plan::slug_of(ctx.caches, ctx.pool, key)
                .await?
                .map(|slug| format!("/if/flow/{slug}/")),
            None => None,
        };
        Ok(Outcome::Show(
            Challenge::Identification {
                user_fields: self.user_fields.clone(),
                uid: uid.into(),
                passkey,
                passwordless_url,
            },
            errors,
        ))
    }
}

#[async_trait::async_trait]
impl Stage for Identification {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let uid = ctx.flow.pending_uid.clone().unwrap_or_default();
        self.show(ctx, &uid, FieldErrors::new()).await
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        // The browser's passkey autofill answered: it says who signs in.
        if let Some(given) = form.get("passkey").filter(|p| !p.trim().is_empty())
            && self.webauthn_stage.as_ref().is_some_and(|s| !s.is_null())
        {
            return match super::passkey::finish(ctx, given).await? {
                Ok(_) => Ok(Outcome::Next),
                Err(message) => self.show(ctx, "", field_error("uid_field", message)).await,
            };
        }
        let uid = form.get("uid_field").map(|s| s.trim()).unwrap_or_default();
        if uid.is_empty() {
            let message = "Please enter your username or email.";
            return self.show(ctx, "", field_error("uid_field", message)).await;
        }
        if uid.chars().count() > 254 || crate::types::validated::has_nul(uid) {
            let message = "That is too long for a username or email.";
            return self.show(ctx, "", field_error("uid_field", message)).await;
        }
        let by_username = self.user_fields.iter().any(|f| f == "username");
        let by_email = self.user_fields.iter().any(|f| f == "email");
        let user = users::find_by_identifier(
            ctx.pool,
            uid,
            by_username,
            by_email,
            !self.case_insensitive_matching,
        )
        .await?
        .filter(|u| u.is_active);
        if user.is_none() && !self.pretend_user_exists {
            events::record(
                ctx.pool,
                NewEvent {
                    action: action::LOGIN_FAILED,
                    user: None,
                    client_ip: Some(ctx.client.ip),
                    context: serde_json::json!({ "username": uid, "stage": "identification", "flow": ctx.flow_slug, "reason": "unknown user" }),
                },
            )
            .await?;
            let message = "Failed to authenticate.";
            return self.show(ctx, uid, field_error("uid_field", message)).await;
        }
        ctx.flow.pending_uid = Some(match &user {
            Some(u) if self.show_matched_user => u.username.clone(),
            _ => uid.to_string(),
        });
        ctx.flow.pending_user = user.map(|u| u.id);
        Ok(Outcome::Next)
    }
}
