//! The device authorization grant (RFC 8628): `/application/o/device/` hands a device its codes,
//! `/device` starts the brand's device code flow, where a signed-in person enters the user code
//! and approves it through the provider's authorization flow (consent; the person's side is in
//! `app::ssr::oauth2::device`), and the token endpoint answers the device's polls.
use super::errors::{OAuthError, OAuthResult};
use super::{Endpoint, grants, pages};
use app::ssr::AppState;
use app::ssr::flows::executor;
use app::ssr::flows::state::FlowContext;
use app::ssr::oauth2::device::{self, Begun, Entered};
use app::ssr::oauth2::scopes;
use app::ssr::providers::clients::OAuthClient;
use app::ssr::sessions;
use app::ssr::stages::device_code;
use app::types::brands::Brand;
use app::types::flow::{Challenge, FlowView};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;
use std::net::SocketAddr;
use tower_sessions::Session;
use uuid::Uuid;

pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Seconds a device waits between polls (RFC 8628 §3.2); faster polls get `slow_down`.
const INTERVAL: i64 = 5;

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
        let mut code = device::new_user_code();
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
            code = device::new_user_code();
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

/// `GET /device` (authentik's `DeviceEntryView`): 404 when the brand has no device code flow.
/// A signed-in person with a valid `?code=` goes straight to the provider's authorization
/// flow for that device; otherwise the brand's device code flow runs with the code entry at
/// its end. Anyone else signs in first and comes back.
pub async fn entry(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    req: Request,
) -> Response {
    let brand = req.extensions().get::<Brand>().cloned().unwrap_or_default();
    let code = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
    });
    let ep = Endpoint::new(
        &state,
        peer,
        req.headers(),
        Some(brand.authentication_flow()),
    );
    let flow = brand.form.flow_device_code.as_str();
    let mut res = match run_entry(&ep, &session, flow, code.as_deref()).await {
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
    };
    for cookie in ep.cookies.taken() {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// authentik answers an empty 404; Ward says why.
fn not_configured(ep: &Endpoint<'_>) -> Response {
    pages::error(
        ep.state,
        StatusCode::NOT_FOUND,
        "Not Found",
        "Devices cannot be signed in here: no device code flow is configured for this brand.",
    )
}

async fn run_entry(
    ep: &Endpoint<'_>,
    session: &Session,
    device_flow: &str,
    code: Option<&str>,
) -> app::ssr::Result<Response> {
    if device_flow.is_empty() {
        tracing::info!("the brand has no device code flow configured");
        return Ok(not_configured(ep));
    }
    let code = code.filter(|c| !c.trim().is_empty());
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
    let env = ep.env(session);
    if let Some(typed) = code {
        let entered =
            device::check(ep.pool, ep.secret_key, &ep.client, &user, typed, ENTRY).await?;
        if let Entered::Valid(pending) = entered {
            return Ok(match device::begin(&env, &user, *pending).await? {
                Begun::Flow(view) => to_flow(ep, view),
                Begun::Forbidden(message) => {
                    pages::error(ep.state, StatusCode::FORBIDDEN, "Access Denied", &message)
                }
                Begun::NoFlow => pages::error(
                    ep.state,
                    StatusCode::BAD_REQUEST,
                    "Configuration Error",
                    "The provider's authorization flow does not exist.",
                ),
            });
        }
        // As authentik: the code entry instead, where it can be typed again.
        tracing::info!("no device waits for the code in the query");
    }
    let entry = vec![device_code::entry()];
    let context = FlowContext::default();
    match executor::start_with(&env, device_flow, context, "/if/user/".into(), entry).await? {
        Some(view) => Ok(to_flow(ep, view)),
        // The brand names a flow that was deleted since.
        None => Ok(not_configured(ep)),
    }
}

/// Where the browser goes for a flow just planned: its page, unless it refused the person
/// (said here with its message, where authentik answers a bare 404) or ended already.
fn to_flow(ep: &Endpoint<'_>, view: FlowView) -> Response {
    match view.challenge {
        Challenge::AccessDenied { message } => {
            pages::error(ep.state, StatusCode::FORBIDDEN, "Access Denied", &message)
        }
        Challenge::Redirect { to } => crate::guards::found(&to),
        _ => crate::guards::found(&format!("/if/flow/{}/", view.slug)),
    }
}
