//! Resolves the request's brand once, from its Host, and keeps it in the request extensions
//! for the guards, the HTML shell and the server fns.
use app::ssr::{AppState, brands, sessions};
use app::types::brands::Brand;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

/// Machine-to-machine OAuth2 endpoints: no page, no brand (they answer thousands of requests a
/// second, each one a database round trip less).
const WITHOUT_BRAND: [&str; 5] = [
    "/application/o/token/",
    "/application/o/introspect/",
    "/application/o/revoke/",
    "/application/o/userinfo/",
    "/application/o/device/",
];

/// Whether a request's answer can depend on its brand (pages, flows, the API's brand objects).
fn needs_brand(path: &str) -> bool {
    let static_file = ["/pkg/", "/media/", "/-/health/", "/favicon"]
        .iter()
        .any(|p| path.starts_with(p));
    let machine = WITHOUT_BRAND.contains(&path)
        || (path.starts_with("/application/o/")
            && (path.ends_with("/jwks/") || path.ends_with("/.well-known/openid-configuration")));
    !(static_file || machine)
}

pub async fn attach(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if needs_brand(req.uri().path()) {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().host())
            .unwrap_or_default()
            .to_string();
        let name = brands::host_name(&host);
        let brand = match state.oauth2.brand(&name) {
            Some(b) => Brand::clone(&b),
            None => match brands::resolve(&state.pool, &name).await {
                Ok(b) => {
                    state
                        .oauth2
                        .put_brand(&name, std::sync::Arc::new(b.clone()));
                    b
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not resolve the brand");
                    Brand::default()
                }
            },
        };
        req.extensions_mut().insert(brand);
    }
    // The request's handling remembers the signed-in user once found.
    sessions::remembering(next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::needs_brand;

    #[test]
    fn pages_and_flows_get_a_brand_token_endpoints_do_not() {
        for path in [
            "/if/flow/default-authentication-flow/",
            "/application/o/authorize/",
            "/device",
            "/api/v3/core/brands/",
        ] {
            assert!(needs_brand(path), "{path}");
        }
        for path in [
            "/application/o/token/",
            "/application/o/introspect/",
            "/application/o/app/jwks/",
            "/pkg/x.js",
        ] {
            assert!(!needs_brand(path), "{path}");
        }
    }
}
