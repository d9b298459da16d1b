//! `/application/o/token/` (RFC 6749 §4.1.3 and §6, RFC 7636, OIDC Core §3.1.3), and the
//! introspection (RFC 7662) and revocation (RFC 7009) endpoints, which authenticate clients
//! the same way.
use super::claims::{self, Standard};
use super::client_auth::authenticate;
use super::errors::{OAuthError, OAuthResult};
use super::grants::{self, Refreshed, Taken};
use super::{Endpoint, cors, keys};
use app::ssr::AppState;
use app::ssr::oauth2::scopes::{OFFLINE_ACCESS, OPENID};
use app::ssr::providers::clients::{self, OAuthClient};
use app::ssr::{applications, users};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use uuid::Uuid;

type Form = BTreeMap<String, String>;

fn form(body: &[u8]) -> OAuthResult<Form> {
    super::authorize::params(&String::from_utf8_lossy(body)).map_err(OAuthError::invalid_request)
}

/// A JSON answer or an RFC 6749 error, never cached.
pub fn respond(answer: OAuthResult<Value>) -> Response {
    no_store(match answer {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    })
}

fn no_store(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ep = Endpoint::new(&state, peer, &headers, None);
    let answer = async {
        let form = form(&body)?;
        let grant = form
            .get("grant_type")
            .map(String::as_str)
            .ok_or_else(|| OAuthError::invalid_request("The request has no grant_type."))?;
        match grant {
            "authorization_code" => code_grant(&ep, &headers, &form).await,
            "refresh_token" => refresh_grant(&ep, &headers, &form).await,
            "client_credentials" => client_credentials(&ep, &headers, &form).await,
            super::device::GRANT => device_grant(&ep, &headers, &form).await,
            "password" | "implicit" => Err(OAuthError::unauthorized_client(format!(
                "This client may not use the {grant} grant."
            ))),
            other => Err(OAuthError::new(
                "unsupported_grant_type",
                format!("The grant type {other} is not supported."),
            )),
        }
    };
    let mut res = respond(answer.await);
    // As authentik: the origins of the named client's redirect URIs may read the answer,
    // whether or not it authenticated (a browser app then sees its error).
    let client = match cors::Origin::of(&headers) {
        Some(_) => named_client(&ep, &headers, &body).await,
        None => None,
    };
    cors::allow(
        &headers,
        cors::Audience::client(client.as_deref()),
        &mut res,
    );
    res
}

/// The known client the request names (by the Authorization header or `client_id`).
async fn named_client(
    ep: &Endpoint<'_>,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Arc<OAuthClient>> {
    let form = form(body).ok()?;
    let creds = super::client_auth::credentials(headers, &form).ok()??;
    // No client id holds a NUL (it cannot be stored).
    if creds.client_id.contains('\0') {
        return None;
    }
    clients::cached(ep.state, &creds.client_id).await.ok()?
}

fn param<'f>(form: &'f Form, key: &str) -> Option<&'f str> {
    form.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// PKCE (RFC 7636 §4.6): a challenge needs its verifier and a verifier needs a challenge.
fn pkce_ok(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), &'static str> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (Some(_), None) => {
            Err("The code was issued with a PKCE challenge: send its code_verifier.")
        }
        (None, Some(_)) => {
            Err("The code was issued without a PKCE challenge: drop the code_verifier.")
        }
        (Some(c), Some(v)) => {
            let valid_form = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
            if valid_form && bool::from(computed.as_bytes().ct_eq(c.as_bytes())) {
                Ok(())
            } else {
                Err("The code_verifier does not match the code's PKCE challenge.")
            }
        }
    }
}

async fn code_grant(ep: &Endpoint<'_>, headers: &HeaderMap, form: &Form) -> OAuthResult<Value> {
    let client = authenticate(ep, headers, form, true).await?;
    if !client.allows_grant("authorization_code") {
        return Err(OAuthError::unauthorized_client(
            "This client may not use the authorization code grant.",
        ));
    }
    let code = param(form, "code")
        .ok_or_else(|| OAuthError::invalid_request("The request has no code."))?;
    redeem_code(
        ep,
        &client,
        code,
        param(form, "redirect_uri"),
        param(form, "code_verifier"),
    )
    .await
    .map(|r| r.response)
}

/// What redeeming a code gave: the token response, and whom and which login session it is for.
pub struct Redeemed {
    pub response: Value,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
}

