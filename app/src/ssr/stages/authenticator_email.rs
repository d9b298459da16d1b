//! `authenticator_email`: enrolls an email address as a second factor. A code goes to the
//! account's address (or one the person gives, when the account has none); the device is saved
//! once the code comes back. The validation stage sends codes to it the same way.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::Result;
use crate::ssr::mfa::devices;
use crate::ssr::mfa::email_code::{self, Check, Mail, PendingCode};
use crate::ssr::users::User;
use crate::types::directory::Saved;
use crate::types::flow::{Challenge, FieldErrors};
use crate::types::validated::Email;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthenticatorEmail {
    /// Send through Ward's email settings (`WARD_EMAIL__*`): the only way Ward sends.
    #[serde(default = "yes")]
    use_global_settings: bool,
    /// The mail's subject.
    #[serde(default = "subject")]
    subject: String,
    /// How long a code is good (authentik's duration syntax, e.g. `minutes=30`).
    #[serde(default = "thirty_minutes")]
    token_expiry: String,
    /// The email template: Ward's `email_otp`, or a file of that name in the data dir's templates.
    #[serde(default = "template")]
    template: String,
    /// The new device's name in the user's list.
    #[serde(default)]
    friendly_name: Option<String>,
    /// authentik's flow that enrolls this stage's device from the user settings.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    configure_flow: Option<Json>,
    /// authentik's own SMTP settings for this stage: read (so its blueprints load) but unused,
    /// as Ward sends all mail through its global settings.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    host: Option<Json>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    port: Option<Json>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    username: Option<Json>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    use_tls: Option<Json>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    use_ssl: Option<Json>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    timeout: Option<Json>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    from_address: Option<Json>,
}

fn yes() -> bool {
    true
}
fn subject() -> String {
    "Your sign-in code".into()
}
fn thirty_minutes() -> String {
    "minutes=30".into()
}
fn template() -> String {
    "email_otp".into()
}

/// The longest a code may be good for.
const MAX_TTL: i64 = 86_400;

impl crate::ssr::typed::Settings for AuthenticatorEmail {
    fn check(&self) -> FieldErrors {
        if !self.use_global_settings {
            return field_error(
                "use_global_settings",
                "Ward sends every email through its global settings (WARD_EMAIL__*): turn this on.",
            );
        }
        if self.subject.trim().is_empty() || self.subject.chars().count() > 200 {
            return field_error(
                "subject",
                "Give the mail a subject of up to 200 characters.",
            );
        }
        match super::user_login::duration_secs(&self.token_expiry) {
            Ok(Some(secs)) if secs <= MAX_TTL => {}
            Ok(_) => {
                return field_error(
                    "token_expiry",
                    "A code must be good for between a second and a day.",
                );
            }
            Err(message) => return field_error("token_expiry", message),
        }
        if template_name(&self.template).is_none() {
            return field_error(
                "template",
                "Name a template by its file name, e.g. email_otp (or authentik's email/email_otp.html).",
            );
        }
        super::enroll::check_name(self.friendly_name.as_deref())
    }
}

