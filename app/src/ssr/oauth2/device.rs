//! The device authorization grant (RFC 8628) on the person's side: the user code they enter at
//! `/device` (in the brand's device code flow, or as `?code=`), checked through the sign-in
//! throttle, and the provider's authorization flow it starts, whose last stage approves the
//! device (authentik's `device_init.py` and `device_finish.py`). The device's side (its codes
//! and polls) is in the server's `protocols/oauth2/device.rs`.
use crate::ssr::client::ClientInfo;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::flows::executor::{self, Env};
use crate::ssr::flows::plan;
use crate::ssr::flows::state::FlowContext;
use crate::ssr::oauth2::Authorization;
use crate::ssr::providers::clients::{self, OAuthClient};
use crate::ssr::throttle::{self, Attempt, Verdict};
use crate::ssr::users::User;
use crate::ssr::{Result, applications, stages};
use crate::types::flow::FlowView;
use rand::Rng;
use sqlx::PgPool;
use uuid::Uuid;

/// An 8-digit user code, easy to type on a phone (RFC 8628 §6.1: 10^8 codes, a few minutes).
pub fn new_user_code() -> String {
    format!("{:08}", rand::thread_rng().gen_range(0..100_000_000u32))
}

/// A user code as typed: digits only (spaces and dashes people add are dropped).
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A device waiting for its person: its code is valid, unexpired and not approved yet.
pub struct Pending {
    pub id: Uuid,
    pub scopes: Vec<String>,
    pub client: OAuthClient,
}

