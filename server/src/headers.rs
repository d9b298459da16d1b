//! Headers every response carries: no MIME sniffing, no referrer to other sites, no framing by
//! other sites, and a Content-Security-Policy on every HTML page. Pages Leptos renders set their
//! own policy with the render's nonce (`app::ssr::csp::attach`); other HTML gets the one without.
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub async fn security(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // For browsers that predate `frame-ancestors`.
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html
        && !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&app::ssr::csp::policy(None))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}