/// Redeems an authorization code for `client` (authenticated by the caller: the token
/// endpoint, or the embedded outpost that holds the client's secret).
pub async fn redeem_code(
    ep: &Endpoint<'_>,
    client: &OAuthClient,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> OAuthResult<Redeemed> {
    let invalid = || {
        OAuthError::invalid_grant(
            "The provided authorization grant or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client",
        )
    };
    let code = match grants::take_code(ep.state, code, client.provider_id).await? {
        Taken::Fresh(c) => c,
        Taken::Reused => {
            super::event_refused(
                ep,
                "authorization code used twice: its tokens are revoked",
                &client.client_id,
            )
            .await;
            return Err(OAuthError::invalid_grant(
                "The code was used before: the tokens issued for it are revoked.",
            ));
        }
        Taken::Invalid => return Err(invalid()),
    };
    if redirect_uri != Some(code.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the one the code was issued for.",
        ));
    }
    pkce_ok(code.code_challenge.as_deref(), code_verifier).map_err(OAuthError::invalid_grant)?;
    let user = claims::active_person(ep.pool, code.user_id)
        .await?
        .ok_or_else(invalid)?;
    let login = code.login().map_err(|()| invalid())?;
    may_use(ep, client, &user.user).await?;
    let with_refresh =
        code.scopes.iter().any(|s| s == OFFLINE_ACCESS) && client.allows_grant("refresh_token");
    let response = mint(
        ep,
        client,
        user,
        Mint {
            code_hash: None,
            scopes: &code.scopes,
            session: code.session_id,
            login: login.as_ref(),
            code: Some(code.id),
            family: Uuid::new_v4(),
            nonce: code.nonce.as_deref(),
            with_refresh,
        },
    )
    .await?;
    Ok(Redeemed {
        response,
        user_id: code.user_id,
        session_id: code.session_id,
    })
}

async fn refresh_grant(ep: &Endpoint<'_>, headers: &HeaderMap, form: &Form) -> OAuthResult<Value> {
    let client = authenticate(ep, headers, form, true).await?;
    if !client.allows_grant("refresh_token") {
        return Err(OAuthError::unauthorized_client(
            "This client may not use refresh tokens.",
        ));
    }
    let token = param(form, "refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("The request has no refresh_token."))?;
    let old = match grants::use_refresh(ep.state, token, client.provider_id).await? {
        Refreshed::Fresh(t) => t,
        Refreshed::Reused => {
            super::event_refused(
                ep,
                "refresh token used twice: its family is revoked",
                &client.client_id,
            )
            .await;
            return Err(OAuthError::invalid_grant(
                "The refresh token was used before: every token of its grant is revoked.",
            ));
        }
        Refreshed::Invalid => {
            return Err(OAuthError::invalid_grant(
                "The refresh token is invalid, expired or revoked.",
            ));
        }
    };
    let scopes: Vec<String> = match param(form, "scope") {
        None => old.scopes.clone(),
        Some(asked) => {
            let asked: Vec<String> = asked
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if let Some(extra) = asked.iter().find(|s| !old.scopes.contains(s)) {
                return Err(OAuthError::invalid_scope(format!(
                    "The scope {extra} was not granted."
                )));
            }
            asked
        }
    };
    let gone = || OAuthError::invalid_grant("The user or the session behind this grant is gone.");
    let user = claims::active_person(ep.pool, old.user_id)
        .await?
        .ok_or_else(gone)?;
    let login = match old.session_id {
        Some(s) => Some(grants::login_session(ep.pool, s).await?.ok_or_else(gone)?),
        None => None,
    };
    may_use(ep, &client, &user.user).await?;
    mint(
        ep,
        &client,
        user,
        Mint {
            code_hash: None,
            scopes: &scopes,
            session: old.session_id,
            login: login.as_ref(),
            code: None,
            family: old.family,
            nonce: None,
            // Rotated at every use; the family's offline_access decides.
            with_refresh: old.scopes.iter().any(|s| s == OFFLINE_ACCESS),
        },
    )
    .await
}

/// Client credentials (RFC 6749 §4.4): the client's own secret signs in as its service
/// account; a user's app password or a federated JWT as that user (`machine`). No refresh
/// token.
async fn client_credentials(
    ep: &Endpoint<'_>,
    headers: &HeaderMap,
    form: &Form,
) -> OAuthResult<Value> {
    let signed = super::machine::sign_in(ep, headers, form).await?;
    let client = signed.client;
    let offered = super::offered_scopes(&client);
    let scopes = app::ssr::oauth2::scopes::granted(param(form, "scope").unwrap_or(""), &offered);
    let user = claims::active_person(ep.pool, signed.user)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("The user is deactivated."))?;
    may_use(ep, &client, &user.user).await?;
    if let Some(login) = signed.login {
        super::machine::record_login(ep, &client, &user.user, login).await;
    }
    mint(
        ep,
        &client,
        user,
        Mint {
            code_hash: None,
            scopes: &scopes,
            session: None,
            login: None,
            code: None,
            family: Uuid::new_v4(),
            nonce: None,
            with_refresh: false,
        },
    )
    .await
}

