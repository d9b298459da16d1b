//! API errors in authentik's shapes: `{"detail": "..."}` for 401/403/404, and for 400 an object
//! mapping each field to its messages (`{"username": ["..."]}`).
use app::types::flow::FieldErrors;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub enum ApiError {
    Unauthenticated,
    /// An `Authorization` header that names no valid token (RFC 6750 `invalid_token`).
    InvalidToken,
    Forbidden,
    NotFound,
    Fields(FieldErrors),
    /// Too many sign-in attempts queued: 429 with Retry-After.
    Busy,
    Internal,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        Self::Fields(FieldErrors::from([(name.to_string(), message.into())]))
    }
}

impl From<app::ssr::Error> for ApiError {
    fn from(e: app::ssr::Error) -> Self {
        use app::ssr::Error;
        match e {
            Error::NotFound => Self::NotFound,
            Error::Unauthenticated => Self::Unauthenticated,
            Error::Forbidden => Self::Forbidden,
            Error::Field(field, message) => Self::field(&field, message),
            Error::Invalid(message) => Self::field("non_field_errors", message),
            Error::Busy => Self::Busy,
            other => {
                tracing::error!(error = %other, "api request failed");
                Self::Internal
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let detail = |status: StatusCode, text: &str| {
            (status, Json(json!({ "detail": text }))).into_response()
        };
        match self {
            Self::Unauthenticated => detail(
                StatusCode::UNAUTHORIZED,
                "Authentication credentials were not provided.",
            ),
            Self::InvalidToken => {
                let mut res = detail(StatusCode::UNAUTHORIZED, "Invalid token.");
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                res
            }
            Self::Forbidden => detail(
                StatusCode::FORBIDDEN,
                "You do not have permission to perform this action.",
            ),
            Self::NotFound => detail(StatusCode::NOT_FOUND, "Not found."),
            Self::Fields(errors) => {
                let body: Map<String, Value> = errors
                    .into_iter()
                    .map(|(field, message)| (field, json!([message])))
                    .collect();
                (StatusCode::BAD_REQUEST, Json(Value::Object(body))).into_response()
            }
            Self::Busy => {
                let mut res = detail(StatusCode::TOO_MANY_REQUESTS, app::ssr::error::BUSY);
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(app::ssr::error::BUSY_RETRY_AFTER),
                );
                res
            }
            Self::Internal => detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            ),
        }
    }
}

/// A JSON body that failed to parse is a 400 naming what was wrong, never axum's plain text.
pub fn bad_body(e: axum::extract::rejection::JsonRejection) -> ApiError {
    ApiError::field("non_field_errors", e.body_text())
}
