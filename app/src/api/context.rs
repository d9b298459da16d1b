//! What a server fn learns about its request: state, session, client and our own origin.
use crate::ssr::AppState;
use crate::ssr::client::{self, ClientInfo};
use crate::ssr::events;
use crate::ssr::flows::Env;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::http::request::Parts;
use leptos::prelude::*;
use std::net::SocketAddr;
use tower_sessions::Session;

pub struct Request {
    pub state: AppState,
    pub session: Session,
    pub client: ClientInfo,
    pub origin: String,
    pub cookies: crate::ssr::flows::executor::Cookies,
    path: String,
    accepts_html: bool,
}

impl Request {
    pub async fn extract() -> Result<Self, ServerFnError> {
        let state =
            use_context::<AppState>().ok_or_else(|| ServerFnError::new("server state missing"))?;
        let parts = use_context::<Parts>().ok_or_else(|| ServerFnError::new("request missing"))?;
        let session = leptos_axum::extract::<Session>()
            .await
            .map_err(|e| crate::ssr::Error::internal(format!("session: {e}")).public())?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let trusted = &state.settings.trusted_proxies;
        let accepts_html = parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let cookies = crate::ssr::flows::executor::Cookies {
            header: parts
                .headers
                .get_all(axum::http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join("; "),
            ..Default::default()
        };
        Ok(Self {
            cookies,
            client: ClientInfo::from_request(peer, &parts.headers, trusted),
            origin: client::origin(peer, &parts.headers, trusted),
            session,
            state,
            path: parts.uri.path().to_string(),
            accepts_html,
        })
    }

    pub fn env(&self) -> Env<'_> {
        Env {
            pool: &self.state.pool,
            caches: &self.state.oauth2,
            session: &self.session,
            client: &self.client,
            origin: &self.origin,
            secret_key: &self.state.settings.secret_key,
            cookies: &self.cookies,
        }
    }

    /// Sets the cookies the flow's stages asked for on the answer.
    pub fn send_cookies(&self) {
        let Some(res) = use_context::<leptos_axum::ResponseOptions>() else {
            return;
        };
        for cookie in self.cookies.taken() {
            if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
                res.append_header(axum::http::header::SET_COOKIE, value);
            }
        }
    }

    /// Who may call: any signed-in user. Anonymous callers get 401.
    pub async fn require_user(&self) -> Result<crate::ssr::users::User, ServerFnError> {
        match crate::ssr::sessions::current_user(&self.state.pool, &self.session).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(reject(
                StatusCode::UNAUTHORIZED,
                crate::ssr::Error::Unauthenticated,
            )),
            Err(e) => Err(e.public()),
        }
    }

    /// Who may call: superusers. Anonymous → 401, anyone else → 403 and an `access_denied` event.
    pub async fn require_admin(&self) -> Result<crate::ssr::users::User, ServerFnError> {
        let user = self.require_user().await?;
        let pool = &self.state.pool;
        if crate::ssr::users::is_superuser(pool, user.id)
            .await
            .map_err(crate::ssr::Error::public)?
        {
            return Ok(user);
        }
        let event = events::NewEvent {
            action: events::action::ACCESS_DENIED,
            user: Some((user.id, &user.username)),
            client_ip: Some(self.client.ip),
            context: serde_json::json!({ "reason": "an admin server function needs a superuser", "path": self.path }),
        };
        events::record(pool, event)
            .await
            .map_err(crate::ssr::Error::public)?;
        Err(reject(StatusCode::FORBIDDEN, crate::ssr::Error::Forbidden))
    }

    /// The audit actor for changes `user` makes through this request.
    pub fn actor<'a>(&self, user: &'a crate::ssr::users::User) -> crate::ssr::audit::Actor<'a> {
        crate::ssr::audit::Actor {
            user,
            ip: self.client.ip,
        }
    }

    /// A plain HTML form post (no JavaScript) gets a real redirect; the hydrated app
    /// navigates by itself from the returned value.
    pub fn redirect_if_plain_form(&self, to: &str) {
        if self.accepts_html {
            leptos_axum::redirect(to);
        }
    }
}

/// Sets the HTTP status of the server fn's answer and returns the public error.
fn reject(status: StatusCode, err: crate::ssr::Error) -> ServerFnError {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(status);
    }
    err.public()
}

/// Parses an id from the client; a malformed one is simply "not found".
pub fn parse_id(raw: &str) -> Result<uuid::Uuid, ServerFnError> {
    uuid::Uuid::parse_str(raw)
        .map_err(|_| reject(StatusCode::NOT_FOUND, crate::ssr::Error::NotFound))
}

/// Maps a domain error to the public one with a fitting HTTP status.
pub fn public(err: crate::ssr::Error) -> ServerFnError {
    use crate::ssr::Error;
    let status = match &err {
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        Error::Forbidden => StatusCode::FORBIDDEN,
        Error::Invalid(_) | Error::Field(..) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    reject(status, err)
}
