//! Proxy mode on the outpost's port (Ward's own for the embedded outpost): a request whose
//! host is a proxy-mode provider's external host is that application's, not Ward's. It is signed in like a forward-auth check and then
//! forwarded to the provider's internal host (`upstream`); the outpost's own paths
//! (`/outpost.goauthentik.io/…`) stay Ward's.
use super::backend::Backend;
use super::check::{Decision, decide};
use super::{PREFIX, believed, provider_for, signin, upstream};
use app::ssr::client;
use app::ssr::providers::proxy::ProxyMode;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::OnceLock;
use url::Url;

fn clients() -> &'static upstream::Clients {
    static CLIENTS: OnceLock<upstream::Clients> = OnceLock::new();
    CLIENTS.get_or_init(upstream::Clients::new)
}

pub async fn by_host<B: Backend>(
    State(state): State<B>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with(PREFIX) {
        return next.run(req).await;
    }
    let Ok(outposted) = state.outposted().await else {
        return next.run(req).await;
    };
    if !outposted
        .served
        .iter()
        .any(|s| s.settings.mode == ProxyMode::Proxy)
    {
        return next.run(req).await;
    }
    let headers = believed(peer, req.headers(), &state);
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let Some(p) = provider_for(&outposted, &host).filter(|p| p.settings.mode == ProxyMode::Proxy)
    else {
        return next.run(req).await;
    };
    let proto = proto(peer, &headers, &state, &p.external_url);
    let path = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let (Ok(fwd), Ok(internal)) = (
        Url::parse(&format!("{proto}://{host}{path}")),
        Url::parse(&p.settings.internal_host),
    ) else {
        return (StatusCode::BAD_REQUEST, "not a URL this application serves").into_response();
    };
    let Some(to) = upstream::target(&internal, path) else {
        return (StatusCode::BAD_REQUEST, "not a URL this application serves").into_response();
    };
    let identity = match decide(&state, peer, &headers, &outposted, p, &fwd).await {
        Decision::Identity(identity) => identity,
        Decision::Pass => HeaderMap::new(),
        Decision::SignIn => return signin::begin(&state, &outposted, p, fwd.as_str()),
        Decision::Refused(res) => return res,
    };
    let sent = upstream::upstream_headers(req.headers(), &identity, peer, &proto);
    let client = clients().get(p.settings.internal_host_ssl_validation);
    upstream::forward(client, to, req, sent).await
}

/// The scheme the browser used: a trusted proxy's `X-Forwarded-Proto`, else the external
/// host's.
fn proto<B: Backend>(peer: SocketAddr, headers: &HeaderMap, state: &B, external: &Url) -> String {
    let trusted = client::is_trusted(peer.ip(), state.trusted_proxies());
    trusted
        .then(|| {
            headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
        })
        .flatten()
        .filter(|p| *p == "http" || *p == "https")
        .unwrap_or(external.scheme())
        .to_string()
}
