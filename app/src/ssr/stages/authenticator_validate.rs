//! `authenticator_validate`: asks the flow's user for a second factor of a class they enrolled.
//! The person answers with one class (the strongest they have, or the one they pick); the code
//! field of the app also takes a recovery code. An app's code is good once (the device keeps the
//! last step it accepted), a recovery code is spent, an email code is sent by this stage and good
//! once. Every wrong code counts in the sign-in throttle, as wrong passwords do. A browser that
//! passed within `last_auth_threshold` is not asked again; an account without a device may be
//! sent to enroll one (`not_configured_action: configure`).
use super::authenticator_email::Sending;
use super::authenticator_webauthn::NEEDS_SCRIPT;
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::error::BUSY;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::flows::plan;
use crate::ssr::flows::state::PlannedStage;
use crate::ssr::mfa::email_code::{self, Check};
use crate::ssr::mfa::webauthn as mfa_webauthn;
use crate::ssr::mfa::{devices, remembered, totp};
use crate::ssr::throttle::{self, Attempt, Verdict};
use crate::ssr::{Error, Result, users};
use crate::types::directory::Saved;
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};

/// authentik's device classes, as `device_classes` names them.
const CLASSES: &[&str] = &["static", "totp", "webauthn", "duo", "sms", "email"];
/// The classes Ward validates today, the one offered first first.
const VALIDATED: &[&str] = &["webauthn", "totp", "static", "email"];

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
            "configure" if self.configuration_stages.is_empty() => {
                return field_error(
                    "configuration_stages",
                    "Choose the stages that set up a device, to configure one during sign-in.",
                );
            }
            "configure" => {}
            _ => {
                return field_error("not_configured_action", "Choose skip, deny or configure.");
            }
        }
        if self
            .configuration_stages
            .iter()
            .any(|s| s.as_str().is_none_or(|s| s.is_empty() || s.len() > 256))
        {
            return field_error("configuration_stages", "Name each stage by its id or name.");
        }
        if let Err(message) = super::user_login::duration_secs(&self.last_auth_threshold) {
            return field_error("last_auth_threshold", message);
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

/// The setup stage kind that enrolls each class, for `configure`.
fn class_of(kind: &str) -> Option<&'static str> {
    match kind {
        "authenticator_totp" => Some("totp"),
        "authenticator_static" => Some("static"),
        "authenticator_email" => Some("email"),
        "authenticator_webauthn" => Some("webauthn"),
        _ => None,
    }
}

impl AuthenticatorValidate {
    /// The classes to offer `user`: enrolled, allowed here, and validated by Ward, best first.
    async fn offered(&self, ctx: &StageCtx<'_>, user: uuid::Uuid) -> Result<Vec<String>> {
        let enrolled = devices::classes(ctx.pool, user).await?;
        Ok(VALIDATED
            .iter()
            .filter(|c| {
                enrolled.iter().any(|e| e == *c) && self.device_classes.iter().any(|d| d == *c)
            })
            .map(|c| c.to_string())
            .collect())
    }

    /// Seconds a browser that passed is trusted for (0: ask every time).
    fn threshold(&self) -> i64 {
        super::user_login::duration_secs(&self.last_auth_threshold)
            .ok()
            .flatten()
            .unwrap_or(0)
    }

    /// Whether this browser passed for `user` within the threshold.
    fn remembered(&self, ctx: &StageCtx<'_>, user: uuid::Uuid) -> bool {
        let threshold = self.threshold();
        if threshold <= 0 {
            return false;
        }
        remembered::from_header(&ctx.cookies.header)
            .and_then(|v| remembered::passed_at(ctx.secret_key, v, user))
            .is_some_and(|at| (0..=threshold).contains(&(email_code::now() - at)))
    }

    /// The setup stages `configure` may run, with the class each enrolls.
    async fn setup_stages(&self, ctx: &StageCtx<'_>) -> Result<Vec<(String, PlannedStage)>> {
        let mut found = Vec::new();
        for key in self.configuration_stages.iter().filter_map(|k| k.as_str()) {
            if let Some(stage) = plan::stage(ctx.pool, key).await?
                && let Some(class) = class_of(&stage.kind)
                && !found.iter().any(|(c, _)| c == class)
            {
                found.push((class.to_string(), stage));
            }
        }
        Ok(found)
    }

    /// No device of an offered class: skip, deny, or enroll one now.
    async fn not_configured(&self, ctx: &mut StageCtx<'_>, pick: Option<&str>) -> Result<Outcome> {
        match self.not_configured_action.as_str() {
            "deny" => Ok(Outcome::Deny(NONE_SET_UP.into())),
            "configure" => {
                let mut stages = self.setup_stages(ctx).await?;
                if stages.is_empty() {
                    return Ok(Outcome::Deny(NONE_SET_UP.into()));
                }
                let chosen = match pick {
                    Some(pick) => stages.iter().position(|(c, _)| c == pick),
                    None => (stages.len() == 1).then_some(0),
                };
                if let Some(i) = chosen {
                    let (class, stage) = stages.swap_remove(i);
                    // The device set up now is the factor this sign-in passed with.
                    ctx.flow.mfa_class = Some(class);
                    return Ok(Outcome::Then(vec![stage]));
                }
                let classes = stages.into_iter().map(|(c, _)| c).collect();
                let challenge = Challenge::AuthenticatorValidate {
                    classes,
                    selected: String::new(),
                    sent_to: None,
                    enroll: true,
                    webauthn: None,
                };
                Ok(Outcome::Show(challenge, FieldErrors::new()))
            }
            _ => Ok(Outcome::Next),
        }
    }

