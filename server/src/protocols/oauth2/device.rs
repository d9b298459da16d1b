//! The device authorization grant (RFC 8628): `/application/o/device/` hands a device its codes,
//! `/device` lets a signed-in person enter the user code and approve it through the provider's
//! authorization flow (consent), and the token endpoint answers the device's polls.
use super::errors::{OAuthError, OAuthResult};
use super::{Endpoint, grants, pages};
use app::ssr::AppState;
use app::ssr::flows::executor;
use app::ssr::flows::state::FlowContext;
use app::ssr::oauth2::{self, Authorization, scopes};
use app::ssr::providers::clients::{self, OAuthClient};
use app::ssr::{applications, sessions};
use app::types::flow::Challenge;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rand::Rng;
use serde_json::json;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tower_sessions::Session;
use uuid::Uuid;

pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Seconds a device waits between polls (RFC 8628 §3.2); faster polls get `slow_down`.
const INTERVAL: i64 = 5;

/// An 8-digit user code, easy to type on a phone (RFC 8628 §6.1: 10^8 codes, a few minutes).
fn user_code() -> String {
    format!("{:08}", rand::thread_rng().gen_range(0..100_000_000u32))
}

/// A user code as typed: digits only (spaces and dashes people add are dropped).
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// `POST /application/o/device/`: the codes for a device.
pub async fn authorize(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ep = Endpoint::new(&state, peer, &headers, None);
    let answer = async {
        let form = super::authorize::params(&String::from_utf8_lossy(&body))
            .map_err(OAuthError::invalid_request)?;
        let client = super::client_auth::authenticate(&ep, &headers, &form, true).await?;
        if !client.allows_grant(GRANT) {
            return Err(OAuthError::unauthorized_client(
                "This client may not use the device grant.",
            ));
        }
        let offered = super::offered_scopes(&client);
        let scopes = scopes::granted(
            form.get("scope").map(String::as_str).unwrap_or(""),
            &offered,
        );
        let device_code = grants::new_secret();
        let ttl = super::validity(&client.settings.access_code_validity, 60).max(300);
        // A user code already waiting is drawn again (unique index).
        let mut code = user_code();
        for _ in 0..5 {
            let r = sqlx::query!(
                "insert into oauth2_device_codes (id, device_code_hash, user_code, provider_id, scopes, expires_at)
                 values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
                 on conflict (user_code) do nothing",
                Uuid::new_v4(),
                grants::digest(&device_code),
                code,
                client.provider_id,
                &scopes,
                ttl as f64
            )
            .execute(ep.pool)
            .await
            .map_err(app::ssr::Error::from)?;
            if r.rows_affected() == 1 {
                let verify = format!("{}/device", ep.origin);
                return Ok(json!({
                    "device_code": device_code,
                    "user_code": code,
                    "verification_uri": verify,
                    "verification_uri_complete": format!("{verify}?code={code}"),
                    "expires_in": ttl,
                    "interval": INTERVAL,
                }));
            }
            code = user_code();
        }
        Err(OAuthError::new(
            "slow_down",
            "Too many devices are waiting; try again shortly.",
        ))
    };
    super::token::respond(answer.await)
}

/// What a poll of the token endpoint finds.
pub enum Poll {
    Approved {
        user: Uuid,
        session: Option<Uuid>,
        scopes: Vec<String>,
    },
}

/// The token endpoint's device_code grant: pending, too fast, expired, or approved (once).
pub async fn poll(ep: &Endpoint<'_>, client: &OAuthClient, device_code: &str) -> OAuthResult<Poll> {
    let row = sqlx::query!(
        r#"select id, user_id, session_id, scopes, approved_at is not null as "approved!",
                  expires_at < now() as "expired!",
                  coalesce(last_poll_at > now() - make_interval(secs => $3), false) as "too_fast!"
             from oauth2_device_codes where device_code_hash = $1 and provider_id = $2"#,
        grants::digest(device_code),
        client.provider_id,
        INTERVAL as f64 - 0.5
    )
    .fetch_optional(ep.pool)
    .await
    .map_err(app::ssr::Error::from)?
    .ok_or_else(|| OAuthError::invalid_grant("Unknown device code."))?;
    if row.expired {
        return Err(OAuthError::new(
            "expired_token",
            "The device code has expired; start again.",
        ));
    }
    if !row.approved {
        sqlx::query!(
            "update oauth2_device_codes set last_poll_at = now() where id = $1",
            row.id
        )
        .execute(ep.pool)
        .await
        .map_err(app::ssr::Error::from)?;
        if row.too_fast {
            return Err(OAuthError::new(
                "slow_down",
                "Poll at most every 5 seconds.",
            ));
        }
        return Err(OAuthError::new(
            "authorization_pending",
            "The user has not approved the device yet.",
        ));
    }
    // Used once: a second poll after approval finds nothing.
    sqlx::query!("delete from oauth2_device_codes where id = $1", row.id)
        .execute(ep.pool)
        .await
        .map_err(app::ssr::Error::from)?;
    let user = row
        .user_id
        .ok_or_else(|| OAuthError::invalid_grant("Unknown device code."))?;
    Ok(Poll::Approved {
        user,
        session: row.session_id,
        scopes: row.scopes,
    })
}

const ENTRY: &str = "/device";

/// `GET /device`: the page where a signed-in person enters a device's code; with `?code=` the
/// provider's authorization flow runs for it, and the device is approved when it completes.
pub async fn entry(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let ep = Endpoint::new(&state, peer, &headers, None);
    match run_entry(&ep, &session, q.get("code").map(String::as_str)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "device entry failed");
            pages::error(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server Error",
                "Ward could not answer this request.",
            )
        }
    }
}

