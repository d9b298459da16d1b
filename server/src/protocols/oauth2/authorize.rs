//! `/application/o/authorize/` (RFC 6749 §4.1, OIDC Core §3.1.2, RFC 7636, RFC 9207): checks the
//! request, sends people who are not signed in through the authentication flow, runs the
//! provider's authorization flow (consent), and answers the client with a code.
//!
//! Until the client and its redirect URI are known, errors are shown on Ward's own page; after
//! that they go back to the client with `error`, `error_description`, `state` and `iss`.
use super::errors::OAuthError;
use super::{Endpoint, grants, issuer, pages};
use app::ssr::events::{self, NewEvent, action};
use app::ssr::flows::executor;
use app::ssr::flows::state::FlowContext;
use app::ssr::oauth2::{self, Authorization, scopes};
use app::ssr::policies::ACCESS_DENIED;
use app::ssr::providers::clients::{self, OAuthClient};
use app::ssr::providers::redirect_uris;
use app::ssr::{applications, sessions};
use app::types::flow::Challenge;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tower_sessions::Session;

/// Where a `prompt=login` / `max_age` re-authentication remembers the request it is for.
const REAUTH_KEY: &str = "ward.oauth2.reauth";
pub const PATH: &str = "/application/o/authorize/";

/// A checked authorization request.
pub struct Request {
    pub client: std::sync::Arc<OAuthClient>,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub form_post: bool,
    /// Implicit and hybrid answers go in the fragment.
    pub fragment: bool,
    pub response: ResponseType,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Vec<String>,
    pub max_age: Option<i64>,
    pub issuer: String,
}

/// Where errors go once the client and its redirect URI are known.
#[derive(Clone)]
pub struct Back {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub form_post: bool,
    pub fragment: bool,
    pub issuer: String,
}

/// What the client asked to get back (OAuth 2.0 Multiple Response Types): a code, an ID token,
/// an access token, in any order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseType {
    pub code: bool,
    pub id_token: bool,
    pub token: bool,
}

impl ResponseType {
    pub fn parse(raw: &str) -> Option<Self> {
        let mut r = Self::default();
        for part in raw.split(' ').filter(|p| !p.is_empty()) {
            let seen = match part {
                "code" => &mut r.code,
                "id_token" => &mut r.id_token,
                "token" => &mut r.token,
                _ => return None,
            };
            if *seen {
                return None;
            }
            *seen = true;
        }
        (r.code || r.id_token || r.token).then_some(r)
    }

    /// The grant type a provider must allow for it.
    pub fn grant(self) -> &'static str {
        match (self.code, self.id_token || self.token) {
            (true, false) => "authorization_code",
            (false, _) => "implicit",
            (true, true) => "hybrid",
        }
    }
}

/// A failure to report: on Ward's page, or to the client.
pub enum Failure {
    Page(StatusCode, &'static str, String),
    Client(OAuthError),
}

fn page(title: &'static str, msg: impl Into<String>) -> Failure {
    Failure::Page(StatusCode::BAD_REQUEST, title, msg.into())
}

fn client_err(error: &'static str, msg: impl Into<String>) -> Failure {
    Failure::Client(OAuthError::new(error, msg))
}

/// The request's parameters; a parameter given twice is refused (RFC 6749 §3.1).
pub fn params(query: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("The parameter {k} is given more than once."));
        }
    }
    Ok(out)
}

