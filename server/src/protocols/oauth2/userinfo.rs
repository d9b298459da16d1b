//! `/application/o/userinfo/` (OIDC Core §5.3, RFC 6750): the claims of the access token's
//! scopes, read fresh from the directory.
use super::claims;
use super::cors;
use super::errors::OAuthError;
use super::grants;
use super::token::payload;
use app::ssr::AppState;
use app::ssr::oauth2::scopes::OPENID;
use app::ssr::providers::clients::{self, OAuthClient};
use app::ssr::users;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The bearer token: the Authorization header, else an `access_token` form or query parameter.
fn bearer(headers: &HeaderMap, body: &[u8], query: Option<&str>) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = v.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string())
            .filter(|t| !t.is_empty());
    }
    let from = |text: &[u8]| {
        url::form_urlencoded::parse(text)
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    };
    from(body).or_else(|| query.and_then(|q| from(q.as_bytes())))
}

pub async fn handle(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut client = None;
    let answer = user_claims(&state, &headers, query.as_deref(), &body, &mut client).await;
    let mut res = match answer {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // As authentik: the origins of the token's client may read the answer.
    cors::allow(
        &headers,
        cors::Audience::client(client.as_deref()),
        &mut res,
    );
    res
}

/// The claims of the request's access token; `client` is its client once the token is found.
async fn user_claims(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
    client: &mut Option<Arc<OAuthClient>>,
) -> Result<Value, OAuthError> {
    let token = bearer(headers, body, query)
        .ok_or_else(|| OAuthError::new("invalid_token", "The request carries no access token."))?;
    let invalid = || {
        OAuthError::new(
            "invalid_token",
            "The access token is invalid, expired or revoked.",
        )
    };
    let found = grants::live_cached(state, &token)
        .await?
        .ok_or_else(invalid)?;
    if found.kind != "access" {
        return Err(invalid());
    }
    let c = clients::cached(state, &found.client_id)
        .await?
        .ok_or_else(invalid)?;
    *client = Some(c.clone());
    if !found.scopes.iter().any(|s| s == OPENID) {
        return Err(OAuthError::new(
            "insufficient_scope",
            "The token was not granted the openid scope.",
        ));
    }
    let user = users::get(&state.pool, found.user_id)
        .await?
        .ok_or_else(invalid)?;
    let person = claims::person(&state.pool, user).await?;
    let stored = payload(&token).unwrap_or_default();
    let mut out = Map::new();
    out.insert(
        "sub".into(),
        stored.get("sub").cloned().unwrap_or(Value::Null),
    );
    out.extend(claims::scope_claims(&state.pool, &c, &found.scopes, &person, None).await?);
    if let Some(n) = stored.get("nonce") {
        out.insert("nonce".into(), n.clone());
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bearer_from_header_form_or_query() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().expect("h"));
        assert_eq!(bearer(&h, b"", None).as_deref(), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().expect("h"));
        assert_eq!(bearer(&h, b"access_token=x", None), None);
        let none = HeaderMap::new();
        assert_eq!(bearer(&none, b"access_token=x", None).as_deref(), Some("x"));
        assert_eq!(
            bearer(&none, b"", Some("access_token=y")).as_deref(),
            Some("y")
        );
        assert_eq!(bearer(&none, b"", None), None);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(h in ".{0,100}", body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut headers = HeaderMap::new();
            if let Ok(v) = h.parse() {
                headers.insert(header::AUTHORIZATION, v);
            }
            let _ = bearer(&headers, &body, Some(&h));
        }
    }
}