async fn pending(pool: &PgPool, secret_key: &str, code: &str) -> Result<Option<Pending>> {
    let row = sqlx::query!(
        "select d.id, d.scopes, p.client_id as \"client_id!\" from oauth2_device_codes d
           join providers p on p.id = d.provider_id
          where d.user_code = $1 and d.expires_at > now() and d.approved_at is null and p.client_id is not null",
        code
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(clients::by_client_id(pool, secret_key, &row.client_id)
        .await?
        .map(|client| Pending {
            id: row.id,
            scopes: row.scopes,
            client,
        }))
}

/// What a code a person typed turned out to be.
pub enum Entered {
    Valid(Box<Pending>),
    /// No device waits for it (mistyped, guessed, expired or used): counted and recorded.
    Invalid,
    /// Not checked: the person or their address must wait this many seconds first.
    Wait(u64),
}

/// Checks a code `user` typed (at `place`: the flow, or `/device`) through the sign-in
/// throttle, per user and address, since user codes are short secrets that approve whatever
/// device shows them. A wrong or throttled one is recorded as a `suspicious_request`.
pub async fn check(
    pool: &PgPool,
    secret_key: &str,
    client: &ClientInfo,
    user: &User,
    typed: &str,
    place: &str,
) -> Result<Entered> {
    let mut found = None;
    let verify = async {
        found = match normalize_user_code(typed) {
            Some(code) => pending(pool, secret_key, &code).await?,
            None => None,
        };
        Ok(found.is_some())
    };
    let attempt = Attempt {
        username: &user.username,
        ip: client.ip,
    };
    let verdict = throttle::check(pool, attempt, verify).await?;
    let mut context = serde_json::json!({ "reason": "invalid device code", "flow": place });
    let entered = match (verdict, found) {
        (Verdict::Valid, Some(device)) => return Ok(Entered::Valid(Box::new(device))),
        (Verdict::Wait(seconds), _) => {
            context["throttled"] = serde_json::json!({ "retry_after": seconds });
            Entered::Wait(seconds)
        }
        _ => Entered::Invalid,
    };
    events::record(
        pool,
        NewEvent {
            action: action::SUSPICIOUS_REQUEST,
            user: Some((user.id, &user.username)),
            client_ip: Some(client.ip),
            context,
        },
    )
    .await?;
    Ok(entered)
}

/// Where a valid code leads.
pub enum Begun {
    /// The provider's authorization flow is planned for the device (consent, then the stage
    /// that approves it), and run up to its first view.
    Flow(FlowView),
    /// The application's policies keep the person out (recorded as `access_denied`).
    Forbidden(String),
    /// The provider's authorization flow does not exist.
    NoFlow,
}

/// Plans the authorization flow of the device's provider for `user`, as authorize does for a
/// browser, with the finish stage after its own stages (authentik inserts its
/// `OAuthDeviceCodeFinishStage` the same way). Its state replaces the flow in progress.
pub async fn begin(env: &Env<'_>, user: &User, device: Pending) -> Result<Begun> {
    let client = &device.client;
    let app = &client.application;
    let verdict =
        applications::check_access(env.pool, app, Some(user.id), Some(env.client)).await?;
    if let Some(message) = verdict.refusal() {
        events::record(
            env.pool,
            NewEvent {
                action: action::ACCESS_DENIED,
                user: Some((user.id, &user.username)),
                client_ip: Some(env.client.ip),
                context: serde_json::json!({ "application": app.slug, "messages": verdict.messages }),
            },
        )
        .await?;
        return Ok(Begun::Forbidden(message));
    }
    let Some(slug) =
        plan::slug_of(env.caches, env.pool, &client.settings.authorization_flow).await?
    else {
        return Ok(Begun::NoFlow);
    };
    let context = FlowContext {
        oauth: Some(Authorization {
            application: app.id,
            application_name: app.name.clone(),
            application_slug: app.slug.clone(),
            descriptions: client
                .scopes
                .iter()
                .filter(|o| !o.description.is_empty() && device.scopes.contains(&o.name))
                .map(|o| (o.name.clone(), o.description.clone()))
                .collect(),
            scopes: device.scopes,
            force_consent: false,
            request: format!("device:{}", device.id),
        }),
        ..FlowContext::default()
    };
    let finish = vec![stages::device_code::finish(device.id)];
    match executor::start_with(env, &slug, context, "/if/user/".into(), finish).await? {
        Some(view) => Ok(Begun::Flow(view)),
        None => Ok(Begun::NoFlow),
    }
}

/// Approves the device for `user`, signed in with the session `handle`: its next poll gets the
/// tokens. False when it was approved already.
pub async fn approve(pool: &PgPool, id: Uuid, user: Uuid, handle: Option<Uuid>) -> Result<bool> {
    let done = sqlx::query!(
        "update oauth2_device_codes set user_id = $2, session_id = $3, approved_at = now()
          where id = $1 and approved_at is null",
        id,
        user,
        handle
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_codes_are_eight_digits_and_typing_aids_are_dropped() {
        let c = new_user_code();
        assert_eq!(normalize_user_code(&c).as_deref(), Some(c.as_str()));
        assert_eq!(
            normalize_user_code("1234-5678").as_deref(),
            Some("12345678")
        );
        assert_eq!(
            normalize_user_code(" 1234 5678 ").as_deref(),
            Some("12345678")
        );
        for bad in [
            "1234567",
            "123456789",
            "abcdefgh",
            "1234５678",
            "",
            "12345678\n",
        ] {
            assert_eq!(normalize_user_code(bad), None, "{bad:?}");
        }
    }

    proptest! {
        /// Anything typed: eight ASCII digits or nothing, never a panic.
        #[test]
        fn garbage_codes_give_eight_digits_or_nothing(s in "\\PC{0,64}|[0-9 -]{0,24}") {
            if let Some(code) = normalize_user_code(&s) {
                prop_assert_eq!(code.len(), 8);
                prop_assert!(code.bytes().all(|b| b.is_ascii_digit()));
            }
        }

        /// A code shown to a person comes back whatever spaces and dashes they add.
        #[test]
        fn typed_codes_come_back(
            code in "[0-9]{8}",
            aids in proptest::collection::vec("[ -]{0,2}", 9),
        ) {
            let typed: String = aids
                .iter()
                .zip(code.chars().map(Some).chain([None]))
                .map(|(aid, c)| format!("{aid}{}", c.map(String::from).unwrap_or_default()))
                .collect();
            prop_assert_eq!(normalize_user_code(&typed), Some(code));
        }
    }
}
