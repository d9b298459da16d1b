//! `/start`, `/callback` and `/sign_out`: the outpost's OAuth code flow against Ward's own
//! authorize endpoint, and its end. These are served on the protected application's host (the
//! reverse proxy forwards `/outpost.goauthentik.io/` to Ward), so the provider is the one
//! serving the request's host.
use super::backend::Backend;
use super::redirect::{RedirectScope, redirect_target};
use super::state::SignIn;
use super::{believed, cookie, cookie_scope, internal, provider_for};
use app::ssr::outposts::{Outposted, Served};
use app::ssr::providers::proxy::{CALLBACK_SIGNATURE, OUTPOST_SCOPES};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

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
pub fn begin<B: Backend>(state: &B, outposted: &Outposted, p: &Served, rd: &str) -> Response {
    let sign_in = SignIn::new(p.provider_id, rd.to_string());
    let mut authorize = match url::Url::parse(&format!(
        "{}/application/o/authorize/",
        state.browser_host(outposted)
    )) {
        Ok(u) => u,
        Err(e) => return internal(format!("authentik_host is not a URL: {e}")),
    };
    authorize
        .query_pairs_mut()
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &callback_uri(p))
        .append_pair("response_type", "code")
        .append_pair("scope", &OUTPOST_SCOPES.join(" "))
        .append_pair("state", &sign_in.seal(state.state_key()));
    let set = cookie::set(
        &cookie::cookie_name(&p.client_id),
        &sign_in.cookie_value(),
        super::state::TTL_SECS,
        cookie_scope(p),
    );
    with_cookie(found(authorize.as_str()), &set)
}

/// The provider serving this request's host.
async fn provider<B: Backend>(
    state: &B,
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
    let outposted = state.outposted().await.map_err(internal)?;
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
pub async fn start<B: Backend>(
    State(state): State<B>,
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
pub async fn callback<B: Backend>(
    State(state): State<B>,
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
        .and_then(|s| SignIn::open(s, state.state_key(), cookie::read(&headers, &name)))
        .filter(|s| s.p == p.provider_id);
    let (Some(sign_in), Some(code)) = (sign_in, query.get("code")) else {
        // The authorize endpoint refused; or a stale or foreign state: start over.
        if query.contains_key("error") {
            return (StatusCode::FORBIDDEN, "the sign-in was refused").into_response();
        }
        return begin(&state, &outposted, p, &p.settings.external_host);
    };
    let made = state
        .sign_in(peer, &headers, &outposted, p, code, &callback_uri(p))
        .await;
    let fresh = match made {
        Ok(Some(c)) => c,
        // The user may not use the application, or the code was bad: never a session.
        Ok(None) => return (StatusCode::FORBIDDEN, "the sign-in was refused").into_response(),
        Err(e) => return internal(e),
    };
    let to = redirect_target(&sign_in.rd, scope(p))
        .map(|u| u.to_string())
        .unwrap_or_else(|| p.settings.external_host.clone());
    with_cookie(
        found(&to),
        &cookie::set(&name, &fresh.value, fresh.max_age, cookie_scope(p)),
    )
}

/// `/sign_out`: ends the proxy session and sends the browser to the application's
/// end-session endpoint (which runs the provider's invalidation flow).
pub async fn sign_out<B: Backend>(
    State(state): State<B>,
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
        && let Err(e) = state.sign_out(value).await
    {
        return internal(e);
    }
    let to = format!(
        "{}/application/o/{}/end-session/",
        state.browser_host(&outposted),
        p.app_slug
    );
    with_cookie(found(&to), &cookie::set(&name, "", 0, cookie_scope(p)))
}
