//! Signs the pending user in: new session id, session lifetime, last_login, a login event.
use super::{Outcome, Stage, StageCtx};
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::{Result, sessions};
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserLogin {
    /// How long a session lasts without activity, in authentik's format (`hours=8;minutes=30`);
    /// `seconds=0` = until the browser closes.
    #[serde(default = "browser_session")]
    session_duration: String,
}

fn browser_session() -> String {
    "seconds=0".into()
}

impl crate::ssr::typed::Settings for UserLogin {
    fn check(&self) -> FieldErrors {
        match duration_secs(&self.session_duration) {
            Ok(_) => FieldErrors::new(),
            Err(msg) => super::field_error("session_duration", msg),
        }
    }
}

/// Seconds of `weeks=…;days=…;hours=…;minutes=…;seconds=…` (each at most once, whole or
/// decimal numbers); 0 is None, a session that ends with the browser.
pub fn duration_secs(text: &str) -> Result<Option<i64>, String> {
    const MAX: f64 = 10.0 * 366.0 * 86_400.0;
    let bad = || {
        "Write a duration as e.g. hours=8;minutes=30 (weeks, days, hours, minutes, seconds)."
            .to_string()
    };
    let mut total = 0.0;
    let mut seen = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (unit, value) = part.split_once('=').ok_or_else(bad)?;
        let unit = unit.trim();
        let scale = match unit {
            "weeks" => 604_800.0,
            "days" => 86_400.0,
            "hours" => 3_600.0,
            "minutes" => 60.0,
            "seconds" => 1.0,
            _ => return Err(bad()),
        };
        if seen.contains(&unit) {
            return Err(bad());
        }
        seen.push(unit);
        let value: f64 = value.trim().parse().map_err(|_| bad())?;
        if !value.is_finite() || value < 0.0 {
            return Err(bad());
        }
        total += value * scale;
    }
    if seen.is_empty() {
        return Err(bad());
    }
    if total > MAX {
        return Err("At most 10 years.".into());
    }
    let secs = total.round() as i64;
    Ok((secs > 0).then_some(secs))
}

#[async_trait::async_trait]
impl Stage for UserLogin {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let signed_in = match ctx.flow.pending_user {
            Some(id) => sessions::sign_in(
                ctx.pool,
                ctx.session,
                id,
                ctx.client,
                duration_secs(&self.session_duration).unwrap_or(None),
                &amr(ctx.flow),
            )
            .await?
            .map(|username| (id, username)),
            None => None,
        };
        let Some((id, username)) = signed_in else {
            return Ok(Outcome::Deny("No user to sign in.".into()));
        };
        events::record(
            ctx.pool,
            NewEvent {
                action: action::LOGIN,
                user: Some((id, &username)),
                client_ip: Some(ctx.client.ip),
                // The second factor's class, if one passed (OIDC's `amr` reads it).
                context: serde_json::json!({
                    "flow": ctx.flow_slug,
                    "user_agent": ctx.client.user_agent,
                    "mfa_class": ctx.flow.mfa_class,
                }),
            },
        )
        .await?;
        Ok(Outcome::Next)
    }
}

/// How this sign-in was proven, as OIDC's `amr` values (RFC 8176): `pwd`, `otp` for codes,
/// `hwk` for security keys and passkeys, and `mfa` when two factors passed.
fn amr(flow: &crate::ssr::flows::state::FlowContext) -> Vec<String> {
    let mut out = flow.amr.clone();
    let second = match flow.mfa_class.as_deref() {
        Some("webauthn") => Some("hwk"),
        Some(_) => Some("otp"),
        None => None,
    };
    if let Some(s) = second {
        out.push(s.into());
        if out.iter().any(|a| a == "pwd") {
            out.push("mfa".into());
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::duration_secs;

    #[test]
    fn durations_read_authentiks_format() {
        assert_eq!(duration_secs("seconds=0"), Ok(None));
        assert_eq!(duration_secs("hours=8;minutes=30"), Ok(Some(30_600)));
        assert_eq!(duration_secs("days=1.5"), Ok(Some(129_600)));
        assert!(duration_secs("").is_err());
        assert!(duration_secs("hours=-1").is_err());
        assert!(duration_secs("hours=1;hours=2").is_err());
        assert!(duration_secs("fortnights=1").is_err());
        assert!(duration_secs("weeks=1000").is_err());
    }
}
