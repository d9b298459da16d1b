//! Every request gets an id: in the `x-request-id` response header, in each log line of the
//! request (a span) and in the events it writes. An id from a trusted proxy is kept.
use app::ssr::{AppState, client, request};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use tracing::Instrument;

pub async fn assign(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let trusted_peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| client::is_trusted(c.0.ip(), &state.settings.trusted_proxies));
    let incoming = trusted_peer
        .then(|| req.headers().get("x-request-id"))
        .flatten()
        .and_then(|v| v.to_str().ok());
    let id = request::accept(incoming);
    let header = HeaderValue::from_str(&id).ok();
    if let Some(h) = &header {
        req.headers_mut().insert("x-request-id", h.clone());
    }
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let mut response = request::scope(id, next.run(req).instrument(span)).await;
    if let Some(h) = header {
        response.headers_mut().insert("x-request-id", h);
    }
    response
}