    /// The class to ask for: the one picked before, else the first offered.
    fn selected(ctx: &StageCtx<'_>, classes: &[String]) -> String {
        ctx.flow
            .mfa_selected
            .clone()
            .filter(|s| classes.contains(s))
            .or_else(|| classes.first().cloned())
            .unwrap_or_default()
    }

    /// Shows the challenge for the selected class; for email, sends a code unless one is on its way.
    async fn show(
        &self,
        ctx: &mut StageCtx<'_>,
        user: uuid::Uuid,
        classes: Vec<String>,
        mut errors: FieldErrors,
        resend: bool,
    ) -> Result<Outcome> {
        let selected = Self::selected(ctx, &classes);
        let mut sent_to = None;
        let mut webauthn = None;
        if selected == "webauthn" {
            let passkeys: Vec<_> = devices::webauthn_devices(ctx.pool, user)
                .await?
                .into_iter()
                .map(|(_, p)| p)
                .collect();
            let site = super::enroll::site_name();
            match mfa_webauthn::start_authentication(ctx.origin, &site, &passkeys) {
                Ok((options, state)) => {
                    ctx.flow.webauthn_state = Some(state);
                    webauthn = Some(options);
                }
                Err(refused) => {
                    errors.insert(String::new(), refused.0);
                }
            }
        }
        if selected == "email" {
            let devices = devices::email_devices(ctx.pool, user).await?;
            let now = email_code::now();
            let waiting = ctx.flow.pending_email.as_ref().filter(|p| {
                p.live(now)
                    && p.device
                        .is_some_and(|d| devices.iter().any(|(id, _)| *id == d))
            });
            let refused = if resend {
                super::authenticator_email::resend_refused(ctx)
            } else {
                None
            };
            if let Some(message) = refused {
                errors.insert("code".into(), message);
            } else if (waiting.is_none() || resend)
                && let Some((device, address)) = devices.first().cloned()
                && let Some(person) = users::get(ctx.pool, user).await?
            {
                let sending = Sending::default();
                let sent = super::authenticator_email::send_code(
                    ctx,
                    &person,
                    Some(device),
                    &address,
                    "code",
                    &sending,
                )
                .await?;
                if let Saved::Invalid(mut refused) = sent {
                    errors.append(&mut refused);
                }
            }
            sent_to = ctx
                .flow
                .pending_email
                .as_ref()
                .map(|p| email_code::masked(&p.email));
        }
        let challenge = Challenge::AuthenticatorValidate {
            classes,
            selected,
            sent_to,
            enroll: false,
            webauthn,
        };
        Ok(Outcome::Show(challenge, errors))
    }

    /// Checks `given` against the selected class (an app's code also as a recovery code): the
    /// class that matched.
    async fn verify(
        ctx: &mut StageCtx<'_>,
        user: uuid::Uuid,
        selected: &str,
        offered: &[String],
        given: &str,
        reason: &mut Option<String>,
    ) -> Result<Option<&'static str>> {
        let (pool, secret_key) = (ctx.pool, ctx.secret_key);
        if selected == "webauthn" {
            let Some(state) = ctx.flow.webauthn_state.take() else {
                return Ok(None);
            };
            let passkeys = devices::webauthn_devices(pool, user).await?;
            let site = super::enroll::site_name();
            return match mfa_webauthn::finish_authentication(
                ctx.origin, &site, &state, given, &passkeys,
            ) {
                Ok((device, updated)) => Ok(devices::update_webauthn(pool, device, &updated)
                    .await?
                    .then_some("webauthn")),
                Err(refused) => {
                    *reason = Some(refused.0);
                    Ok(None)
                }
            };
        }
        if selected == "email" {
            let Some(mut pending) = ctx.flow.pending_email.take() else {
                return Ok(None);
            };
            let verdict = pending.check(given, email_code::now());
            if verdict == Check::Valid
                && let Some(device) = pending.device
                && devices::mark_used(pool, user, device).await?
            {
                return Ok(Some("email"));
            }
            ctx.flow.pending_email = Some(pending);
            return Ok(None);
        }
        if offered.iter().any(|c| c == "totp") {
            let now = totp::now();
            for device in devices::totp_devices(pool, secret_key, user).await? {
                if let Some(step) = totp::matching_step(&device.secret, device.digits, given, now) {
                    // A code seen before (or older than one seen) is not good again.
                    let fresh = devices::accept_step(pool, device.id, step).await?;
                    return Ok(fresh.then_some("totp"));
                }
            }
        }
        if offered.iter().any(|c| c == "static")
            && devices::use_recovery_code(pool, user, given).await?
        {
            return Ok(Some("static"));
        }
        Ok(None)
    }

    /// The passwordless flow's challenge: a passkey that names its user (webauthn allowed here),
    /// else nobody to ask.
    fn passwordless(&self, ctx: &mut StageCtx<'_>, errors: FieldErrors) -> Outcome {
        if !self.device_classes.iter().any(|c| c == "webauthn") {
            return Outcome::Deny("No user was identified.".into());
        }
        match super::passkey::start(ctx, false) {
            Some(options) => Outcome::Show(
                Challenge::AuthenticatorValidate {
                    classes: vec!["webauthn".into()],
                    selected: "webauthn".into(),
                    sent_to: None,
                    enroll: false,
                    webauthn: Some(options),
                },
                errors,
            ),
            None => {
                Outcome::Deny("Passkeys work only when Ward is reached by its domain name.".into())
            }
        }
    }

    /// The stage passed with `class`: noted for the login event, and this browser remembered.
    fn passed(&self, ctx: &mut StageCtx<'_>, user: uuid::Uuid, class: &str) {
        ctx.flow.mfa_class = Some(class.to_string());
        ctx.flow.mfa_selected = None;
        ctx.flow.pending_email = None;
        let threshold = self.threshold();
        if threshold > 0 {
            let token = remembered::token(ctx.secret_key, user, email_code::now());
            let secure = ctx.origin.starts_with("https://");
            ctx.cookies
                .set(remembered::set_cookie(&token, threshold, secure));
        }
    }
}

