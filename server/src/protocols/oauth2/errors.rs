//! OAuth2 errors as RFC 6749 prescribes them: JSON from the token-side endpoints (400, or 401
//! for client authentication), and parameters on the redirect URI from the authorize endpoint.
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
    pub status: StatusCode,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = match error {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "invalid_token" => StatusCode::UNAUTHORIZED,
            "insufficient_scope" => StatusCode::FORBIDDEN,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            error,
            description: description.into(),
            status,
        }
    }

    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new("invalid_request", d)
    }
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new("invalid_client", d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new("invalid_grant", d)
    }
    pub fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::new("unauthorized_client", d)
    }
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new("invalid_scope", d)
    }
}

impl From<app::ssr::Error> for OAuthError {
    fn from(e: app::ssr::Error) -> Self {
        tracing::error!(error = %e, "oauth2 endpoint failed");
        Self::new("server_error", "The server could not answer the request.")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut res = (self.status, Json(body)).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            let scheme = if self.error == "invalid_token" {
                format!("Bearer error=\"{}\"", self.error)
            } else {
                "Basic realm=\"ward\"".to_string()
            };
            if let Ok(v) = HeaderValue::from_str(&scheme) {
                headers.insert(header::WWW_AUTHENTICATE, v);
            }
        }
        res
    }
}

pub type OAuthResult<T> = Result<T, OAuthError>;
