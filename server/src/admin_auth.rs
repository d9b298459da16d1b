//! The superuser check for admin HTTP routes outside server fns (downloads, exports): the same
//! rule as `require_admin` in the server fns. Anonymous → 401, a signed-in non-superuser → 403
//! and an `access_denied` event; the answers are JSON errors in authentik's shape.
use app::ssr::client::ClientInfo;
use app::ssr::events::{self, NewEvent, action};
use app::ssr::users::User;
use app::ssr::{AppState, sessions, users};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use tower_sessions::Session;

/// A handler argument that lets only superusers through; holds the signed-in user.
pub struct Superuser(pub User);

impl FromRequestParts<AppState> for Superuser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        require_superuser(state, &session, parts).await.map(Self)
    }
}

/// The signed-in user if a superuser; otherwise the response to send instead.
pub async fn require_superuser(
    state: &AppState,
    session: &Session,
    parts: &Parts,
) -> Result<User, Response> {
    let pool = &state.pool;
    let user = match sessions::current_user(pool, session).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "Authentication credentials were not provided.",
            ));
        }
        Err(e) => return Err(internal(e)),
    };
    match users::is_superuser(pool, user.id).await {
        Ok(true) => return Ok(user),
        Ok(false) => {}
        Err(e) => return Err(internal(e)),
    }
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    let client = ClientInfo::from_request(peer, &parts.headers, &state.settings.trusted_proxies);
    let event = NewEvent {
        action: action::ACCESS_DENIED,
        user: Some((user.id, &user.username)),
        client_ip: Some(client.ip),
        context: serde_json::json!({
            "reason": "an admin endpoint needs a superuser",
            "path": parts.uri.path(),
        }),
    };
    if let Err(e) = events::record(pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
    Err(error(
        StatusCode::FORBIDDEN,
        "You do not have permission to perform this action.",
    ))
}

/// An error answer as authentik's API gives it: `{"detail": "..."}`.
pub fn error(status: StatusCode, detail: &str) -> Response {
    (status, Json(serde_json::json!({ "detail": detail }))).into_response()
}

/// Logs the cause; the client learns only that it failed.
pub fn internal(e: app::ssr::Error) -> Response {
    tracing::error!(error = %e, "admin endpoint failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
}