/// A PKCE challenge: 43 to 128 characters of the unreserved set (RFC 7636 §4.2).
fn challenge_ok(c: &str) -> bool {
    (43..=128).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Checks the client, its redirect URI, then the rest, in that order.
pub async fn check(
    ep: &Endpoint<'_>,
    p: &BTreeMap<String, String>,
) -> Result<Request, (Option<Back>, Failure)> {
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let early = |f: Failure| (None, f);
    let client_id = get("client_id").ok_or_else(|| {
        early(page(
            "Client ID Error",
            "The request names no client (client_id).",
        ))
    })?;
    let client = clients::cached(ep.state, client_id)
        .await
        .map_err(|e| early(Failure::Client(e.into())))?
        .ok_or_else(|| {
            early(page(
                "Client ID Error",
                "No application uses this client id.",
            ))
        })?;
    let redirect_uri = get("redirect_uri")
        .ok_or_else(|| {
            early(page(
                "Redirect URI Error",
                "The request names no redirect URI.",
            ))
        })?
        .to_string();
    if !redirect_uris::allowed(
        &client.settings.redirect_uris,
        "authorization",
        &redirect_uri,
    ) {
        return Err(early(page(
            "Redirect URI Error",
            "This redirect URI is not registered for the application, so Ward does not send you there.",
        )));
    }
    let issuer = issuer(&ep.origin, &client);
    let state = p.get("state").cloned();
    let form_post = get("response_mode") == Some("form_post");
    let response = get("response_type").map(ResponseType::parse);
    let fragment = !form_post
        && matches!(response, Some(Some(r)) if r.id_token || r.token)
        && get("response_mode") != Some("query");
    let back = Some(Back {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        form_post,
        fragment,
        issuer: issuer.clone(),
    });
    let fail = |f: Failure| (back.clone(), f);
    let response = match response {
        None => {
            return Err(fail(client_err(
                "invalid_request",
                "The request has no response_type.",
            )));
        }
        Some(None) => {
            return Err(fail(client_err(
                "unsupported_response_type",
                "Response types are code, id_token and token (and their combinations).",
            )));
        }
        Some(Some(r)) => r,
    };
    match get("response_mode") {
        None | Some("form_post" | "fragment") => {}
        // Tokens never travel in a query string (OAuth 2.0 Multiple Response Types §3).
        Some("query") if !(response.id_token || response.token) => {}
        Some(other) => {
            return Err(fail(client_err(
                "invalid_request",
                format!("Response mode {other} cannot be used with this response type."),
            )));
        }
    }
    if !client.allows_grant(response.grant()) {
        let msg = match response.grant() {
            "implicit" => {
                "The implicit flow is off for this client: use response_type=code with PKCE."
            }
            "hybrid" => "The hybrid flow is off for this client: use response_type=code with PKCE.",
            _ => "This client may not use the authorization code grant.",
        };
        return Err(fail(client_err("unauthorized_client", msg)));
    }
    if p.contains_key("request") {
        return Err(fail(client_err(
            "request_not_supported",
            "The provider does not support use of the request parameter",
        )));
    }
    if p.contains_key("request_uri") {
        return Err(fail(client_err(
            "request_uri_not_supported",
            "The provider does not support use of the request_uri parameter",
        )));
    }
    let offered = super::offered_scopes(&client);
    let scopes = scopes::granted(get("scope").unwrap_or(""), &offered);
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) if client.is_public() => {
            return Err(fail(client_err(
                "invalid_request",
                "Public clients must send a PKCE code_challenge (S256).",
            )));
        }
        (None, None) => None,
        (None, Some(_)) => {
            return Err(fail(client_err(
                "invalid_request",
                "code_challenge_method without a code_challenge.",
            )));
        }
        (Some(c), Some("S256")) if challenge_ok(c) => Some(c.to_string()),
        (Some(_), Some("S256")) => {
            return Err(fail(client_err(
                "invalid_request",
                "The code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~.",
            )));
        }
        (Some(_), method) => {
            return Err(fail(client_err(
                "invalid_request",
                format!(
                    "PKCE method {} is not allowed: use S256.",
                    method.unwrap_or("plain")
                ),
            )));
        }
    };
    let prompt: Vec<String> = get("prompt")
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = prompt
        .iter()
        .find(|v| !matches!(v.as_str(), "none" | "login" | "consent" | "select_account"))
    {
        return Err(fail(client_err(
            "invalid_request",
            format!("Unknown prompt value {bad}."),
        )));
    }
    if prompt.iter().any(|v| v == "none") && prompt.len() > 1 {
        return Err(fail(client_err(
            "invalid_request",
            "prompt=none cannot be combined with other values.",
        )));
    }
    let max_age = match get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            fail(client_err(
                "invalid_request",
                "max_age must be a number of seconds.",
            ))
        })?),
    };
    let nonce = get("nonce").map(str::to_string);
    if response.id_token && !scopes.iter().any(|s| s == scopes::OPENID) {
        return Err(fail(client_err(
            "invalid_scope",
            "An ID token needs the openid scope.",
        )));
    }
    // OIDC Core §3.2.2.1: implicit and hybrid requests that return an ID token carry a nonce.
    if response.id_token && nonce.is_none() {
        return Err(fail(client_err(
            "invalid_request",
            "A nonce is required when an ID token is returned from the authorization endpoint.",
        )));
    }
    if nonce.as_deref().is_some_and(|n| n.len() > 1024)
        || state.as_deref().is_some_and(|s| s.len() > 4096)
    {
        return Err(fail(client_err(
            "invalid_request",
            "nonce or state is too long.",
        )));
    }
    Ok(Request {
        client,
        redirect_uri,
        state,
        form_post,
        fragment,
        response,
        scopes,
        nonce,
        code_challenge,
        prompt,
        max_age,
        issuer,
    })
}

