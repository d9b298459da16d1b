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
    fn show(&self, uid: &str, errors: FieldErrors) -> Outcome {
        Outcome::Show(
            Challenge::Identification {
                user_fields: self.user_fields.clone(),
                uid: uid.into(),
            },
            errors,
        )
    }
}

#[async_trait::async_trait]
impl Stage for Identification {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        Ok(self.show(
            ctx.flow.pending_uid.as_deref().unwrap_or_default(),
            FieldErrors::new(),
        ))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let uid = form.get("uid_field").map(|s| s.trim()).unwrap_or_default();
        if uid.is_empty() {
            return Ok(self.show(
                "",
                field_error("uid_field", "Please enter your username or email."),
            ));
        }
        if uid.chars().count() > 254 || crate::types::validated::has_nul(uid) {
            return Ok(self.show(
                "",
                field_error("uid_field", "That is too long for a username or email."),
            ));
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
            return Ok(self.show(uid, field_error("uid_field", "Failed to authenticate.")));
        }
        ctx.flow.pending_uid = Some(match &user {
            Some(u) if self.show_matched_user => u.username.clone(),
            _ => uid.to_string(),
        });
        ctx.flow.pending_user = user.map(|u| u.id);
        Ok(Outcome::Next)
    }
}
