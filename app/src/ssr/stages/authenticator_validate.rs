//! `authenticator_validate`: asks the flow's user for a second factor of a class they enrolled.
//! One field takes a code of any offered class: the authenticator app's (good once: the device
//! keeps the last step it accepted) or a recovery code (spent when used). Every wrong code
//! counts in the sign-in throttle, as wrong passwords do.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::error::BUSY;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::mfa::{devices, totp};
use crate::ssr::throttle::{self, Attempt, Verdict};
use crate::ssr::{Error, Result, users};
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};

/// authentik's device classes, as `device_classes` names them.
const CLASSES: &[&str] = &["static", "totp", "webauthn", "duo", "sms", "email"];
/// The classes Ward validates today.
const VALIDATED: &[&str] = &["static", "totp"];

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthenticatorValidate {
    /// Which device classes may be used (authentik's names).
    #[serde(default = "all_classes")]
    device_classes: Vec<String>,
    /// A user without any such device: `skip` the stage, or `deny` the sign-in.
    #[serde(default = "skip")]
    not_configured_action: String,
    /// authentik's stages to enroll a device with when `not_configured_action` is `configure`.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    configuration_stages: Vec<serde_json::Value>,
    /// authentik's time within which a browser that passed need not again (`seconds=0`: always ask).
    #[serde(default = "always")]
    last_auth_threshold: String,
    /// authentik's WebAuthn user verification: required, preferred or discouraged.
    #[serde(default = "preferred")]
    webauthn_user_verification: String,
}

fn all_classes() -> Vec<String> {
    CLASSES.iter().map(|c| c.to_string()).collect()
}
fn skip() -> String {
    "skip".into()
}
fn always() -> String {
    "seconds=0".into()
}
fn preferred() -> String {
    "preferred".into()
}

impl crate::ssr::typed::Settings for AuthenticatorValidate {
    fn check(&self) -> FieldErrors {
        if let Some(other) = self
            .device_classes
            .iter()
            .find(|c| !CLASSES.contains(&c.as_str()))
        {
            return field_error(
                "device_classes",
                format!("Device classes are {}; not {other}.", CLASSES.join(", ")),
            );
        }
        match self.not_configured_action.as_str() {
            "skip" | "deny" => {}
            "configure" => {
                return field_error(
                    "not_configured_action",
                    "Ward cannot enroll a device during sign-in yet: choose skip or deny.",
                );
            }
            _ => {
                return field_error("not_configured_action", "Choose skip, deny or configure.");
            }
        }
        match super::user_login::duration_secs(&self.last_auth_threshold) {
            Ok(None) => {}
            Ok(Some(_)) => {
                return field_error(
                    "last_auth_threshold",
                    "Ward asks at every sign-in for now: use seconds=0.",
                );
            }
            Err(message) => return field_error("last_auth_threshold", message),
        }
        if !["required", "preferred", "discouraged"]
            .contains(&self.webauthn_user_verification.as_str())
        {
            return field_error(
                "webauthn_user_verification",
                "Choose required, preferred or discouraged.",
            );
        }
        FieldErrors::new()
    }
}

const WRONG: &str = "That code is not right.";

impl AuthenticatorValidate {
    /// The classes to offer `user`: enrolled, allowed here, and validated by Ward.
    async fn offered(&self, ctx: &StageCtx<'_>, user: uuid::Uuid) -> Result<Vec<String>> {
        Ok(devices::classes(ctx.pool, user)
            .await?
            .into_iter()
            .filter(|c| self.device_classes.contains(c) && VALIDATED.contains(&c.as_str()))
            .collect())
    }

    fn show(classes: Vec<String>, errors: FieldErrors) -> Outcome {
        Outcome::Show(Challenge::AuthenticatorValidate { classes }, errors)
    }
}

#[async_trait::async_trait]
impl Stage for AuthenticatorValidate {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let Some(user) = ctx.flow.pending_user else {
            return Ok(Outcome::Deny("No user was identified.".into()));
        };
        let classes = self.offered(ctx, user).await?;
        if !classes.is_empty() {
            return Ok(Self::show(classes, FieldErrors::new()));
        }
        Ok(match self.not_configured_action.as_str() {
            "deny" => Outcome::Deny(
                "Signing in needs a second factor, and this account has none set up.".into(),
            ),
            _ => Outcome::Next,
        })
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let Some(user) = ctx.flow.pending_user else {
            return Ok(Outcome::Deny("No user was identified.".into()));
        };
        let classes = self.offered(ctx, user).await?;
        if classes.is_empty() {
            return self.challenge(ctx).await;
        }
        let given = form.get("code").map(String::as_str).unwrap_or_default();
        if given.trim().is_empty() {
            return Ok(Self::show(
                classes,
                field_error(
                    "code",
                    "Enter a code from your authenticator app or a recovery code.",
                ),
            ));
        }
        if given.len() > 128 {
            return Ok(Self::show(classes, field_error("code", WRONG)));
        }
        let uid = ctx.flow.pending_uid.clone().unwrap_or_default();
        let (pool, secret_key) = (ctx.pool, ctx.secret_key);
        let offered = &classes;
        let mut matched: Option<&'static str> = None;
        let verify = async {
            if offered.iter().any(|c| c == "totp") {
                let now = totp::now();
                for device in devices::totp_devices(pool, secret_key, user).await? {
                    if let Some(step) =
                        totp::matching_step(&device.secret, device.digits, given, now)
                    {
                        // A code seen before (or older than one seen) is not good again.
                        let fresh = devices::accept_step(pool, device.id, step).await?;
                        matched = fresh.then_some("totp");
                        return Ok(fresh);
                    }
                }
            }
            if offered.iter().any(|c| c == "static")
                && devices::use_recovery_code(pool, user, given).await?
            {
                matched = Some("static");
                return Ok(true);
            }
            Ok(false)
        };
        let attempt = Attempt {
            username: &uid,
            ip: ctx.client.ip,
        };
        let verdict = throttle::check(ctx.pool, attempt, verify).await;
        let refusal = match verdict {
            Ok(Verdict::Valid) => {
                ctx.flow.mfa_class = matched.map(str::to_string);
                return Ok(Outcome::Next);
            }
            Ok(Verdict::Invalid) => WRONG.to_string(),
            Ok(Verdict::Wait(seconds)) => throttle::wait_message(seconds),
            Err(Error::Busy) => BUSY.to_string(),
            Err(e) => return Err(e),
        };
        let username = users::get(ctx.pool, user).await?.map(|u| u.username);
        events::record(
            ctx.pool,
            NewEvent {
                action: action::MFA_FAILED,
                user: username.as_deref().map(|name| (user, name)),
                client_ip: Some(ctx.client.ip),
                context: serde_json::json!({ "classes": classes, "flow": ctx.flow_slug, "message": refusal }),
            },
        )
        .await?;
        Ok(Self::show(classes, field_error("code", refusal)))
    }
}