/// The answer to the client: a redirect with `params` in the query, or a form post.
pub fn to_client(
    ep: &Endpoint<'_>,
    redirect_uri: &str,
    (form_post, fragment): (bool, bool),
    mut params: Vec<(&'static str, String)>,
    state: Option<&str>,
    issuer: &str,
) -> Response {
    if let Some(s) = state {
        params.push(("state", s.to_string()));
    }
    params.push(("iss", issuer.to_string()));
    if form_post {
        let borrowed: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, v.clone())).collect();
        return pages::form_post(ep.state, redirect_uri, &borrowed);
    }
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return pages::error(
            ep.state,
            StatusCode::BAD_REQUEST,
            "Redirect URI Error",
            "The redirect URI is not a URL.",
        );
    };
    if fragment {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        url.set_fragment(Some(&encoded));
    } else {
        let mut q = url.query_pairs_mut();
        for (k, v) in &params {
            q.append_pair(k, v);
        }
    }
    crate::guards::found(url.as_str())
}

fn failure(ep: &Endpoint<'_>, back: Option<Back>, f: Failure) -> Response {
    match (f, back) {
        (Failure::Page(status, title, msg), _) => pages::error(ep.state, status, title, &msg),
        (Failure::Client(e), Some(b)) => to_client(
            ep,
            &b.redirect_uri,
            (b.form_post, b.fragment),
            vec![
                ("error", e.error.to_string()),
                ("error_description", e.description),
            ],
            b.state.as_deref(),
            &b.issuer,
        ),
        (Failure::Client(e), None) => {
            pages::error(ep.state, e.status, "Authorization Error", &e.description)
        }
    }
}

/// The digest that ties an approval and a re-authentication to this very request.
fn fingerprint(query: &str, user: Option<uuid::Uuid>) -> String {
    hex::encode(Sha256::digest(format!("{query}\n{user:?}")))
}

pub async fn handle(ep: &Endpoint<'_>, session: &Session, query: &str) -> Response {
    match run(ep, session, query).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "authorize failed");
            pages::error(
                ep.state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server Error",
                "Ward could not answer this request.",
            )
        }
    }
}

