//! Request guards in front of the app: cross-site server-fn calls, access to the interfaces,
//! and the Secure cookie flag behind https.
use app::ssr::client::{self, ClientInfo};
use app::ssr::events::{self, NewEvent, action};
use app::ssr::{AppState, sessions, users};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::net::SocketAddr;
use tower_sessions::Session;

pub(crate) fn peer(req: &Request) -> SocketAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)))
}

/// Server functions (and REST calls on the session cookie) answer only to this site's own pages:
/// a browser request that says it comes from another site (Sec-Fetch-Site) or another origin
/// (Origin) is refused and logged.
pub async fn cross_site(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // The REST API with a bearer token carries no ambient credential: only its session calls
    // are guarded.
    let api_session_call =
        path.starts_with(crate::rest::PREFIX) && !req.headers().contains_key(header::AUTHORIZATION);
    let guarded = (path.starts_with(app::api::PREFIX) || api_session_call)
        && !matches!(*req.method(), Method::GET | Method::HEAD);
    if !guarded {
        return next.run(req).await;
    }
    let peer = peer(&req);
    let trusted = &state.settings.trusted_proxies;
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross_fetch = fetch_site.is_some_and(|s| s != "same-origin" && s != "none");
    let own = client::origin(peer, headers, trusted);
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let cross_origin = origin.is_some_and(|o| !o.eq_ignore_ascii_case(&own));
    if !(cross_fetch || cross_origin) {
        return next.run(req).await;
    }
    let client = ClientInfo::from_request(peer, headers, trusted);
    let context = serde_json::json!({
        "reason": "cross-site request to a server function",
        "path": path,
        "origin": origin,
        "sec_fetch_site": fetch_site,
    });
    if let Err(e) = events::record(
        &state.pool,
        NewEvent {
            action: action::SUSPICIOUS_REQUEST,
            user: None,
            client_ip: Some(client.ip),
            context,
        },
    )
    .await
    {
        tracing::error!(error = %e, "could not record event");
    }
    (
        StatusCode::FORBIDDEN,
        "Cross-site requests are not allowed.",
    )
        .into_response()
}

/// `/if/user/` and `/if/admin/` need a signed-in user (else: to the login flow, and back after);
/// `/if/admin/` needs a superuser (else 403).
pub async fn interfaces(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let admin = path.starts_with("/if/admin/");
    if !(admin || path.starts_with("/if/user/")) {
        return next.run(req).await;
    }
    let user = match sessions::current_user(&state.pool, &session).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(user) = user else {
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or(path);
        let flow = req
            .extensions()
            .get::<app::types::brands::Brand>()
            .map(|b| b.authentication_flow())
            .unwrap_or("default-authentication-flow");
        let location = format!("/if/flow/{}/?next={}", encode(flow), encode(target));
        return found(&location);
    };
    if admin
        && !users::is_superuser(&state.pool, user.id)
            .await
            .unwrap_or(false)
    {
        let client =
            ClientInfo::from_request(peer(&req), req.headers(), &state.settings.trusted_proxies);
        let event = NewEvent {
            action: action::ACCESS_DENIED,
            user: Some((user.id, &user.username)),
            client_ip: Some(client.ip),
            context: serde_json::json!({ "path": path, "reason": "the admin interface needs a superuser" }),
        };
        if let Err(e) = events::record(&state.pool, event).await {
            tracing::error!(error = %e, "could not record event");
        }
        let css = crate::assets::stylesheet_href(&state.leptos_options);
        return (
            StatusCode::FORBIDDEN,
            Html(FORBIDDEN_PAGE.replace("{stylesheet}", &css)),
        )
            .into_response();
    }
    next.run(req).await
}

/// A 302 redirect, as authentik answers (axum's `Redirect::to` is a 303).
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

const FORBIDDEN_PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Forbidden – Ward</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="{stylesheet}"></head>
<body class="min-h-screen bg-slate-100 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
<main class="mx-auto flex min-h-screen max-w-md flex-col items-center justify-center gap-3 p-6 text-center">
<p class="text-6xl font-bold text-slate-400">403</p><h1 class="text-xl font-semibold">Forbidden</h1>
<p>You do not have access to the admin interface.</p>
<a class="text-indigo-600 hover:underline" href="/if/user/">Go to your applications</a></main></body></html>"#;

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Adds `Secure` to our cookies when the browser talks https to us (directly or via a trusted proxy).
pub async fn secure_cookies(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = client::origin(peer(&req), req.headers(), &state.settings.trusted_proxies)
        .starts_with("https://");
    let mut res = next.run(req).await;
    if https {
        let cookies: Vec<HeaderValue> = res
            .headers_mut()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        res.headers_mut().remove(header::SET_COOKIE);
        for c in cookies {
            let secured = c
                .to_str()
                .ok()
                .filter(|s| !s.contains("; Secure"))
                .and_then(|s| HeaderValue::from_str(&format!("{s}; Secure")).ok())
                .unwrap_or(c);
            res.headers_mut().append(header::SET_COOKIE, secured);
        }
    }
    res
}

/// Admin writes (the REST API's and the admin interface's) drop this process's caches before
/// they answer, so the next request already sees the change; other processes learn of it from
/// the database's change notices (`app::ssr::oauth2::cache`).
pub async fn admin_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && (path.starts_with(crate::rest::PREFIX) || path.starts_with(ADMIN_FNS));
    let res = next.run(req).await;
    if write {
        state.oauth2.clear();
    }
    res
}

/// The admin interface's server functions.
const ADMIN_FNS: &str = "/-/fn/admin/";

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_next_parameter() {
        assert_eq!(super::encode("/if/admin/?a=b&c"), "/if/admin/%3Fa%3Db%26c");
    }
}
