//! The device authorization grant's two built-in stages (authentik's in-memory
//! `OAuthDeviceCodeStage` and `OAuthDeviceCodeFinishStage`). Ward adds them to a plan itself,
//! never as rows: `/device` appends [`Entry`] to the brand's device code flow, and a valid code
//! plans the provider's authorization flow with [`Finish`] after its stages.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::flows::executor::Env;
use crate::ssr::flows::state::PlannedStage;
use crate::ssr::oauth2::device::{self, Begun, Entered};
use crate::ssr::{Result, sessions, throttle};
use crate::types::flow::{Challenge, FieldErrors};
use serde::Deserialize;
use uuid::Uuid;

/// The kinds of the two stages in a plan.
pub const ENTRY: &str = "oauth2_device_code";
pub const FINISH: &str = "oauth2_device_code_finish";

/// authentik's message for a code no device waits for.
const INVALID: &str = "Invalid code";

/// The code entry, for the end of the brand's device code flow.
pub fn entry() -> PlannedStage {
    built_in("device code entry", ENTRY, serde_json::json!({}))
}

/// The approval of device `id`, for the end of its provider's authorization flow.
pub fn finish(id: Uuid) -> PlannedStage {
    built_in(
        "device code finish",
        FINISH,
        serde_json::json!({ "device": id }),
    )
}

fn built_in(name: &str, kind: &str, config: serde_json::Value) -> PlannedStage {
    PlannedStage {
        name: name.into(),
        kind: kind.into(),
        config,
        binding: None,
        policy_engine_mode: "any".into(),
        has_policies: false,
    }
}

/// Asks for the code a device shows; a valid one leaves this flow for the provider's
/// authorization flow, planned for that device.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {}

fn ask(errors: FieldErrors) -> Outcome {
    Outcome::Show(Challenge::DeviceCode, errors)
}

fn refuse(message: String) -> Outcome {
    Outcome::Show(Challenge::AccessDenied { message }, FieldErrors::new())
}

#[async_trait::async_trait]
impl Stage for Entry {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        if sessions::current_user(ctx.pool, ctx.session)
            .await?
            .is_none()
        {
            return Ok(Outcome::Deny("Sign in first.".into()));
        }
        Ok(ask(FieldErrors::new()))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let Some(user) = sessions::current_user(ctx.pool, ctx.session).await? else {
            return Ok(Outcome::Deny("Sign in first.".into()));
        };
        let typed = form.get("code").map(|c| c.trim()).unwrap_or_default();
        if typed.is_empty() {
            return Ok(ask(field_error("code", "Please enter the code.")));
        }
        let entered = device::check(
            ctx.pool,
            ctx.secret_key,
            ctx.client,
            &user,
            typed,
            ctx.flow_slug,
        )
        .await?;
        let pending = match entered {
            Entered::Valid(p) => *p,
            Entered::Invalid => return Ok(ask(field_error("code", INVALID))),
            Entered::Wait(s) => return Ok(ask(field_error("code", throttle::wait_message(s)))),
        };
        let env = Env {
            pool: ctx.pool,
            caches: ctx.caches,
            session: ctx.session,
            client: ctx.client,
            origin: ctx.origin,
            secret_key: ctx.secret_key,
            cookies: ctx.cookies,
        };
        Ok(match device::begin(&env, &user, pending).await? {
            Begun::Flow(view) => match view.challenge {
                Challenge::AccessDenied { message } => refuse(message),
                Challenge::Redirect { to } => Outcome::Leave(to),
                _ => Outcome::Leave(format!("/if/flow/{}/", view.slug)),
            },
            Begun::Forbidden(message) => refuse(message),
            Begun::NoFlow => refuse("The provider's authorization flow does not exist.".into()),
        })
    }
}

/// Approves the device for the signed-in user once the authorization flow's own stages
/// (consent) passed, and says so.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finish {
    device: Uuid,
}

#[async_trait::async_trait]
impl Stage for Finish {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let Some(user) = sessions::current_user(ctx.pool, ctx.session).await? else {
            return Ok(Outcome::Deny("Sign in first.".into()));
        };
        let Some(auth) = ctx.flow.oauth.clone() else {
            return Ok(Outcome::Deny("No device is waiting.".into()));
        };
        let handle = sessions::handle(ctx.session).await?;
        if !device::approve(ctx.pool, self.device, user.id, handle).await? {
            return Ok(Outcome::Deny("This code is no longer valid.".into()));
        }
        events::record(
            ctx.pool,
            NewEvent {
                action: action::AUTHORIZE_APPLICATION,
                user: Some((user.id, &user.username)),
                client_ip: Some(ctx.client.ip),
                context: serde_json::json!({
                    "application": auth.application_slug,
                    "scopes": auth.scopes,
                    "device": true,
                }),
            },
        )
        .await?;
        Ok(Outcome::Show(
            Challenge::DeviceCodeFinish {
                application: auth.application_name,
            },
            FieldErrors::new(),
        ))
    }

    /// Nothing is asked; the card stays as it is.
    async fn submit(&self, ctx: &mut StageCtx<'_>, _form: &Form) -> Result<Outcome> {
        let application = ctx
            .flow
            .oauth
            .as_ref()
            .map(|a| a.application_name.clone())
            .unwrap_or_default();
        Ok(Outcome::Show(
            Challenge::DeviceCodeFinish { application },
            FieldErrors::new(),
        ))
    }
}
