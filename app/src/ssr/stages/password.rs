//! Checks the password of the identified user, through the sign-in throttle. Unknown user and
//! wrong password take the same time and give the same message.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::crypto::password;
use crate::ssr::error::{BUSY, BUSY_RETRY_AFTER};
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::throttle::{self, Attempt, Verdict};
use crate::ssr::{Error, Result, tokens, users};
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};

pub const INBUILT: &str = "authentik.core.auth.InbuiltBackend";
pub const TOKEN: &str = "authentik.core.auth.TokenBackend";
/// Listed by authentik's default flow; Ward has no LDAP sources, so it never matches.
pub const LDAP: &str = "authentik.sources.ldap.auth.LDAPBackend";

/// Checks the password of the identified user against its stored hash and, when
/// TokenBackend is listed, against the user's app passwords.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Password {
    /// authentik's backend names: InbuiltBackend (the password), TokenBackend (app passwords).
    #[serde(default = "default_backends")]
    backends: Vec<String>,
    /// After this many wrong passwords the flow is cancelled (0: never).
    #[serde(default = "default_attempts")]
    failed_attempts_before_cancel: u32,
    /// authentik's link to a password-change flow. Ward has none yet: only null.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    configure_flow: Option<serde_json::Value>,
}

fn default_backends() -> Vec<String> {
    vec![INBUILT.into()]
}

fn default_attempts() -> u32 {
    5
}

impl crate::ssr::typed::Settings for Password {
    fn check(&self) -> FieldErrors {
        if self.backends.is_empty() {
            return field_error("backends", "Choose at least one backend.");
        }
        if let Some(other) = self
            .backends
            .iter()
            .find(|b| ![INBUILT, TOKEN, LDAP].contains(&b.as_str()))
        {
            return field_error(
                "backends",
                format!("Ward knows the backends {INBUILT}, {TOKEN} and {LDAP}, not {other}."),
            );
        }
        if self.configure_flow.as_ref().is_some_and(|v| !v.is_null()) {
            return field_error(
                "configure_flow",
                "Ward has no password-change flows yet; leave this empty.",
            );
        }
        FieldErrors::new()
    }
}

impl Password {
    fn uses(&self, backend: &str) -> bool {
        self.backends.iter().any(|b| b == backend)
    }
}

const WRONG: &str = "Invalid username or password.";

impl Password {
    fn show(ctx: &StageCtx<'_>, errors: FieldErrors) -> Outcome {
        let pending_user = ctx.flow.pending_uid.clone().unwrap_or_default();
        Outcome::Show(Challenge::Password { pending_user }, errors)
    }
}

#[async_trait::async_trait]
impl Stage for Password {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        // A passkey signed the person in: it stands for the password.
        if ctx.flow.passwordless {
            return Ok(Outcome::Next);
        }
        if ctx.flow.pending_uid.is_none() {
            return Ok(Outcome::Deny("No user was identified.".into()));
        }
        Ok(Self::show(ctx, FieldErrors::new()))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let given = form.get("password").cloned().unwrap_or_default();
        if given.is_empty() {
            return Ok(Self::show(
                ctx,
                field_error("password", "Please enter your password."),
            ));
        }
        if given.len() > 1024 {
            return Ok(Self::show(ctx, field_error("password", WRONG)));
        }
        let stored = match ctx.flow.pending_user {
            Some(id) => users::password_hash(ctx.pool, id).await?,
            None => None,
        };
        let uid = ctx.flow.pending_uid.clone().unwrap_or_default();
        let pending = ctx.flow.pending_user;
        let pool = ctx.pool;
        let use_token = self.uses(TOKEN);
        let use_password = self.uses(INBUILT);
        let verify = async {
            // Both checks always run, so a stage with app passwords takes as long either way.
            let by_password = password::verify(given.clone(), stored).await? && use_password;
            let by_token = match pending {
                Some(id) if use_token => tokens::app_password_user(pool, &given).await? == Some(id),
                _ => false,
            };
            Ok(by_password || by_token)
        };
        let attempt = Attempt {
            username: &uid,
            ip: ctx.client.ip,
        };
        let refusal = match throttle::check(ctx.pool, attempt, verify).await {
            Ok(Verdict::Valid) => {
                ctx.flow.amr.push("pwd".into());
                return Ok(Outcome::Next);
            }
            Ok(Verdict::Invalid) => None,
            Ok(Verdict::Wait(seconds)) => Some((throttle::wait_message(seconds), seconds)),
            Err(Error::Busy) => Some((BUSY.to_string(), BUSY_RETRY_AFTER)),
            Err(e) => return Err(e),
        };
        let known = match ctx.flow.pending_user {
            Some(id) => users::get(ctx.pool, id).await?.map(|u| (u.id, u.username)),
            None => None,
        };
        let mut context =
            serde_json::json!({ "username": uid, "stage": "password", "flow": ctx.flow_slug });
        if let Some((_, seconds)) = &refusal {
            // Not checked, so not a wrong password: the flow's own attempt count stays.
            context["throttled"] = serde_json::json!({ "retry_after": seconds });
        }
        events::record(
            ctx.pool,
            NewEvent {
                action: action::LOGIN_FAILED,
                user: known.as_ref().map(|(id, name)| (*id, name.as_str())),
                client_ip: Some(ctx.client.ip),
                context,
            },
        )
        .await?;
        if let Some((message, _)) = refusal {
            return Ok(Self::show(ctx, field_error("password", message)));
        }
        ctx.flow.failed_attempts += 1;
        if self.failed_attempts_before_cancel > 0
            && ctx.flow.failed_attempts >= self.failed_attempts_before_cancel
        {
            return Ok(Outcome::Deny(
                "Too many wrong passwords. Start again to try once more.".into(),
            ));
        }
        Ok(Self::show(ctx, field_error("password", WRONG)))
    }
}
