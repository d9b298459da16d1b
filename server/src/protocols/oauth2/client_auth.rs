//! Client authentication at the token, introspection and revocation endpoints (RFC 6749
//! §2.3.1): `client_secret_basic` (the Authorization header, each part form-urlencoded) or
//! `client_secret_post`, never both. Secrets compare in constant time and every check goes
//! through the throttle module, so guessing a secret is slowed down like guessing a password.
use super::Endpoint;
use super::errors::{OAuthError, OAuthResult};
use app::ssr::providers::clients::{self, OAuthClient};
use app::ssr::throttle::{self, Attempt, Verdict};
use axum::http::{HeaderMap, header};
use base64::Engine;
use std::collections::BTreeMap;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The client id and secret the request carries.
#[derive(Debug, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Option<String>,
}

fn decode_part(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The credentials from the Authorization header or the body.
pub fn credentials(
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> OAuthResult<Option<Credentials>> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    if let Some(encoded) = basic {
        if form.contains_key("client_secret") {
            return Err(OAuthError::invalid_request(
                "Use one client authentication method, not the header and the body both.",
            ));
        }
        let bad = || {
            OAuthError::invalid_client("The Authorization header is not valid Basic credentials.")
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let (id, secret) = text.split_once(':').ok_or_else(bad)?;
        let id = decode_part(id);
        if form.get("client_id").is_some_and(|f| *f != id) {
            return Err(OAuthError::invalid_request(
                "client_id differs from the Authorization header.",
            ));
        }
        return Ok(Some(Credentials {
            client_id: id,
            client_secret: Some(decode_part(secret)),
        }));
    }
    Ok(form
        .get("client_id")
        .filter(|c| !c.is_empty())
        .map(|id| Credentials {
            client_id: id.clone(),
            client_secret: form.get("client_secret").cloned(),
        }))
}

/// The client the request authenticates as. Confidential clients must prove their secret;
/// public ones only name themselves (when `public_ok`).
pub async fn authenticate(
    ep: &Endpoint<'_>,
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
    public_ok: bool,
) -> OAuthResult<Arc<OAuthClient>> {
    let creds = credentials(headers, form)?
        .ok_or_else(|| OAuthError::invalid_client("The request names no client."))?;
    let found = clients::cached(ep.state, &creds.client_id).await?;
    let attempt = Attempt {
        username: &creds.client_id,
        ip: ep.client.ip,
    };
    let (valid, client) = match found {
        None => (false, None),
        Some(c) if c.is_public() => (public_ok, Some(c)),
        Some(c) => {
            let given = creds.client_secret.as_deref().unwrap_or_default();
            let ok = !c.client_secret.is_empty()
                && bool::from(given.as_bytes().ct_eq(c.client_secret.as_bytes()));
            (ok, Some(c))
        }
    };
    match throttle::check_secret(ep.pool, attempt, valid).await? {
        Verdict::Valid => {
            client.ok_or_else(|| OAuthError::invalid_client("Client authentication failed."))
        }
        Verdict::Wait(s) => Err(OAuthError::invalid_client(format!(
            "Too many failed attempts. Try again in {s} seconds."
        ))),
        Verdict::Invalid => {
            super::event_refused(ep, "client authentication failed", &creds.client_id).await;
            Err(OAuthError::invalid_client(
                "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)",
            ))
        }
    }
}

/// The client the request names, without its secret: for grants whose credential is another
/// (a user's app password, a JWT assertion). An unknown client is a failed attempt.
pub async fn identify(
    ep: &Endpoint<'_>,
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> OAuthResult<Arc<OAuthClient>> {
    let creds = credentials(headers, form)?
        .ok_or_else(|| OAuthError::invalid_client("The request names no client."))?;
    // No client id holds a NUL (it cannot be stored), so such a one is never looked up.
    let id = creds.client_id.replace('\0', "");
    let found = if id.len() == creds.client_id.len() {
        clients::cached(ep.state, &id).await?
    } else {
        None
    };
    if let Some(client) = found {
        return Ok(client);
    }
    let attempt = Attempt {
        username: &id,
        ip: ep.client.ip,
    };
    if let Verdict::Wait(s) = throttle::check_secret(ep.pool, attempt, false).await? {
        return Err(OAuthError::invalid_client(format!(
            "Too many failed attempts. Try again in {s} seconds."
        )));
    }
    super::event_refused(ep, "unknown client", &id).await;
    Err(OAuthError::invalid_client(
        "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn basic(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, v.parse().expect("header"));
        h
    }

    #[test]
    fn basic_parts_are_form_decoded() {
        let enc = base64::engine::general_purpose::STANDARD.encode("my%20app:s%3Acret+x");
        let c = credentials(&basic(&format!("Basic {enc}")), &BTreeMap::new())
            .expect("ok")
            .expect("some");
        assert_eq!(c.client_id, "my app");
        assert_eq!(c.client_secret.as_deref(), Some("s:cret x"));
    }

    #[test]
    fn two_methods_or_bad_headers_are_refused() {
        let enc = base64::engine::general_purpose::STANDARD.encode("a:b");
        let form = BTreeMap::from([("client_secret".to_string(), "b".to_string())]);
        assert_eq!(
            credentials(&basic(&format!("Basic {enc}")), &form)
                .expect_err("two")
                .error,
            "invalid_request"
        );
        assert_eq!(
            credentials(&basic("Basic !!!"), &BTreeMap::new())
                .expect_err("bad")
                .error,
            "invalid_client"
        );
        let nocolon = base64::engine::general_purpose::STANDARD.encode("abc");
        assert!(credentials(&basic(&format!("Basic {nocolon}")), &BTreeMap::new()).is_err());
    }

    proptest! {
        #[test]
        fn garbage_headers_never_panic(raw in ".{0,200}", id in ".{0,40}") {
            if let Ok(v) = format!("Basic {raw}").parse() {
                let mut h = HeaderMap::new();
                h.insert(header::AUTHORIZATION, v);
                let form = BTreeMap::from([("client_id".to_string(), id)]);
                let _ = credentials(&h, &form);
            }
        }
    }
}
