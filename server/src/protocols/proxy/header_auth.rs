//! Header authentication (`intercept_header_auth`): a request that carries
//! `Authorization: Bearer <an access token of this provider>` or `Basic <username:app
//! password>` is signed in without a cookie, as authentik's outpost allows for API clients.
//! A header that does not authenticate is a 401, never a redirect to a sign-in page.
use crate::protocols::oauth2::grants;
use crate::protocols::oauth2::{Endpoint, token};
use app::ssr::AppState;
use app::ssr::applications;
use app::ssr::client::ClientInfo;
use app::ssr::crypto::secret;
use app::ssr::outposts::Served;
use app::ssr::providers::clients;
use app::ssr::providers::proxy::OUTPOST_SCOPES;
use app::ssr::providers::proxy::sessions::{CheckedSession, ProxySession};
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;

/// What an `Authorization` header says.
#[derive(Debug, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    Basic { username: String, password: String },
}

/// The credential in an `Authorization` value; None for any other scheme or a malformed one.
pub fn parse(value: &str) -> Option<Credential> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() && rest.len() <= 8192 {
        return Some(Credential::Bearer(rest.to_string()));
    }
    if scheme.eq_ignore_ascii_case("basic") && rest.len() <= 4096 {
        let decoded = String::from_utf8(STANDARD.decode(rest).ok()?).ok()?;
        let (username, password) = decoded.split_once(':')?;
        if username.is_empty() || password.is_empty() {
            return None;
        }
        return Some(Credential::Basic {
            username: username.to_string(),
            password: password.to_string(),
        });
    }
    None
}

/// The session the header stands for (None: it does not authenticate). Successful Basic
/// sign-ins are remembered in the session cache like cookies, so a client sending the same
/// header on every request costs one grant, not one per request.
pub async fn identify(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    p: &Served,
    value: &str,
) -> app::ssr::Result<Option<Arc<CheckedSession>>> {
    let key = secret::digest(&format!("{}\n{value}", p.provider_id));
    if let Some(hit) = state.oauth2.proxy_session(&key) {
        return Ok(Some(hit));
    }
    let access = match parse(value) {
        Some(Credential::Bearer(t)) => t,
        Some(Credential::Basic { username, password }) => {
            // A Basic sign-in's tokens get the scopes the outpost's own sign-in asks for.
            let scopes = OUTPOST_SCOPES.join(" ");
            let ep = Endpoint::new(state, peer, headers, None);
            match token::app_password_grant(&ep, &p.client_id, &username, &password, &scopes).await
            {
                Ok(answer) => match answer.get("access_token").and_then(Value::as_str) {
                    Some(t) => t.to_string(),
                    None => return Ok(None),
                },
                Err(_) => return Ok(None),
            }
        }
        None => return Ok(None),
    };
    let Some(live) = grants::live_cached(state, &access).await? else {
        return Ok(None);
    };
    if live.kind != "access" || live.provider_id != p.provider_id || !live.is_live() {
        return Ok(None);
    }
    let Some(claims) = token::payload(&access) else {
        return Ok(None);
    };
    let Some(client) = clients::cached(state, &p.client_id).await? else {
        return Ok(None);
    };
    let from = ClientInfo::from_request(peer, headers, &state.settings.trusted_proxies);
    let verdict = applications::check_access(
        &state.pool,
        &client.application,
        Some(live.user_id),
        Some(&from),
    )
    .await?;
    let checked = Arc::new(CheckedSession {
        session: ProxySession {
            id: live.id,
            provider_id: p.provider_id,
            user_id: live.user_id,
            session_id: live.session_id,
            claims,
            token: access,
            expires_at: live.expires_at,
        },
        refused: verdict.refusal(),
    });
    state.oauth2.put_proxy_session(key, checked.clone());
    Ok(Some(checked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bearer_and_basic_are_read_and_nothing_else() {
        assert_eq!(parse("Bearer abc"), Some(Credential::Bearer("abc".into())));
        assert_eq!(
            parse("bearer  abc "),
            Some(Credential::Bearer("abc".into()))
        );
        let basic = format!("Basic {}", STANDARD.encode("alice:pa:ss"));
        assert_eq!(
            parse(&basic),
            Some(Credential::Basic {
                username: "alice".into(),
                password: "pa:ss".into()
            })
        );
        assert_eq!(parse(&format!("Basic {}", STANDARD.encode("alice:"))), None);
        assert_eq!(parse("Basic !!!"), None);
        assert_eq!(parse("Digest x"), None);
        assert_eq!(parse("Bearer"), None);
    }

    proptest! {
        #[test]
        fn garbage_authorization_values_never_panic(value in ".{0,300}") {
            let _ = parse(&value);
        }
    }
}
