//! Who calls the API: a bearer token (`Authorization: Bearer <key>`, an API token) or the
//! browser session (whose writes the cross-site guard already checks). `Caller` lets any
//! signed-in user through; `Admin` only superusers.
use super::error::ApiError;
use app::ssr::audit::Actor;
use app::ssr::client::ClientInfo;
use app::ssr::events::{self, NewEvent, action};
use app::ssr::users::User;
use app::ssr::{AppState, sessions, tokens, users};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use std::net::SocketAddr;
use tower_sessions::Session;

pub struct Caller {
    pub user: User,
    pub superuser: bool,
    pub client: ClientInfo,
}

impl Caller {
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            user: &self.user,
            ip: self.client.ip,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let client =
            ClientInfo::from_request(peer, &parts.headers, &state.settings.trusted_proxies);
        let pool = &state.pool;
        let user = match parts.headers.get(header::AUTHORIZATION) {
            Some(value) => {
                let key = value
                    .to_str()
                    .ok()
                    .and_then(|v| v.split_once(' '))
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, key)| key.trim())
                    .filter(|key| !key.is_empty());
                let id = match key {
                    Some(key) => tokens::api_user(pool, key).await?,
                    None => None,
                };
                let user = match id {
                    Some(id) => users::get(pool, id).await?,
                    None => None,
                };
                match user {
                    Some(user) => user,
                    None => {
                        let reason = "an API request with an invalid or expired token";
                        log_rejection(
                            state,
                            None,
                            &client,
                            parts,
                            action::SUSPICIOUS_REQUEST,
                            reason,
                        )
                        .await;
                        return Err(ApiError::InvalidToken);
                    }
                }
            }
            None => {
                let session = Session::from_request_parts(parts, state)
                    .await
                    .map_err(|_| ApiError::Internal)?;
                sessions::current_user(pool, &session)
                    .await?
                    .ok_or(ApiError::Unauthenticated)?
            }
        };
        let superuser = users::is_superuser(pool, user.id).await?;
        Ok(Self {
            user,
            superuser,
            client,
        })
    }
}

/// A superuser caller.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.superuser {
            return Ok(Self(caller));
        }
        let reason = "an admin API endpoint needs a superuser";
        log_rejection(
            state,
            Some(&caller.user),
            &caller.client,
            parts,
            action::ACCESS_DENIED,
            reason,
        )
        .await;
        Err(ApiError::Forbidden)
    }
}

/// Every rejection is an event; a failure to write it is logged and does not change the answer.
async fn log_rejection(
    state: &AppState,
    user: Option<&User>,
    client: &ClientInfo,
    parts: &Parts,
    action: &'static str,
    reason: &'static str,
) {
    let event = NewEvent {
        action,
        user: user.map(|u| (u.id, u.username.as_str())),
        client_ip: Some(client.ip),
        context: serde_json::json!({
            "reason": reason,
            // Inside the nested API router `uri` has lost the `/api/v3` prefix.
            "path": parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or(parts.uri.path(), |u| u.0.path()),
            "method": parts.method.as_str(),
        }),
    };
    if let Err(e) = events::record(&state.pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
}
