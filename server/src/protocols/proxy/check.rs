//! `auth/nginx`, `auth/traefik`, `auth/caddy`, `auth/envoy`: the check a reverse proxy makes
//! before every request to a protected application.
use super::backend::{Backend, Notice};
use super::{believed, configuration_error, forward_url, headers, internal, provider_for, signin};
use app::ssr::outposts::{Outposted, Served};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use url::Url;

pub use super::embedded::database_lookups;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proxy {
    Nginx,
    Traefik,
    Caddy,
    Envoy,
}

pub async fn nginx<B: Backend>(
    State(s): State<B>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    run(s, peer, req, Proxy::Nginx).await
}

pub async fn traefik<B: Backend>(
    State(s): State<B>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    run(s, peer, req, Proxy::Traefik).await
}

pub async fn caddy<B: Backend>(
    State(s): State<B>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    run(s, peer, req, Proxy::Caddy).await
}

pub async fn envoy<B: Backend>(
    State(s): State<B>,
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

async fn run<B: Backend>(state: B, peer: SocketAddr, req: Request, proxy: Proxy) -> Response {
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
    let outposted = match state.outposted().await {
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

pub(super) async fn decide<B: Backend>(
    state: &B,
    peer: SocketAddr,
    headers: &HeaderMap,
    outposted: &Arc<Outposted>,
    p: &Served,
    fwd: &Url,
) -> Decision {
    let cookie_name = super::cookie::cookie_name(&p.client_id);
    let mut session = match super::cookie::read(headers, &cookie_name) {
        Some(value) => match state.session(p, value).await {
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
        session = match state.header_session(peer, headers, p, value).await {
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
        if let Some(message) = &checked.refused {
            let notice = Notice::AccessDenied {
                p,
                checked: &checked,
            };
            state.record(peer, headers, notice).await;
            return Decision::Refused((StatusCode::FORBIDDEN, message.clone()).into_response());
        }
        let jwks = format!(
            "{}/application/o/{}/jwks/",
            state.browser_host(outposted),
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
