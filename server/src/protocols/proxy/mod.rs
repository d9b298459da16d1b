//! authentik's proxy provider and outposts (forward auth for nginx, Traefik, Caddy and Envoy)
//! under `/outpost.goauthentik.io/`, served by the embedded outpost inside `ward` and by remote
//! outposts (`ward outpost proxy`). The provider's settings live in
//! `app::ssr::providers::proxy`; the sign-in is an OAuth code flow against Ward's authorize
//! endpoint, as authentik's outpost does it.
pub mod backend;
pub mod check;
pub mod cookie;
mod embedded;
pub mod forward_url;
mod header_auth;
pub mod headers;
pub mod host;
pub mod redirect;
pub mod remote;
pub mod serve;
mod signin;
pub mod state;
pub mod upstream;

use app::ssr::client;
use app::ssr::outposts::{Outposted, Served};
use app::ssr::providers::proxy::ProxyMode;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backend::{Backend, Notice};
use std::net::SocketAddr;

pub const PREFIX: &str = "/outpost.goauthentik.io";

/// The outpost's endpoints, served by `B`.
pub fn routes<B: Backend>() -> Router<B> {
    Router::new()
        .route("/outpost.goauthentik.io/ping", get(ping))
        .route("/outpost.goauthentik.io/auth/nginx", get(check::nginx::<B>))
        .route(
            "/outpost.goauthentik.io/auth/traefik",
            get(check::traefik::<B>),
        )
        .route("/outpost.goauthentik.io/auth/caddy", get(check::caddy::<B>))
        // Envoy's ext_authz puts the original path after the prefix, with any method.
        .route(
            "/outpost.goauthentik.io/auth/envoy",
            axum::routing::any(check::envoy::<B>),
        )
        .route(
            "/outpost.goauthentik.io/auth/envoy/{*rest}",
            axum::routing::any(check::envoy::<B>),
        )
        .route("/outpost.goauthentik.io/start", get(signin::start::<B>))
        .route(
            "/outpost.goauthentik.io/callback",
            get(signin::callback::<B>),
        )
        .route(
            "/outpost.goauthentik.io/sign_out",
            get(signin::sign_out::<B>),
        )
}

async fn ping() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The request's headers as far as they may be believed: forwarded headers only from a
/// trusted proxy (otherwise a client could name any URL it likes).
fn believed<B: Backend>(peer: SocketAddr, headers: &HeaderMap, state: &B) -> HeaderMap {
    if client::is_trusted(peer.ip(), state.trusted_proxies()) {
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

/// Records a proxy that sends what Ward cannot read, and answers 500 as authentik does.
async fn configuration_error<B: Backend>(
    state: &B,
    peer: SocketAddr,
    headers: &HeaderMap,
    what: &str,
) -> Response {
    state
        .record(peer, headers, Notice::ConfigurationError(what))
        .await;
    (StatusCode::INTERNAL_SERVER_ERROR, "configuration error").into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "proxy outpost");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}
