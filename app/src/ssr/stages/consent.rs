//! Asks the signed-in user to allow an application the scopes it asked for (authentik's consent
//! stage). Remembered consents (`permanent`, `expiring`) skip the question until new scopes
//! appear; `always_require` asks every time. Without an authorization to approve it passes.
use super::{Form, Outcome, Stage, StageCtx};
use crate::ssr::oauth2::consents;
use crate::ssr::{Result, sessions};
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    AlwaysRequire,
    Permanent,
    Expiring,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consent {
    #[serde(default = "always")]
    mode: Mode,
    /// How long an `expiring` consent lasts, in authentik's format (`weeks=4`).
    #[serde(default = "four_weeks")]
    consent_expire_in: String,
}

fn always() -> Mode {
    Mode::AlwaysRequire
}

fn four_weeks() -> String {
    "weeks=4".into()
}

impl crate::ssr::typed::Settings for Consent {
    fn check(&self) -> FieldErrors {
        match super::user_login::duration_secs(&self.consent_expire_in) {
            Ok(Some(_)) => FieldErrors::new(),
            Ok(None) => super::field_error("consent_expire_in", "Give a duration above zero."),
            Err(msg) => super::field_error("consent_expire_in", msg),
        }
    }
}

impl Consent {
    /// Of the scopes asked for: those allowed before, and those to ask about now. None when
    /// nothing needs asking (or there is no authorization to approve).
    async fn to_ask(
        &self,
        ctx: &StageCtx<'_>,
        user: uuid::Uuid,
    ) -> Result<Option<(Vec<String>, Vec<String>)>> {
        let Some(auth) = &ctx.flow.oauth else {
            return Ok(None);
        };
        if self.mode == Mode::AlwaysRequire || auth.force_consent {
            return Ok(Some((Vec::new(), auth.scopes.clone())));
        }
        let Some(known) = consents::allowed(ctx.pool, user, auth.application).await? else {
            return Ok(Some((Vec::new(), auth.scopes.clone())));
        };
        let (kept, new): (Vec<String>, Vec<String>) =
            auth.scopes.iter().cloned().partition(|s| known.contains(s));
        Ok((!new.is_empty()).then_some((kept, new)))
    }
}

#[async_trait::async_trait]
impl Stage for Consent {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let Some(user) = sessions::current_user(ctx.pool, ctx.session).await? else {
            return Ok(Outcome::Deny("Sign in first.".into()));
        };
        let (Some(auth), Some((kept, new))) =
            (ctx.flow.oauth.clone(), self.to_ask(ctx, user.id).await?)
        else {
            return Ok(Outcome::Next);
        };
        // A first consent lists what is asked; a remembered one shows what it covers and, apart,
        // what is new.
        let (permissions, additional) = if kept.is_empty() {
            (auth.described(&new), Vec::new())
        } else {
            (auth.described(&kept), auth.described(&new))
        };
        Ok(Outcome::Show(
            Challenge::Consent {
                application: auth.application_name,
                permissions,
                additional,
            },
            FieldErrors::new(),
        ))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, _form: &Form) -> Result<Outcome> {
        let Some(user) = sessions::current_user(ctx.pool, ctx.session).await? else {
            return Ok(Outcome::Deny("Sign in first.".into()));
        };
        let Some(auth) = ctx.flow.oauth.clone() else {
            return Ok(Outcome::Next);
        };
        let expires = match self.mode {
            Mode::AlwaysRequire => return Ok(Outcome::Next),
            Mode::Permanent => None,
            Mode::Expiring => super::user_login::duration_secs(&self.consent_expire_in)
                .ok()
                .flatten(),
        };
        consents::remember(ctx.pool, user.id, auth.application, &auth.scopes, expires).await?;
        Ok(Outcome::Next)
    }
}