async fn run(ep: &Endpoint<'_>, session: &Session, query: &str) -> app::ssr::Result<Response> {
    let p = match params(query) {
        Ok(p) => p,
        Err(msg) => {
            return Ok(pages::error(
                ep.state,
                StatusCode::BAD_REQUEST,
                "Authorization Error",
                &msg,
            ));
        }
    };
    let req = match check(ep, &p).await {
        Ok(r) => r,
        Err((back, f)) => return Ok(failure(ep, back, f)),
    };
    let back = Some(Back {
        redirect_uri: req.redirect_uri.clone(),
        state: req.state.clone(),
        form_post: req.form_post,
        fragment: req.fragment,
        issuer: req.issuer.clone(),
    });
    let refuse = |error: &'static str, msg: &str| failure(ep, back.clone(), client_err(error, msg));
    let here = format!("{PATH}?{query}");
    let prompt_none = req.prompt.iter().any(|v| v == "none");
    let Some(user) = sessions::current_user(ep.pool, session).await? else {
        if prompt_none {
            return Ok(refuse(
                "login_required",
                "The Authorization Server requires End-User authentication",
            ));
        }
        return to_login(ep, &req.client, query, &here).await;
    };
    let handle = sessions::handle(session).await?;
    // prompt=login and max_age: sign in again once for this request. The login time is read
    // only when max_age asks for it.
    let login = match (req.max_age, handle) {
        (Some(_), Some(h)) => grants::login_session(ep.pool, h).await?,
        _ => None,
    };
    let too_old = match (req.max_age, &login) {
        (Some(max), Some(l)) => {
            (time::OffsetDateTime::now_utc() - l.auth_time).whole_seconds() > max
        }
        _ => false,
    };
    let wants_login = req
        .prompt
        .iter()
        .any(|v| v == "login" || v == "select_account")
        || too_old;
    let reauth = fingerprint(query, None);
    if wants_login {
        let done = session.get::<String>(REAUTH_KEY).await?.as_deref() == Some(reauth.as_str());
        if !done {
            if prompt_none {
                return Ok(refuse(
                    "login_required",
                    "The Authorization Server requires End-User authentication",
                ));
            }
            sessions::sign_out(ep.pool, session).await?;
            session.insert(REAUTH_KEY, &reauth).await?;
            return to_login(ep, &req.client, query, &here).await;
        }
    }
    let app = &req.client.application;
    let verdict = applications::check_access(ep.pool, app, Some(user.id), Some(&ep.client)).await?;
    if let Some(msg) = verdict.refusal() {
        events::record(
            ep.pool,
            NewEvent {
                action: action::ACCESS_DENIED,
                user: Some((user.id, &user.username)),
                client_ip: Some(ep.client.ip),
                context: serde_json::json!({ "application": app.slug, "messages": verdict.messages }),
            },
        )
        .await?;
        if prompt_none {
            return Ok(refuse("access_denied", ACCESS_DENIED));
        }
        return Ok(pages::error(
            ep.state,
            StatusCode::FORBIDDEN,
            "Access Denied",
            &msg,
        ));
    }
    // The authorization flow (consent) approves this request for this user.
    let request_id = fingerprint(query, Some(user.id));
    if !oauth2::take_approval(session, &request_id, user.id).await? {
        let context = FlowContext {
            oauth: Some(Authorization {
                application: app.id,
                application_name: app.name.clone(),
                application_slug: app.slug.clone(),
                scopes: req.scopes.clone(),
                descriptions: req
                    .client
                    .scopes
                    .iter()
                    .filter(|o| !o.description.is_empty() && req.scopes.contains(&o.name))
                    .map(|o| (o.name.clone(), o.description.clone()))
                    .collect(),
                force_consent: req.prompt.iter().any(|v| v == "consent"),
                request: request_id.clone(),
            }),
            ..FlowContext::default()
        };
        let env = ep.env(session);
        let flow = &req.client.settings.authorization_flow;
        let Some(view) = executor::start(&env, flow, context, here.clone()).await? else {
            return Ok(pages::error(
                ep.state,
                StatusCode::BAD_REQUEST,
                "Configuration Error",
                "The provider's authorization flow does not exist.",
            ));
        };
        let completed = matches!(view.challenge, Challenge::Redirect { .. });
        if !completed {
            if prompt_none {
                executor::abandon(session).await?;
                let error = match view.challenge {
                    Challenge::AccessDenied { .. } => "access_denied",
                    _ => "consent_required",
                };
                return Ok(refuse(
                    error,
                    "The Authorization Server requires End-User consent",
                ));
            }
            return Ok(crate::guards::found(&format!("/if/flow/{}/", view.slug)));
        }
        if !oauth2::take_approval(session, &request_id, user.id).await? {
            return Ok(refuse(
                "access_denied",
                "The authorization flow did not approve the request.",
            ));
        }
    }
    session.remove::<String>(REAUTH_KEY).await?;
    let mut params: Vec<(&'static str, String)> = Vec::new();
    let code = match req.response.code {
        false => None,
        true => Some(
            grants::create_code(
                ep.pool,
                &grants::NewCode {
                    provider: req.client.provider_id,
                    user: user.id,
                    session: handle,
                    redirect_uri: &req.redirect_uri,
                    scopes: &req.scopes,
                    nonce: req.nonce.as_deref(),
                    code_challenge: req.code_challenge.as_deref(),
                    ttl_secs: super::validity(&req.client.settings.access_code_validity, 60),
                },
            )
            .await?,
        ),
    };
    if req.response.id_token || req.response.token {
        // Implicit and hybrid (only when the provider allows them): tokens in the fragment.
        let login = match handle {
            Some(h) => grants::login_session(ep.pool, h).await?,
            None => None,
        };
        let tokens = super::token::front_channel(
            ep,
            &req.client,
            user.clone(),
            &req.scopes,
            handle,
            login.as_ref(),
            req.nonce.as_deref(),
            code.as_deref(),
        )
        .await;
        let tokens = match tokens {
            Ok(t) => t,
            Err(e) => return Ok(refuse(e.error, &e.description)),
        };
        for (key, wanted) in [
            ("access_token", req.response.token),
            ("id_token", req.response.id_token),
        ] {
            if let Some(v) = tokens.get(key).and_then(|v| v.as_str()).filter(|_| wanted) {
                params.push((key, v.to_string()));
            }
        }
        if req.response.token {
            params.push(("token_type", "Bearer".into()));
            params.push(("expires_in", tokens["expires_in"].to_string()));
        }
    }
    if let Some(code) = code {
        params.insert(0, ("code", code));
    }
    events::record(
        ep.pool,
        NewEvent {
            action: action::AUTHORIZE_APPLICATION,
            user: Some((user.id, &user.username)),
            client_ip: Some(ep.client.ip),
            context: serde_json::json!({ "application": app.slug, "scopes": req.scopes }),
        },
    )
    .await?;
    Ok(to_client(
        ep,
        &req.redirect_uri,
        (req.form_post, req.fragment),
        params,
        req.state.as_deref(),
        &req.issuer,
    ))
}

/// To the authentication flow (the provider's, else the brand's), with the request's
/// parameters (e.g. `login_hint`) and back here afterwards.
async fn to_login(
    ep: &Endpoint<'_>,
    client: &OAuthClient,
    query: &str,
    here: &str,
) -> app::ssr::Result<Response> {
    let own = match &client.settings.authentication_flow {
        Some(pk) => app::ssr::flows::plan::slug_of(&ep.state.oauth2, ep.pool, pk).await?,
        None => None,
    };
    let flow = own.unwrap_or_else(|| ep.authentication_flow.to_string());
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    let sep = if query.is_empty() { "" } else { "&" };
    Ok(crate::guards::found(&format!("/if/flow/{flow}/?{query}{sep}next={next}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn response_types_are_sets_of_code_id_token_and_token() {
        let r = ResponseType::parse("id_token code").expect("hybrid");
        assert!(r.code && r.id_token && !r.token);
        assert_eq!(r.grant(), "hybrid");
        assert_eq!(
            ResponseType::parse("code").map(|r| r.grant()),
            Some("authorization_code")
        );
        assert_eq!(
            ResponseType::parse("token id_token").map(|r| r.grant()),
            Some("implicit")
        );
        for bad in ["", "code code", "code none", "CODE", "code,token"] {
            assert_eq!(ResponseType::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_parameter_given_twice_is_refused() {
        assert!(params("a=1&b=2").is_ok());
        assert!(params("client_id=a&client_id=b").is_err());
    }

    proptest! {
        #[test]
        fn garbage_requests_never_panic(q in ".{0,300}", rt in ".{0,40}") {
            let _ = params(&q);
            let _ = ResponseType::parse(&rt);
            let _ = challenge_ok(&rt);
        }
    }
}
