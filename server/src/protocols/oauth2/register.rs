//! `POST /application/o/<slug>/register/`: dynamic client registration (RFC 7591). Anyone may
//! call it; the initial access token (`Authorization: Bearer`) decides, in
//! `app::ssr::oauth2::registration`, which also checks the metadata and creates the client.
use super::Endpoint;
use super::errors::OAuthError;
use app::ssr::AppState;
use app::ssr::oauth2::registration::{self, Refusal};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn refusal(r: Refusal) -> OAuthError {
    let with_status = |error, description: &str, status| OAuthError {
        status,
        ..OAuthError::new(error, description)
    };
    match r {
        Refusal::NotFound => with_status(
            "not_found",
            "Dynamic client registration is not enabled for this application.",
            StatusCode::NOT_FOUND,
        ),
        Refusal::InvalidToken(d) => OAuthError::new("invalid_token", d),
        Refusal::AccessDenied => with_status(
            "access_denied",
            "The owner of this token may not register clients for this application.",
            StatusCode::FORBIDDEN,
        ),
        Refusal::Invalid(e) => OAuthError::new(e.error(), e.description()),
        Refusal::Failed(e) => e.into(),
    }
}

pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    let ep = Endpoint::new(&state, peer, &headers, None);
    let registered = registration::register(
        ep.pool,
        ep.secret_key,
        ep.client.ip,
        &slug,
        bearer(&headers),
        &body,
    )
    .await;
    match registered {
        Ok(answer) => {
            let mut res = (StatusCode::CREATED, Json(answer)).into_response();
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            res
        }
        Err(r) => refusal(r).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, v.parse().expect("header"));
        h
    }

    #[test]
    fn only_bearer_tokens_are_taken() {
        assert_eq!(bearer(&with("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&with("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(&with("Basic abc")), None);
        assert_eq!(bearer(&with("Bearer ")), None);
        assert_eq!(bearer(&with("Bearer")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    proptest! {
        #[test]
        fn garbage_headers_never_panic(raw in ".{0,200}") {
            if let Ok(v) = raw.parse() {
                let mut h = HeaderMap::new();
                h.insert(header::AUTHORIZATION, v);
                let _ = bearer(&h);
            }
        }
    }
}