fn form(ep: &Endpoint<'_>, message: Option<&str>) -> Response {
    let error = message.map_or(String::new(), |m| {
        format!(
            r#"<p id="device-error" role="alert" class="text-sm text-red-600">{}</p>"#,
            pages::escape(m)
        )
    });
    let body = format!(
        r#"<h1 class="text-xl font-semibold">Connect a device</h1>
<p>Enter the code your device shows.</p>{error}
<form method="get" action="{ENTRY}" class="flex w-full flex-col gap-3">
<label for="device-code" class="text-sm font-medium">Code</label>
<input id="device-code" name="code" inputmode="numeric" autocomplete="one-time-code" required
 class="rounded-md border border-slate-300 px-3 py-2 text-center font-mono text-lg tracking-widest">
<button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white">Continue</button>
</form>"#
    );
    pages::page_response(ep.state, StatusCode::OK, "Connect a device", &body)
}

async fn run_entry(
    ep: &Endpoint<'_>,
    session: &Session,
    code: Option<&str>,
) -> app::ssr::Result<Response> {
    let Some(user) = sessions::current_user(ep.pool, session).await? else {
        let here = match code {
            Some(c) => format!(
                "{ENTRY}?code={}",
                url::form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()
            ),
            None => ENTRY.to_string(),
        };
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        return Ok(crate::guards::found(&format!(
            "/if/flow/{}/?next={next}",
            ep.authentication_flow
        )));
    };
    let Some(typed) = code.filter(|c| !c.trim().is_empty()) else {
        return Ok(form(ep, None));
    };
    let invalid = || {
        form(
            ep,
            Some("This code is not valid (it may have expired). Check it on your device."),
        )
    };
    let Some(code) = normalize_user_code(typed) else {
        return Ok(invalid());
    };
    let row = sqlx::query!(
        "select d.id, d.scopes, p.client_id as \"client_id!\" from oauth2_device_codes d
           join providers p on p.id = d.provider_id
          where d.user_code = $1 and d.expires_at > now() and d.approved_at is null and p.client_id is not null",
        code
    )
    .fetch_optional(ep.pool)
    .await?;
    let Some(row) = row else { return Ok(invalid()) };
    let Some(client) = clients::by_client_id(ep.pool, ep.secret_key, &row.client_id).await? else {
        return Ok(invalid());
    };
    let app = &client.application;
    if !applications::check_access(ep.pool, app, Some(user.id))
        .await?
        .passing
    {
        return Ok(pages::error(
            ep.state,
            StatusCode::FORBIDDEN,
            "Access Denied",
            "You may not use this application.",
        ));
    }
    let request = format!("device:{}", row.id);
    let here = format!("{ENTRY}?code={code}");
    if !oauth2::take_approval(session, &request, user.id).await? {
        let Some(flow) =
            app::ssr::flows::plan::slug_of(ep.pool, &client.settings.authorization_flow).await?
        else {
            return Ok(pages::error(
                ep.state,
                StatusCode::BAD_REQUEST,
                "Configuration Error",
                "The provider's authorization flow does not exist.",
            ));
        };
        let context = FlowContext {
            oauth: Some(Authorization {
                application: app.id,
                application_name: app.name.clone(),
                application_slug: app.slug.clone(),
                scopes: row.scopes.clone(),
                descriptions: client
                    .scopes
                    .iter()
                    .filter(|o| !o.description.is_empty() && row.scopes.contains(&o.name))
                    .map(|o| (o.name.clone(), o.description.clone()))
                    .collect(),
                force_consent: false,
                request: request.clone(),
            }),
            ..FlowContext::default()
        };
        let env = ep.env(session);
        let view = executor::start(&env, &flow, context, here).await?;
        match view.map(|v| v.challenge) {
            Some(Challenge::Redirect { .. }) => {
                if !oauth2::take_approval(session, &request, user.id).await? {
                    return Ok(pages::error(
                        ep.state,
                        StatusCode::FORBIDDEN,
                        "Access Denied",
                        "The authorization flow did not approve the device.",
                    ));
                }
            }
            Some(_) => return Ok(crate::guards::found(&format!("/if/flow/{flow}/"))),
            None => return Ok(invalid()),
        }
    }
    let handle = sessions::handle(session).await?;
    sqlx::query!(
        "update oauth2_device_codes set user_id = $2, session_id = $3, approved_at = now()
          where id = $1 and approved_at is null",
        row.id,
        user.id,
        handle
    )
    .execute(ep.pool)
    .await?;
    let body = format!(
        r#"<h1 class="text-xl font-semibold">Device connected</h1><p id="device-done">{} is now signed in as {}. You may close this page.</p>"#,
        pages::escape(&app.name),
        pages::escape(&user.username)
    );
    Ok(pages::page_response(
        ep.state,
        StatusCode::OK,
        "Device connected",
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_codes_are_eight_digits_and_typing_aids_are_dropped() {
        let c = user_code();
        assert_eq!(normalize_user_code(&c).as_deref(), Some(c.as_str()));
        assert_eq!(
            normalize_user_code("1234-5678").as_deref(),
            Some("12345678")
        );
        assert_eq!(
            normalize_user_code(" 1234 5678 ").as_deref(),
            Some("12345678")
        );
        assert_eq!(normalize_user_code("1234567"), None);
        assert_eq!(normalize_user_code("abcdefgh"), None);
    }

    proptest! {
        #[test]
        fn garbage_codes_never_panic(s in ".{0,64}") {
            let _ = normalize_user_code(&s);
        }
    }
}