/// The proxy outpost's header authentication with `Authorization: Basic` (username and app
/// password): the client credentials grant as a client would make it, with every check it
/// makes (throttle, events, the application's policies).
pub async fn app_password_grant(
    ep: &Endpoint<'_>,
    client_id: &str,
    username: &str,
    password: &str,
    scope: &str,
) -> OAuthResult<Value> {
    let form: Form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("username", username),
        ("password", password),
        ("scope", scope),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    client_credentials(ep, &HeaderMap::new(), &form).await
}

/// The device grant (RFC 8628 §3.4): the device's poll; tokens once its user approved it.
async fn device_grant(ep: &Endpoint<'_>, headers: &HeaderMap, form: &Form) -> OAuthResult<Value> {
    let client = authenticate(ep, headers, form, true).await?;
    if !client.allows_grant(super::device::GRANT) {
        return Err(OAuthError::unauthorized_client(
            "This client may not use the device grant.",
        ));
    }
    let code = param(form, "device_code")
        .ok_or_else(|| OAuthError::invalid_request("The request has no device_code."))?;
    let super::device::Poll::Approved {
        user,
        session,
        scopes,
    } = super::device::poll(ep, &client, code).await?;
    let gone =
        || OAuthError::invalid_grant("The user or the session that approved the device is gone.");
    let user = claims::active_person(ep.pool, user)
        .await?
        .ok_or_else(gone)?;
    let login = match session {
        Some(s) => Some(grants::login_session(ep.pool, s).await?.ok_or_else(gone)?),
        None => None,
    };
    may_use(ep, &client, &user.user).await?;
    let with_refresh =
        scopes.iter().any(|s| s == OFFLINE_ACCESS) && client.allows_grant("refresh_token");
    mint(
        ep,
        &client,
        user,
        Mint {
            code_hash: None,
            scopes: &scopes,
            session,
            login: login.as_ref(),
            code: None,
            family: Uuid::new_v4(),
            nonce: None,
            with_refresh,
        },
    )
    .await
}

/// The application's policies, checked at every grant: someone who may no longer use the
/// application gets no token.
async fn may_use(ep: &Endpoint<'_>, client: &OAuthClient, user: &users::User) -> OAuthResult<()> {
    let verdict = applications::check_access(
        ep.pool,
        &client.application,
        Some(user.id),
        Some(&ep.client),
    )
    .await?;
    if verdict.passing {
        return Ok(());
    }
    super::event_refused(
        ep,
        "the user may not use the application",
        &client.client_id,
    )
    .await;
    Err(OAuthError::invalid_grant(
        "The user may not use this application.",
    ))
}

struct Mint<'a> {
    /// `c_hash` of the code issued beside the ID token (hybrid flow).
    code_hash: Option<String>,
    scopes: &'a [String],
    session: Option<Uuid>,
    login: Option<&'a grants::LoginSession>,
    code: Option<Uuid>,
    family: Uuid,
    nonce: Option<&'a str>,
    with_refresh: bool,
}

/// Issues the access token (a signed JWT), the ID token when `openid` was granted, and a
/// refresh token when asked; the token response.
async fn mint(
    ep: &Endpoint<'_>,
    client: &OAuthClient,
    person: claims::Person,
    m: Mint<'_>,
) -> OAuthResult<Value> {
    let signer = keys::signer(ep.pool, ep.secret_key, client).await?;
    let install = clients::cached_install_id(ep.state).await?;
    let sub = claims::sub(client, &person, install);
    let issuer = super::issuer(&ep.origin, client);
    let access_ttl = super::validity(&client.settings.access_token_validity, 3600);
    let std = Standard {
        issuer: &issuer,
        sub: &sub,
        client_id: &client.client_id,
        expires_in: access_ttl,
        login: m.login,
        session: m.session,
        nonce: m.nonce,
    };
    let scope_claims =
        claims::scope_claims(ep.pool, client, m.scopes, &person, Some(&ep.client)).await?;
    let extra = client
        .settings
        .include_claims_in_id_token
        .then_some(&scope_claims);
    let id_claims = claims::id_token(&std, extra);
    let access = signer.sign(&claims::access_token(
        id_claims.clone(),
        &client.client_id,
        m.scopes,
    ))?;
    grants::store_token(
        ep.pool,
        &grants::NewToken {
            kind: "access",
            token: &access,
            provider: client.provider_id,
            user: person.user.id,
            session: m.session,
            code: m.code,
            family: m.family,
            scopes: m.scopes,
            ttl_secs: access_ttl,
        },
    )
    .await?;
    let mut out = Map::new();
    out.insert("access_token".into(), json!(access));
    out.insert("token_type".into(), json!("Bearer"));
    out.insert("expires_in".into(), json!(access_ttl));
    out.insert("scope".into(), json!(m.scopes.join(" ")));
    if m.scopes.iter().any(|s| s == OPENID) {
        let mut id = id_claims;
        id.insert("at_hash".into(), json!(claims::half_hash(&access)));
        if let Some(c) = m.code_hash {
            id.insert("c_hash".into(), json!(c));
        }
        out.insert("id_token".into(), json!(signer.sign(&Value::Object(id))?));
    }
    if m.with_refresh {
        let refresh = grants::new_secret();
        grants::store_token(
            ep.pool,
            &grants::NewToken {
                kind: "refresh",
                token: &refresh,
                provider: client.provider_id,
                user: person.user.id,
                session: m.session,
                code: m.code,
                family: m.family,
                scopes: m.scopes,
                ttl_secs: super::validity(&client.settings.refresh_token_validity, 30 * 86400),
            },
        )
        .await?;
        out.insert("refresh_token".into(), json!(refresh));
    }
    Ok(Value::Object(out))
}

