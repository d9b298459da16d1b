//! authentik's proxy provider and outposts (forward auth for nginx, Traefik, Caddy and Envoy)
//! under `/outpost.goauthentik.io/`, served by the embedded outpost inside `ward`. The
//! provider's settings live in `app::ssr::providers::proxy`; the sign-in is an OAuth code flow
//! against Ward's own authorize endpoint, as authentik's outpost does it.
pub mod check;
pub mod cookie;
pub mod forward_url;
mod header_auth;
pub mod headers;
pub mod host;
pub mod redirect;
pub mod serve;
mod signin;
pub mod state;
pub mod upstream;

use app::ssr::AppState;
use app::ssr::client;
use app::ssr::events::{self, NewEvent, action};
use app::ssr::outposts::{Outposted, Served};
use app::ssr::providers::proxy::ProxyMode;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;

pub const PREFIX: &str = "/outpost.goauthentik.io";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outpost.goauthentik.io/ping", get(ping))
        .route("/outpost.goauthentik.io/auth/nginx", get(check::nginx))
        .route("/outpost.goauthentik.io/auth/traefik", get(check::traefik))
        .route("/outpost.goauthentik.io/auth/caddy", get(check::caddy))
        // Envoy's ext_authz puts the original path after the prefix, with any method.
        .route(
            "/outpost.goauthentik.io/auth/envoy",
            axum::routing::any(check::envoy),
        )
        .route(
            "/outpost.goauthentik.io/auth/envoy/{*rest}",
            axum::routing::any(check::envoy),
        )
        .route("/outpost.goauthentik.io/start", get(signin::start))
        .route("/outpost.goauthentik.io/callback", get(signin::callback))
        .route("/outpost.goauthentik.io/sign_out", get(signin::sign_out))
}

async fn ping() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The request's headers as far as they may be believed: forwarded headers only from a
/// trusted proxy (otherwise a client could name any URL it likes).
fn believed(peer: SocketAddr, headers: &HeaderMap, state: &AppState) -> HeaderMap {
    if client::is_trusted(peer.ip(), &state.settings.trusted_proxies) {
        return headers.clone();
    }
    let mut h = headers.clone();
    for name in [
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-forwarded-uri",
        "x-original-url",
        "x-original-uri",
    ] {
        h.remove(name);
    }
    h
}

/// The provider serving `host` (a `Host` header's value, port included).
fn provider_for<'o>(outposted: &'o Outposted, host: &str) -> Option<&'o Served> {
    let routes: Vec<host::HostRoute<'_>> = outposted
        .served
        .iter()
        .map(|s| host::HostRoute {
            external_host: &s.external_url,
            mode: s.settings.mode,
            cookie_domain: &s.settings.cookie_domain,
        })
        .collect();
    outposted
        .served
        .get(host::provider_for_host(host, &routes)?)
}

/// How a provider's cookie is scoped.
fn cookie_scope(p: &Served) -> cookie::Scope<'_> {
    cookie::Scope {
        domain: (p.settings.mode == ProxyMode::ForwardDomain)
            .then_some(p.settings.cookie_domain.as_str()),
        secure: p.settings.external_host.starts_with("https://"),
    }
}

/// Where browsers sign in: the outpost's `authentik_host`, else Ward's public URL.
fn browser_host(state: &AppState, outposted: &Arc<Outposted>) -> String {
    outposted
        .outpost
        .browser_host()
        .unwrap_or_else(|| state.settings.public_url.trim_end_matches('/').to_string())
}

/// Records a proxy that sends what Ward cannot read, and answers 500 as authentik does.
async fn configuration_error(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    what: &str,
) -> Response {
    let info = client::ClientInfo::from_request(peer, headers, &state.settings.trusted_proxies);
    let event = NewEvent {
        action: action::CONFIGURATION_ERROR,
        user: None,
        client_ip: Some(info.ip),
        context: serde_json::json!({ "message": what, "source": "proxy outpost" }),
    };
    if let Err(e) = events::record(&state.pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
    (StatusCode::INTERNAL_SERVER_ERROR, "configuration error").into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "proxy outpost");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}
