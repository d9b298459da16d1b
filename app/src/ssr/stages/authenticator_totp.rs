//! `authenticator_totp`: enrolls an authenticator app for the flow's user (or the signed-in
//! one). Shows the secret as a QR code (an SVG drawn here), as its `otpauth://` URI and in base32;
//! the device is saved only once the person enters a code it made. The secret waits in the flow
//! sealed, and is sealed at rest.
use super::{Form, Outcome, Stage, StageCtx, field_error};
use crate::ssr::Result;
use crate::ssr::crypto::sealed;
use crate::ssr::mfa::{devices, totp};
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seals the secret while it waits in the flow (the session) for its first code.
const PENDING_PURPOSE: &str = "mfa-totp-pending";

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthenticatorTotp {
    /// Digits per code: 6 or 8 (authentik writes them as "6" and "8").
    #[serde(
        default = "six",
        serialize_with = "digits_out",
        deserialize_with = "digits_in"
    )]
    #[schema(value_type = String, example = "6")]
    digits: u8,
    /// The new device's name in the user's list (authentik's `friendly_name`).
    #[serde(default)]
    friendly_name: Option<String>,
    /// authentik's flow that enrolls this stage's device from the user settings.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    configure_flow: Option<serde_json::Value>,
}

fn six() -> u8 {
    6
}

fn digits_out<S: Serializer>(digits: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&digits.to_string())
}

fn digits_in<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Number(u64),
        Text(String),
    }
    let n = match Given::deserialize(d)? {
        Given::Number(n) => n,
        Given::Text(t) => t.trim().parse().map_err(serde::de::Error::custom)?,
    };
    u8::try_from(n).map_err(serde::de::Error::custom)
}

impl crate::ssr::typed::Settings for AuthenticatorTotp {
    fn check(&self) -> FieldErrors {
        if ![6, 8].contains(&self.digits) {
            return field_error("digits", "Codes have 6 or 8 digits.");
        }
        super::enroll::check_name(self.friendly_name.as_deref())
    }
}

const WRONG: &str = "That code is not right. Enter the code your app shows now.";

impl AuthenticatorTotp {
    /// The secret being enrolled: the one waiting in the flow, or a new one.
    fn secret(ctx: &mut StageCtx<'_>) -> Result<Vec<u8>> {
        if let Some(waiting) = &ctx.flow.pending_totp {
            return sealed::open(ctx.secret_key, PENDING_PURPOSE, waiting);
        }
        let secret = totp::new_secret();
        ctx.flow.pending_totp = Some(sealed::seal(ctx.secret_key, PENDING_PURPOSE, &secret));
        Ok(secret)
    }

    async fn show(&self, ctx: &mut StageCtx<'_>, errors: FieldErrors) -> Result<Outcome> {
        let Some(user) = super::enroll::device_user(ctx).await? else {
            return Ok(Outcome::Deny(
                "Sign in first to add an authenticator.".into(),
            ));
        };
        let secret = Self::secret(ctx)?;
        let issuer = super::enroll::site_name();
        let uri = totp::uri(&secret, self.digits, &issuer, &user.username);
        Ok(Outcome::Show(
            Challenge::TotpSetup {
                qr_svg: totp::qr_svg(&uri),
                uri,
                secret: totp::secret_base32(&secret),
                digits: self.digits,
            },
            errors,
        ))
    }
}

#[async_trait::async_trait]
impl Stage for AuthenticatorTotp {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        self.show(ctx, FieldErrors::new()).await
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let Some(user) = super::enroll::device_user(ctx).await? else {
            return Ok(Outcome::Deny(
                "Sign in first to add an authenticator.".into(),
            ));
        };
        let secret = Self::secret(ctx)?;
        let given = form.get("code").map(String::as_str).unwrap_or_default();
        if given.trim().is_empty() {
            let message = "Enter the code your app shows.";
            return self.show(ctx, field_error("code", message)).await;
        }
        let Some(step) = totp::matching_step(&secret, self.digits, given, totp::now()) else {
            return self.show(ctx, field_error("code", WRONG)).await;
        };
        let name = super::enroll::device_name(self.friendly_name.as_deref(), "Authenticator app");
        let device = devices::add_totp(
            ctx.pool,
            ctx.secret_key,
            user.id,
            &name,
            &secret,
            self.digits,
            step,
        )
        .await?;
        ctx.flow.pending_totp = None;
        super::enroll::enrolled(ctx, &user, "totp", device, &name).await?;
        Ok(Outcome::Next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_read_as_authentik_writes_them_and_written_back_so() {
        for given in [
            serde_json::json!({"digits": "8"}),
            serde_json::json!({"digits": 8}),
        ] {
            let stage: AuthenticatorTotp = serde_json::from_value(given).expect("settings");
            assert_eq!(stage.digits, 8);
            assert_eq!(serde_json::to_value(&stage).expect("json")["digits"], "8");
        }
        let default: AuthenticatorTotp =
            serde_json::from_value(serde_json::json!({})).expect("default");
        assert_eq!(default.digits, 6);
        use crate::ssr::typed::Settings;
        let seven: AuthenticatorTotp =
            serde_json::from_value(serde_json::json!({"digits": 7})).expect("parsed");
        assert!(seven.check().contains_key("digits"));
        assert!(
            serde_json::from_value::<AuthenticatorTotp>(serde_json::json!({"digits": "six"}))
                .is_err()
        );
        assert!(
            serde_json::from_value::<AuthenticatorTotp>(serde_json::json!({"digits": 300}))
                .is_err()
        );
    }

    proptest::proptest! {
        /// Whatever a blueprint or the REST API sends as `digits`: read or refused, never a panic.
        #[test]
        fn any_digits_value_is_read_or_refused(n in proptest::prelude::any::<i64>(), text in ".{0,12}") {
            for given in [serde_json::json!(n), serde_json::json!(text), serde_json::json!(n as f64)] {
                let _ = serde_json::from_value::<AuthenticatorTotp>(serde_json::json!({ "digits": given }));
            }
        }
    }
}