/// The template's name as `email::templates` knows it: authentik's `email/<name>.html` or a
/// plain name.
fn template_name(given: &str) -> Option<&str> {
    let name = given.trim();
    let name = name.strip_prefix("email/").unwrap_or(name);
    let name = name.strip_suffix(".html").unwrap_or(name);
    (!name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// What the settings say about sending a code; shared with the validation stage, whose codes
/// follow the stage that enrolled the device when it can, else these defaults.
pub struct Sending {
    pub subject: String,
    pub template: String,
    pub ttl: i64,
}

impl Default for Sending {
    fn default() -> Self {
        Self {
            subject: subject(),
            template: template(),
            ttl: 30 * 60,
        }
    }
}

impl AuthenticatorEmail {
    fn sending(&self) -> Sending {
        Sending {
            subject: self.subject.clone(),
            template: template_name(&self.template)
                .unwrap_or("email_otp")
                .to_string(),
            ttl: super::user_login::duration_secs(&self.token_expiry)
                .ok()
                .flatten()
                .unwrap_or(30 * 60),
        }
    }

    fn show(ctx: &StageCtx<'_>, errors: FieldErrors) -> Outcome {
        let sent_to = ctx
            .flow
            .pending_email
            .as_ref()
            .filter(|p| p.device.is_none())
            .map(|p| email_code::masked(&p.email));
        Outcome::Show(Challenge::EmailSetup { sent_to }, errors)
    }
}

/// Mails a new code for `device` (None: an address being enrolled) to `to`, keeping it in the
/// flow. Invalid: the address was refused (a field error on `field`).
pub async fn send_code(
    ctx: &mut StageCtx<'_>,
    user: &User,
    device: Option<uuid::Uuid>,
    to: &str,
    field: &str,
    sending: &Sending,
) -> Result<Saved<()>> {
    let (pending, code) = PendingCode::new(device, to, sending.ttl, email_code::now());
    let site = super::enroll::site_name();
    let mail = Mail {
        to,
        name: if user.name.trim().is_empty() {
            &user.username
        } else {
            &user.name
        },
        site: &site,
        subject: &sending.subject,
        template: &sending.template,
        code: &code,
        ttl: sending.ttl,
    };
    match email_code::send(ctx.pool, field, mail).await? {
        Saved::Ok(_) => {
            ctx.flow.pending_email = Some(pending);
            Ok(Saved::Ok(()))
        }
        Saved::Invalid(errors) => Ok(Saved::Invalid(errors)),
    }
}

/// Whether a new code may go out now; the message to show when not.
pub fn resend_refused(ctx: &StageCtx<'_>) -> Option<String> {
    let waiting = ctx.flow.pending_email.as_ref()?;
    (!waiting.may_resend(email_code::now())).then(|| {
        format!(
            "A code was just sent. Wait {} seconds before asking for another.",
            email_code::RESEND_AFTER
        )
    })
}

#[async_trait::async_trait]
impl Stage for AuthenticatorEmail {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let Some(user) = super::enroll::device_user(ctx).await? else {
            return Ok(Outcome::Deny(
                "Sign in first to add an email address.".into(),
            ));
        };
        let waiting = ctx
            .flow
            .pending_email
            .as_ref()
            .is_some_and(|p| p.device.is_none() && p.live(email_code::now()));
        if !waiting
            && let Some(address) = user.email.clone().filter(|e| !e.is_empty())
            && let Saved::Invalid(errors) =
                send_code(ctx, &user, None, &address, "email", &self.sending()).await?
        {
            ctx.flow.pending_email = None;
            return Ok(Self::show(ctx, errors));
        }
        Ok(Self::show(ctx, FieldErrors::new()))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let Some(user) = super::enroll::device_user(ctx).await? else {
            return Ok(Outcome::Deny(
                "Sign in first to add an email address.".into(),
            ));
        };
        let pending = ctx
            .flow
            .pending_email
            .clone()
            .filter(|p| p.device.is_none());
        // Another address, or the first one when the account has none.
        if form.contains_key("resend") || pending.is_none() {
            if let Some(message) = resend_refused(ctx) {
                return Ok(Self::show(ctx, field_error("code", message)));
            }
            let given = form.get("email").map(|e| e.trim().to_string());
            let address = match (given, pending) {
                (Some(given), _) if !given.is_empty() => match Email::parse(&given) {
                    Ok(email) => email.as_str().to_string(),
                    Err(message) => return Ok(Self::show(ctx, field_error("email", message))),
                },
                (_, Some(p)) => p.email,
                _ => match user.email.clone().filter(|e| !e.is_empty()) {
                    Some(address) => address,
                    None => {
                        let message = "Enter the address to send codes to.";
                        return Ok(Self::show(ctx, field_error("email", message)));
                    }
                },
            };
            let sent = send_code(ctx, &user, None, &address, "email", &self.sending()).await?;
            return Ok(match sent {
                Saved::Ok(()) => Self::show(ctx, FieldErrors::new()),
                Saved::Invalid(errors) => Self::show(ctx, errors),
            });
        }
        let Some(mut pending) = pending else {
            return Ok(Self::show(ctx, FieldErrors::new()));
        };
        let given = form.get("code").map(String::as_str).unwrap_or_default();
        if given.trim().is_empty() {
            return Ok(Self::show(
                ctx,
                field_error("code", "Enter the code from the email."),
            ));
        }
        let verdict = pending.check(given, email_code::now());
        ctx.flow.pending_email = Some(pending.clone());
        match verdict {
            Check::Valid => {}
            Check::Wrong => {
                return Ok(Self::show(
                    ctx,
                    field_error("code", "That code is not right."),
                ));
            }
            Check::Stale => {
                let message = "That code has expired. Ask for a new one.";
                return Ok(Self::show(ctx, field_error("code", message)));
            }
        }
        let name = super::enroll::device_name(self.friendly_name.as_deref(), "Email");
        let device = devices::add_email(ctx.pool, user.id, &name, &pending.email).await?;
        ctx.flow.pending_email = None;
        super::enroll::enrolled(ctx, &user, "email", device, &name).await?;
        Ok(Outcome::Next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_are_read_as_authentik_writes_them() {
        assert_eq!(template_name("email/email_otp.html"), Some("email_otp"));
        assert_eq!(template_name("my_code"), Some("my_code"));
        assert_eq!(template_name("../etc/passwd"), None);
        assert_eq!(template_name(""), None);
    }

    proptest::proptest! {
        /// Any template setting: a plain name or refused, never a path.
        #[test]
        fn any_template_setting_is_a_plain_name_or_refused(given in ".{0,80}") {
            if let Some(name) = template_name(&given) {
                proptest::prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            }
        }
    }
}
