//! `/start`, `/callback` and `/sign_out`: the outpost's OAuth code flow against Ward's own
//! authorize endpoint, and its end. These are served on the protected application's host (the
//! reverse proxy forwards `/outpost.goauthentik.io/` to Ward), so the provider is the one
//! serving the request's host.
use super::redirect::{RedirectScope, redirect_target};
use super::state::SignIn;
use super::{believed, browser_host, cookie, cookie_scope, internal, provider_for};
use crate::protocols::oauth2::{Endpoint, token, validity};
use app::ssr::AppState;
use app::ssr::outposts::{self, Outposted, Served};
use app::ssr::providers::clients;
use app::ssr::providers::proxy::{CALLBACK_SIGNATURE, sessions};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The scopes the outpost asks for (authentik's proxy outpost: its own mapping included).
const SCOPES: &str = "openid email profile entitlements ak_proxy";

/// The outpost's redirect URI for a provider (one of those the provider derives).
fn callback_uri(p: &Served) -> String {
    format!(
        "{}/outpost.goauthentik.io/callback?{CALLBACK_SIGNATURE}=true",
        p.settings.external_host.trim_end_matches('/')
    )
}

fn found(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => internal("a redirect that is not a header value"),
    }
}

fn with_cookie(mut res: Response, set_cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(set_cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Starts a sign-in that comes back to `rd`: a pending cookie bound to the sealed state, and a
/// redirect to the authorize endpoint.
pub fn begin(state: &AppState, outposted: &Arc<Outposted>, p: &Served, rd: &str) -> Response {
    let sign_in = SignIn::new(p.provider_id, rd.to_string());
    let mut authorize = match url::Url::parse(&format!(
        "{}/application/o/authorize/",
        browser_host(state, outposted)
    )) {
        Ok(u) => u,
        Err(e) => return internal(format!("authentik_host is not a URL: {e}")),
    };
    authorize
        .query_pairs_mut()
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &callback_uri(p))
        .append_pair("response_type", "code")
        .append_pair("scope", SCOPES)
        .append_pair("state", &sign_in.seal(&state.settings.secret_key));
    let set = cookie::set(
        &cookie::cookie_name(&p.client_id),
        &sign_in.cookie_value(),
        super::state::TTL_SECS,
        cookie_scope(p),
    );
    with_cookie(found(authorize.as_str()), &set)
}

/// The provider serving this request's host.
async fn provider(
    state: &AppState,
    peer: SocketAddr,
    raw: &HeaderMap,
) -> Result<(Arc<Outposted>, HeaderMap, usize), Response> {
    let headers = believed(peer, raw, state);
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let outposted = outposts::cached_embedded(state).await.map_err(internal)?;
    let at = provider_for(&outposted, &host)
        .map(|p| p.provider_id)
        .and_then(|id| outposted.served.iter().position(|s| s.provider_id == id))
        .ok_or_else(|| (StatusCode::BAD_REQUEST, "no provider serves this host").into_response())?;
    Ok((outposted, headers, at))
}

fn scope(p: &Served) -> RedirectScope<'_> {
    RedirectScope {
        mode: p.settings.mode,
        external_host: &p.external_url,
        cookie_domain: &p.settings.cookie_domain,
    }
}

/// `/start?rd=…`: nginx sends browsers here after a 401.
pub async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let (outposted, _, at) = match provider(&state, peer, req.headers()).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let p = &outposted.served[at];
    // An `rd` outside the provider's host or cookie domain is ignored, not followed.
    let rd = query
        .get("rd")
        .and_then(|rd| redirect_target(rd, scope(p)))
        .map(|u| u.to_string())
        .unwrap_or_else(|| p.settings.external_host.clone());
    begin(&state, &outposted, p, &rd)
}

/// `/callback`: redeems the code for the browser that started the sign-in, stores the
/// session and sends the browser where it was going.
pub async fn callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let (outposted, headers, at) = match provider(&state, peer, req.headers()).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let p = &outposted.served[at];
    let name = cookie::cookie_name(&p.client_id);
    let sign_in = query
        .get("state")
        .and_then(|s| SignIn::open(s, &state.settings.secret_key, cookie::read(&headers, &name)))
        .filter(|s| s.p == p.provider_id);
    let (Some(sign_in), Some(code)) = (sign_in, query.get("code")) else {
        // The authorize endpoint refused; or a stale or foreign state: start over.
        if query.contains_key("error") {
            return (StatusCode::FORBIDDEN, "the sign-in was refused").into_response();
        }
        return begin(&state, &outposted, p, &p.settings.external_host);
    };
    let client = match clients::cached(&state, &p.client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return (StatusCode::BAD_REQUEST, "no provider serves this host").into_response();
        }
        Err(e) => return internal(e),
    };
    // The tokens are Ward's (issuer, JWKS), not the application host's the callback came on.
    let mut ep = Endpoint::new(&state, peer, &headers, None);
    ep.origin = browser_host(&state, &outposted);
    let redeemed = match token::redeem_code(&ep, &client, code, Some(&callback_uri(p)), None).await
    {
        Ok(r) => r,
        // The user may not use the application, or the code was bad: never a session.
        Err(e) => {
            tracing::info!(error = ?e, provider = %p.name, "proxy sign-in refused");
            return (StatusCode::FORBIDDEN, "the sign-in was refused").into_response();
        }
    };
    let field = |k: &str| redeemed.response.get(k).and_then(Value::as_str);
    let (Some(access), Some(claims)) = (
        field("access_token"),
        field("id_token").and_then(token::payload),
    ) else {
        return internal("the code exchange gave no ID token");
    };
    let ttl = validity(&p.settings.access_token_validity, 3600);
    let value = match sessions::create(
        &state.pool,
        &state.settings.secret_key,
        &sessions::NewSession {
            provider_id: p.provider_id,
            user_id: redeemed.user_id,
            session_id: redeemed.session_id,
            claims: &claims,
            token: access,
            ttl_secs: ttl,
        },
    )
    .await
    {
        Ok(v) => v,
        Err(e) => return internal(e),
    };
    let to = redirect_target(&sign_in.rd, scope(p))
        .map(|u| u.to_string())
        .unwrap_or_else(|| p.settings.external_host.clone());
    with_cookie(
        found(&to),
        &cookie::set(&name, &value, ttl, cookie_scope(p)),
    )
}

/// `/sign_out`: ends the proxy session and sends the browser to the application's
/// end-session endpoint (which runs the provider's invalidation flow).
pub async fn sign_out(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (outposted, headers, at) = match provider(&state, peer, req.headers()).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let p = &outposted.served[at];
    let name = cookie::cookie_name(&p.client_id);
    if let Some(value) = cookie::read(&headers, &name)
        && let Err(e) = sessions::end(&state.pool, value).await
    {
        return internal(e);
    }
    // The session's cache entry goes with the notice the delete sends; this process's now.
    state.oauth2.clear();
    let to = format!(
        "{}/application/o/{}/end-session/",
        browser_host(&state, &outposted),
        p.app_slug
    );
    with_cookie(found(&to), &cookie::set(&name, "", 0, cookie_scope(p)))
}
