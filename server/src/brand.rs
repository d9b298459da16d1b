//! Resolves the request's brand once, from its Host, and keeps it in the request extensions
//! for the guards, the HTML shell and the server fns.
use app::ssr::{AppState, brands};
use app::types::brands::Brand;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

pub async fn attach(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let static_file = ["/pkg/", "/media/", "/-/health/", "/favicon"]
        .iter()
        .any(|p| path.starts_with(p));
    if !static_file {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().host())
            .unwrap_or_default()
            .to_string();
        let brand = match brands::resolve(&state.pool, &host).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "could not resolve the brand");
                Brand::default()
            }
        };
        req.extensions_mut().insert(brand);
    }
    next.run(req).await
}
