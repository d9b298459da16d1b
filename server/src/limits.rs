//! Request bodies are bounded: server functions and the REST API read a whole body into memory,
//! so without a bound one request could take all of it.
use crate::guards::peer;
use app::ssr::AppState;
use app::ssr::client::ClientInfo;
use app::ssr::events::{self, NewEvent, action};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The default for every route. Uploads check their own, smaller, size (512 KiB) after this.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Refuses a body over [`BODY_LIMIT`] with 413: at once when Content-Length says so (nothing is
/// read), otherwise (chunked, HTTP/2 without a length) after reading at most the limit.
pub async fn bound_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<u64>());
    match declared {
        Some(Ok(len)) if len <= BODY_LIMIT as u64 => next.run(req).await,
        Some(Ok(len)) => too_large(&state, Refused::of(&state, &req, Some(len))).await,
        Some(Err(_)) => (
            StatusCode::BAD_REQUEST,
            "The Content-Length header is not a number.",
        )
            .into_response(),
        None => {
            let refused = Refused::of(&state, &req, None);
            let (parts, body) = req.into_parts();
            match axum::body::to_bytes(body, BODY_LIMIT).await {
                Ok(bytes) => {
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
                Err(_) => too_large(&state, refused).await,
            }
        }
    }
}

/// What the refusal records (taken before the body is read: a request is not `Sync`).
struct Refused {
    path: String,
    client: ClientInfo,
    declared: Option<u64>,
}

impl Refused {
    fn of(state: &AppState, req: &Request, declared: Option<u64>) -> Self {
        Refused {
            path: req.uri().path().to_string(),
            client: ClientInfo::from_request(
                peer(req),
                req.headers(),
                &state.settings.trusted_proxies,
            ),
            declared,
        }
    }
}

async fn too_large(state: &AppState, refused: Refused) -> Response {
    let Refused {
        path,
        client,
        declared,
    } = refused;
    tracing::warn!(%path, ip = %client.ip, ?declared, "request body over the limit refused");
    let event = NewEvent {
        action: action::SUSPICIOUS_REQUEST,
        user: None,
        client_ip: Some(client.ip),
        context: serde_json::json!({
            "reason": "request body over the limit",
            "path": path,
            "content_length": declared,
            "limit": BODY_LIMIT,
        }),
    };
    if let Err(e) = events::record(&state.pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONNECTION, "close")],
        "The request body is larger than 1 MiB.",
    )
        .into_response()
}