/// Tokens for the implicit and hybrid flows, issued at the authorization endpoint (only for
/// providers that allow them): the token response, whose fields the caller picks.
#[allow(clippy::too_many_arguments)]
pub async fn front_channel(
    ep: &Endpoint<'_>,
    client: &OAuthClient,
    user: users::User,
    scopes: &[String],
    session: Option<Uuid>,
    login: Option<&grants::LoginSession>,
    nonce: Option<&str>,
    code: Option<&str>,
) -> OAuthResult<Value> {
    let person = claims::person(ep.pool, user).await?;
    mint(
        ep,
        client,
        person,
        Mint {
            code_hash: code.map(claims::half_hash),
            scopes,
            session,
            login,
            code: None,
            family: Uuid::new_v4(),
            nonce,
            with_refresh: false,
        },
    )
    .await
}

/// The payload of a JWT Ward issued (found in the database, so not verified again).
pub fn payload(jwt: &str) -> Option<Map<String, Value>> {
    let part = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// RFC 7662: only for tokens issued to the calling (confidential) client; anything else is
/// `active: false` (authentik CVE-2024-47077).
pub async fn introspect(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ep = Endpoint::new(&state, peer, &headers, None);
    let answer = async {
        let form = form(&body)?;
        let client = authenticate(&ep, &headers, &form, false).await?;
        let inactive = json!({ "active": false });
        let Some(token) = param(&form, "token") else {
            return Ok(inactive);
        };
        let Some(found) = grants::live_cached(ep.state, token).await? else {
            return Ok(inactive);
        };
        // A cached entry may outlive its token or the login session behind it.
        if found.provider_id != client.provider_id || !found.is_live() {
            return Ok(inactive);
        }
        let mut out = if found.kind == "access" {
            payload(token).unwrap_or_default()
        } else {
            Map::new()
        };
        out.insert("active".into(), json!(true));
        out.insert("scope".into(), json!(found.scopes.join(" ")));
        out.insert("client_id".into(), json!(found.client_id));
        out.insert(
            "token_type".into(),
            json!(if found.kind == "access" {
                "Bearer"
            } else {
                "refresh_token"
            }),
        );
        out.insert("exp".into(), json!(found.expires_at.unix_timestamp()));
        out.entry("iat")
            .or_insert_with(|| json!(found.created_at.unix_timestamp()));
        Ok::<_, OAuthError>(Value::Object(out))
    };
    respond(answer.await)
}

/// RFC 7009: revokes a token of the calling client; unknown tokens are no error.
pub async fn revoke(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ep = Endpoint::new(&state, peer, &headers, None);
    let answer = async {
        let form = form(&body)?;
        let client = authenticate(&ep, &headers, &form, true).await?;
        let token = param(&form, "token")
            .ok_or_else(|| OAuthError::invalid_request("The request has no token."))?;
        grants::revoke(ep.state, token, client.provider_id).await?;
        Ok::<_, OAuthError>(json!({}))
    };
    respond(answer.await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_needs_both_halves_and_a_match() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_ok(Some(challenge), Some(verifier)).is_ok());
        assert!(pkce_ok(None, None).is_ok());
        assert!(pkce_ok(Some(challenge), None).is_err());
        assert!(pkce_ok(None, Some(verifier)).is_err());
        assert!(pkce_ok(Some(challenge), Some(&verifier.replace('d', "e"))).is_err());
        // `plain` (the challenge is the verifier) never matches.
        assert!(pkce_ok(Some(verifier), Some(verifier)).is_err());
    }
}
