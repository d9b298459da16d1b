//! Signing in with a passkey that names its user (a discoverable credential): the
//! identification stage's autofill and the passwordless flow's validation stage share it. A
//! passkey verifies the person on the device, so it stands for both password and second factor.
use super::StageCtx;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::mfa::{devices, webauthn};
use crate::ssr::throttle::{self, Attempt, Verdict};
use crate::ssr::{Error, Result, users};

/// Starts a ceremony (its state kept in the flow): the options for the browser, or None where
/// WebAuthn cannot work (Ward reached by an IP address).
pub fn start(ctx: &mut StageCtx<'_>, conditional: bool) -> Option<String> {
    let site = super::enroll::site_name();
    let (options, state) = webauthn::start_discoverable(ctx.origin, &site, conditional).ok()?;
    ctx.flow.webauthn_state = Some(state);
    Some(options)
}

const UNKNOWN: &str = "This passkey is not enrolled here. Sign in another way.";

/// Checks the browser's answer: the user it signed in, or why not (for people). Every failure
/// counts in the sign-in throttle and is recorded.
pub async fn finish(
    ctx: &mut StageCtx<'_>,
    given: &str,
) -> Result<std::result::Result<users::User, String>> {
    let Some(state) = ctx.flow.webauthn_state.take() else {
        return Ok(Err("The passkey sign-in expired. Try again.".into()));
    };
    let (claimed, credential) = match webauthn::identify(given) {
        Ok(found) => found,
        Err(refused) => return Ok(Err(refused.0)),
    };
    let Some((device, owner, passkey)) =
        devices::webauthn_by_credential(ctx.pool, &credential).await?
    else {
        return Ok(Err(UNKNOWN.into()));
    };
    let user = match users::get(ctx.pool, owner).await? {
        Some(user) if owner == claimed && user.is_active => user,
        _ => return Ok(Err(UNKNOWN.into())),
    };
    let site = super::enroll::site_name();
    let attempt = Attempt {
        username: &user.username,
        ip: ctx.client.ip,
    };
    let (pool, origin) = (ctx.pool, ctx.origin);
    let mut reason = None;
    let verify = async {
        match webauthn::finish_discoverable(origin, &site, &state, given, (device, passkey)) {
            Ok((id, updated)) => devices::update_webauthn(pool, id, &updated).await,
            Err(refused) => {
                reason = Some(refused.0);
                Ok(false)
            }
        }
    };
    let refusal = match throttle::check(pool, attempt, verify).await {
        Ok(Verdict::Valid) => {
            ctx.flow.pending_user = Some(user.id);
            ctx.flow.pending_uid = Some(user.username.clone());
            ctx.flow.mfa_class = Some("webauthn".into());
            ctx.flow.passwordless = true;
            return Ok(Ok(user));
        }
        Ok(Verdict::Invalid) => reason.unwrap_or_else(|| UNKNOWN.into()),
        Ok(Verdict::Wait(seconds)) => throttle::wait_message(seconds),
        Err(Error::Busy) => crate::ssr::error::BUSY.to_string(),
        Err(e) => return Err(e),
    };
    events::record(
        ctx.pool,
        NewEvent {
            action: action::MFA_FAILED,
            user: Some((user.id, &user.username)),
            client_ip: Some(ctx.client.ip),
            context: serde_json::json!({ "class": "webauthn", "passwordless": true, "flow": ctx.flow_slug, "message": refusal }),
        },
    )
    .await?;
    Ok(Err(refusal))
}
