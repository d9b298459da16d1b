//! `auth/nginx`, `auth/traefik`, `auth/caddy`, `auth/envoy`: the check a reverse proxy makes
//! before every request to a protected application. A warm check (a known cookie) reads no
//! SQL: the provider table and the session come from this process's caches, which every
//! change in the database clears (see `app::ssr::oauth2::cache`).
use super::{
    believed, browser_host, configuration_error, forward_url, header_auth, headers, internal,
    provider_for, signin,
};
use app::ssr::AppState;
use app::ssr::applications;
use app::ssr::crypto::secret;
use app::ssr::events::{self, NewEvent, action};
use app::ssr::outposts::{self, Outposted, Served};
use app::ssr::providers::clients;
use app::ssr::providers::proxy::sessions::{self, CheckedSession};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use url::Url;

/// Database lookups the checks made (cache misses): a warm check adds none.
static LOOKUPS: AtomicU64 = AtomicU64::new(0);

pub fn database_lookups() -> u64 {
    LOOKUPS.load(Ordering::Relaxed)
}

fn looked_up() {
    LOOKUPS.fetch_add(1, Ordering::Relaxed);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proxy {
    Nginx,
    Traefik,
    Caddy,
    Envoy,
}

pub async fn nginx(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    run(s, peer, req, Proxy::Nginx).await
}

pub async fn traefik(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    run(s, peer, req, Proxy::Traefik).await
}

pub async fn caddy(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    run(s, peer, req, Proxy::Caddy).await
}

pub async fn envoy(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    run(s, peer, req, Proxy::Envoy).await
}

/// `host[:port]` of a URL, as a `Host` header names it.
pub(super) fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

async fn run(state: AppState, peer: SocketAddr, req: Request, proxy: Proxy) -> Response {
    let raw = req.headers();
    let headers = believed(peer, raw, &state);
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let fwd = match proxy {
        Proxy::Nginx => forward_url::nginx(&headers, host),
        Proxy::Traefik => forward_url::traefik(&headers),
        Proxy::Caddy => forward_url::caddy(&headers),
        Proxy::Envoy => forward_url::envoy(&headers, req.uri().path(), req.uri().query(), host),
    };
    let Some(fwd) = fwd else {
        let what = format!("the {proxy:?} check came without a readable original URL");
        return configuration_error(&state, peer, raw, &what).await;
    };
    let outposted = match cached_embedded(&state).await {
        Ok(o) => o,
        Err(e) => return internal(e),
    };
    let Some(p) = provider_for(&outposted, &host_of(&fwd)) else {
        return (StatusCode::BAD_REQUEST, "no provider serves this host").into_response();
    };
    match decide(&state, peer, &headers, &outposted, p, &fwd).await {
        Decision::Identity(identity) => {
            let mut res = StatusCode::OK.into_response();
            res.headers_mut().extend(identity);
            res
        }
        // Every identity header, empty: Caddy before 2.9 would otherwise copy a missing one as
        // its unexpanded placeholder (caddyserver/caddy#6610); nginx sends no empty header.
        Decision::Pass => {
            let mut res = StatusCode::OK.into_response();
            for name in headers::IDENTITY {
                res.headers_mut()
                    .insert(name, axum::http::HeaderValue::from_static(""));
            }
            res
        }
        Decision::SignIn => match proxy {
            // nginx's config turns this into a redirect to `/start?rd=…`.
            Proxy::Nginx => (StatusCode::UNAUTHORIZED, "unauthorized request").into_response(),
            _ => signin::begin(&state, &outposted, p, fwd.as_str()),
        },
        Decision::Refused(res) => res,
    }
}

/// What a request for `fwd` on provider `p` gets.
pub(super) enum Decision {
    /// Signed in and allowed: the identity headers for the application.
    Identity(HeaderMap),
    /// Not signed in, on an unauthenticated path.
    Pass,
    /// Not signed in: to the sign-in.
    SignIn,
    /// An answer of its own (401 for a failed `Authorization`, 403, 500).
    Refused(Response),
}

pub(super) async fn decide(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    outposted: &Arc<Outposted>,
    p: &Served,
    fwd: &Url,
) -> Decision {
    let cookie_name = super::cookie::cookie_name(&p.client_id);
    let mut session = match super::cookie::read(headers, &cookie_name) {
        Some(value) => match checked_session(state, p, value).await {
            Ok(s) => s,
            Err(e) => return Decision::Refused(internal(e)),
        },
        None => None,
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .filter(|_| session.is_none() && p.settings.intercept_header_auth);
    if let Some(value) = authorization {
        let value = value.to_str().unwrap_or_default();
        session = match header_auth::identify(state, peer, headers, p, value).await {
            Ok(Some(s)) => Some(s),
            // A header that does not authenticate is refused, not sent to a sign-in page.
            Ok(None) => {
                return Decision::Refused(
                    (StatusCode::UNAUTHORIZED, "unauthorized request").into_response(),
                );
            }
            Err(e) => return Decision::Refused(internal(e)),
        };
    }
    if let Some(checked) = session {
        if !checked.allowed {
            return Decision::Refused(denied(state, peer, headers, p, &checked).await);
        }
        let jwks = format!(
            "{}/application/o/{}/jwks/",
            browser_host(state, outposted),
            p.app_slug
        );
        let meta = headers::Meta {
            jwks: &jwks,
            outpost: &outposted.outpost.name,
            provider: &p.name,
            app: &p.app_slug,
        };
        return Decision::Identity(headers::identity(
            &checked.session.claims,
            &checked.session.token,
            &p.settings,
            meta,
        ));
    }
    if p.skip.allows(fwd) {
        Decision::Pass
    } else {
        Decision::SignIn
    }
}

/// The embedded outpost's providers; counted when read from the database.
pub(super) async fn cached_embedded(state: &AppState) -> app::ssr::Result<Arc<Outposted>> {
    if let Some(id) = state.oauth2.embedded_outpost()
        && let Some(hit) = state.oauth2.outposted(id)
    {
        return Ok(hit);
    }
    looked_up();
    outposts::cached_embedded(state).await
}

/// The live session a cookie names, with whether its user may use the application.
async fn checked_session(
    state: &AppState,
    p: &Served,
    value: &str,
) -> app::ssr::Result<Option<Arc<CheckedSession>>> {
    let key = secret::digest(value);
    if let Some(hit) = state.oauth2.proxy_session(&key) {
        // A cookie copied under another provider's name is not that provider's session.
        return Ok((hit.session.provider_id == p.provider_id).then_some(hit));
    }
    looked_up();
    let Some(session) = sessions::load(
        &state.pool,
        &state.settings.secret_key,
        p.provider_id,
        value,
    )
    .await?
    else {
        return Ok(None);
    };
    let Some(client) = clients::cached(state, &p.client_id).await? else {
        return Ok(None);
    };
    let allowed =
        applications::check_access(&state.pool, &client.application, Some(session.user_id))
            .await?
            .passing;
    let checked = Arc::new(CheckedSession { session, allowed });
    state.oauth2.put_proxy_session(key, checked.clone());
    Ok(Some(checked))
}

/// 403 for a signed-in user the application's policies refuse, and an event.
async fn denied(
    state: &AppState,
    peer: SocketAddr,
    raw: &HeaderMap,
    p: &Served,
    checked: &CheckedSession,
) -> Response {
    let info =
        app::ssr::client::ClientInfo::from_request(peer, raw, &state.settings.trusted_proxies);
    let username = checked
        .session
        .claims
        .get("preferred_username")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let event = NewEvent {
        action: action::ACCESS_DENIED,
        user: Some((checked.session.user_id, username)),
        client_ip: Some(info.ip),
        context: serde_json::json!({
            "application": p.app_slug,
            "provider": p.name,
            "message": "the application's policies refuse this user",
        }),
    };
    if let Err(e) = events::record(&state.pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
    (StatusCode::FORBIDDEN, "access denied").into_response()
}