const NONE_SET_UP: &str = "Signing in needs a second factor, and this account has none set up.";

#[async_trait::async_trait]
impl Stage for AuthenticatorValidate {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        // A passkey that signed in earlier in this flow was the second factor already.
        if ctx.flow.mfa_class.is_some() {
            return Ok(Outcome::Next);
        }
        let Some(user) = ctx.flow.pending_user else {
            return Ok(self.passwordless(ctx, FieldErrors::new()));
        };
        let classes = self.offered(ctx, user).await?;
        if classes.is_empty() {
            return self.not_configured(ctx, None).await;
        }
        if self.remembered(ctx, user) {
            return Ok(Outcome::Next);
        }
        self.show(ctx, user, classes, FieldErrors::new(), false)
            .await
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let Some(user) = ctx.flow.pending_user else {
            // The passwordless flow: the passkey says who signs in.
            let given = form.get("webauthn").map(String::as_str).unwrap_or_default();
            if given.trim().is_empty() {
                return Ok(self.passwordless(ctx, field_error("", NEEDS_SCRIPT)));
            }
            return Ok(match super::passkey::finish(ctx, given).await? {
                Ok(_) => Outcome::Next,
                Err(message) => self.passwordless(ctx, field_error("", message)),
            });
        };
        let classes = self.offered(ctx, user).await?;
        let pick = form.get("class").map(String::as_str);
        if classes.is_empty() {
            return self.not_configured(ctx, pick).await;
        }
        // Another class picked (or a new email code asked for): show it, nothing checked.
        if let Some(pick) = pick.filter(|p| classes.iter().any(|c| c == p)) {
            ctx.flow.mfa_selected = Some(pick.to_string());
            return self
                .show(ctx, user, classes, FieldErrors::new(), false)
                .await;
        }
        if form.contains_key("resend") {
            return self
                .show(ctx, user, classes, FieldErrors::new(), true)
                .await;
        }
        let selected = Self::selected(ctx, &classes);
        // A security key answers for itself (no field to put an error beside).
        let (input, slot) = match selected.as_str() {
            "webauthn" => ("webauthn", ""),
            _ => ("code", "code"),
        };
        let given = form.get(input).map(String::as_str).unwrap_or_default();
        if given.trim().is_empty() {
            let message = match selected.as_str() {
                "webauthn" => NEEDS_SCRIPT,
                "email" => "Enter the code from the email.",
                _ => "Enter a code from your authenticator app or a recovery code.",
            };
            return self
                .show(ctx, user, classes, field_error(slot, message), false)
                .await;
        }
        if input == "code" && given.len() > 128 {
            return self
                .show(ctx, user, classes, field_error("code", WRONG), false)
                .await;
        }
        let uid = ctx.flow.pending_uid.clone().unwrap_or_default();
        let attempt = Attempt {
            username: &uid,
            ip: ctx.client.ip,
        };
        let pool = ctx.pool;
        let mut matched = None;
        let mut reason = None;
        let verify = async {
            matched = Self::verify(ctx, user, &selected, &classes, given, &mut reason).await?;
            Ok(matched.is_some())
        };
        let verdict = throttle::check(pool, attempt, verify).await;
        let refusal = match verdict {
            Ok(Verdict::Valid) => {
                self.passed(ctx, user, matched.unwrap_or_default());
                return Ok(Outcome::Next);
            }
            Ok(Verdict::Invalid) => reason.unwrap_or_else(|| WRONG.to_string()),
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
                context: serde_json::json!({ "classes": classes, "class": selected, "flow": ctx.flow_slug, "message": refusal }),
            },
        )
        .await?;
        self.show(ctx, user, classes, field_error(slot, refusal), false)
            .await
    }
}
