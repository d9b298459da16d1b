//! `authenticator_webauthn`: enrolls a security key or passkey for the flow's user (or the
//! signed-in one). The browser creates the credential (`navigator.credentials.create`, through
//! the flow client); the stage checks its answer and saves the public key.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::Result;
use crate::ssr::mfa::{devices, webauthn};
use crate::ssr::users::User;
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthenticatorWebauthn {
    /// authentik's user verification: required, preferred or discouraged. Ward has every key
    /// verify the person (PIN or biometrics), as a passkey signs in without a password.
    #[serde(default = "preferred")]
    user_verification: String,
    /// Whether the key keeps the credential (a passkey, needed to sign in without a username):
    /// required, preferred or discouraged.
    #[serde(default = "preferred")]
    resident_key_requirement: String,
    /// `platform` (built in: Touch ID, Windows Hello), `cross-platform` (a key), or null: either.
    #[serde(default)]
    authenticator_attachment: Option<String>,
    /// authentik's allowed device types (by attestation); Ward enrolls any.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    device_type_restrictions: Vec<Json>,
    /// Failed registrations before the stage gives up (0: no limit).
    #[serde(default)]
    max_attempts: u32,
    /// The new device's name in the user's list, unless the person names it.
    #[serde(default)]
    friendly_name: Option<String>,
    /// authentik's flow that enrolls this stage's device from the user settings.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    configure_flow: Option<Json>,
}

fn preferred() -> String {
    "preferred".into()
}

const LEVELS: &[&str] = &["required", "preferred", "discouraged"];

impl crate::ssr::typed::Settings for AuthenticatorWebauthn {
    fn check(&self) -> FieldErrors {
        if !LEVELS.contains(&self.user_verification.as_str()) {
            return field_error(
                "user_verification",
                "Choose required, preferred or discouraged.",
            );
        }
        if !LEVELS.contains(&self.resident_key_requirement.as_str()) {
            return field_error(
                "resident_key_requirement",
                "Choose required, preferred or discouraged.",
            );
        }
        if self
            .authenticator_attachment
            .as_deref()
            .is_some_and(|a| !["platform", "cross-platform"].contains(&a))
        {
            return field_error(
                "authenticator_attachment",
                "Choose platform, cross-platform, or nothing for either.",
            );
        }
        if !self.device_type_restrictions.is_empty() {
            return field_error(
                "device_type_restrictions",
                "Ward enrolls any device type: leave this empty.",
            );
        }
        if self
            .friendly_name
            .as_ref()
            .is_some_and(|n| n.chars().count() > 64)
        {
            return field_error("friendly_name", "Keep the name to 64 characters.");
        }
        FieldErrors::new()
    }
}

const NEEDS_USER: &str = "Sign in first to add a security key.";
pub const NEEDS_SCRIPT: &str =
    "Security keys and passkeys need JavaScript, which is off in this browser.";

impl AuthenticatorWebauthn {
    /// A new ceremony (its state kept in the flow) and the challenge that runs it.
    async fn show(
        &self,
        ctx: &mut StageCtx<'_>,
        user: &User,
        errors: FieldErrors,
    ) -> Result<Outcome> {
        let existing: Vec<_> = devices::webauthn_devices(ctx.pool, user.id)
            .await?
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        let wanted = webauthn::Wanted {
            resident_key: &self.resident_key_requirement,
            attachment: self.authenticator_attachment.as_deref(),
        };
        let site = super::enroll::site_name();
        match webauthn::start_registration(ctx.origin, &site, user, &existing, &wanted) {
            Ok((options, state)) => {
                ctx.flow.webauthn_state = Some(state);
                Ok(Outcome::Show(Challenge::WebauthnSetup { options }, errors))
            }
            Err(refused) => Ok(Outcome::Deny(refused.0)),
        }
    }
}

#[async_trait::async_trait]
impl Stage for AuthenticatorWebauthn {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let Some(user) = super::enroll::device_user(ctx).await? else {
            return Ok(Outcome::Deny(NEEDS_USER.into()));
        };
        self.show(ctx, &user, FieldErrors::new()).await
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let Some(user) = super::enroll::device_user(ctx).await? else {
            return Ok(Outcome::Deny(NEEDS_USER.into()));
        };
        let given = form.get("webauthn").map(String::as_str).unwrap_or_default();
        let Some(state) = ctx.flow.webauthn_state.take() else {
            return self.show(ctx, &user, FieldErrors::new()).await;
        };
        if given.trim().is_empty() {
            return self.show(ctx, &user, field_error("", NEEDS_SCRIPT)).await;
        }
        let site = super::enroll::site_name();
        let refused = match webauthn::finish_registration(ctx.origin, &site, &state, given) {
            Ok(passkey) => {
                let name = form
                    .get("name")
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .or_else(|| self.friendly_name.clone().filter(|n| !n.trim().is_empty()))
                    .unwrap_or_else(|| "Security key".into());
                if name.chars().count() > 64 {
                    return self
                        .show(
                            ctx,
                            &user,
                            field_error("name", "Keep the name to 64 characters."),
                        )
                        .await;
                }
                match devices::add_webauthn(ctx.pool, user.id, &name, &passkey).await? {
                    Some(device) => {
                        super::enroll::enrolled(ctx, &user, "webauthn", device, &name).await?;
                        ctx.flow.failed_attempts = 0;
                        return Ok(Outcome::Next);
                    }
                    None => "This security key is already enrolled.".to_string(),
                }
            }
            Err(refused) => refused.0,
        };
        ctx.flow.failed_attempts += 1;
        if self.max_attempts > 0 && ctx.flow.failed_attempts >= self.max_attempts {
            return Ok(Outcome::Deny(
                "Too many failed attempts to add a security key.".into(),
            ));
        }
        self.show(ctx, &user, field_error("", refused)).await
    }
}
