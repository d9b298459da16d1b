//! Discovery (OIDC Discovery 1.0, RFC 8414) and the JWKS, per application, in authentik's
//! shapes: an application configured for authentik finds the same document here. The
//! installation's root answers for the provider in the global issuer mode.
use super::cors::{self, Audience};
use super::{Endpoint, issuer, keys, offered_scopes};
use app::ssr::AppState;
use app::ssr::providers::clients::{self, OAuthClient};
use app::types::brands::Brand;
use axum::Json;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::net::SocketAddr;

async fn client(ep: &Endpoint<'_>, slug: &str) -> Result<OAuthClient, Response> {
    match clients::by_application(ep.pool, ep.secret_key, slug).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(e) => {
            tracing::error!(error = %e, "discovery failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// `/application/o/<slug>/` → its discovery document.
pub async fn root(Path(slug): Path<String>) -> Response {
    if app::ssr::applications::check_slug(&slug).is_err() {
        return StatusCode::NOT_FOUND.into_response();
    }
    crate::guards::found(&format!(
        "/application/o/{slug}/.well-known/openid-configuration"
    ))
}

/// CORS for a public answer (see `cors`).
fn with_cors(headers: &HeaderMap, audience: Audience<'_>, mut res: Response) -> Response {
    cors::allow(headers, audience, &mut res);
    res
}

pub fn document(origin: &str, c: &OAuthClient, alg: &str) -> Value {
    let slug = &c.application.slug;
    let o = |path: &str| format!("{origin}{path}");
    let mut scopes: Vec<&str> = offered_scopes(c);
    if !scopes.contains(&"openid") {
        scopes.push("openid");
    }
    let mut claims = vec![
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "amr",
        "nonce",
        "sid",
        "email",
        "email_verified",
        "name",
        "given_name",
        "preferred_username",
        "nickname",
        "groups",
        "entitlements",
        "roles",
    ];
    for key in c.scopes.iter().flat_map(|s| &s.attribute_claims) {
        if !claims.contains(&key.as_str()) {
            claims.push(key);
        }
    }
    let mut doc = json!({
        "issuer": issuer(origin, c),
        "authorization_endpoint": o("/application/o/authorize/"),
        "token_endpoint": o("/application/o/token/"),
        "userinfo_endpoint": o("/application/o/userinfo/"),
        "end_session_endpoint": o(&format!("/application/o/{slug}/end-session/")),
        "introspection_endpoint": o("/application/o/introspect/"),
        "revocation_endpoint": o("/application/o/revoke/"),
        "device_authorization_endpoint": o("/application/o/device/"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "jwks_uri": o(&format!("/application/o/{slug}/jwks/")),
        "grant_types_supported": c.settings.grant_types,
        "id_token_signing_alg_values_supported": [alg],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "acr_values_supported": [super::claims::ACR],
        "scopes_supported": scopes,
        "request_parameter_supported": false,
        "claims_supported": claims,
        "claims_parameter_supported": false,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    });
    if c.settings.dynamic_client_registration {
        doc["registration_endpoint"] = json!(o(&format!("/application/o/{slug}/register/")));
    }
    doc
}

/// The client of `slug` and its signer, or the answer when there is none (404, or 500 for a
/// signing key that cannot be used).
async fn signed_client(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    slug: &str,
) -> Result<(String, OAuthClient, std::sync::Arc<keys::Signer>), Response> {
    let ep = Endpoint::new(state, peer, headers, None);
    let c = client(&ep, slug).await?;
    match keys::signer(ep.pool, ep.secret_key, &c).await {
        Ok(s) => Ok((ep.origin, c, s)),
        Err(e) => {
            tracing::error!(error = %e, "signing key unusable");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

pub async fn configuration(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    configuration_of(&state, peer, &headers, &slug).await
}

async fn configuration_of(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    slug: &str,
) -> Response {
    match signed_client(state, peer, headers, slug).await {
        // As authentik: the origins of the client's redirect URIs with credentials; the
        // document is public, so any other origin without.
        Ok((origin, c, signer)) => with_cors(
            headers,
            Audience::RegisteredElseAnyone(&c.settings.redirect_uris),
            Json(document(&origin, &c, signer.alg_name())).into_response(),
        ),
        Err(r) => r,
    }
}

/// `/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`: where
/// OIDC Discovery §4 and RFC 8414 §3 put the document of the issuer `<origin>/`, the one of
/// providers in the global issuer mode. That is the only such provider's, or among several
/// the one of the brand's default application; with none, 404 saying why.
pub async fn global_configuration(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let default_application = req
        .extensions()
        .get::<Brand>()
        .map(|b| b.form.default_application.clone())
        .unwrap_or_default();
    let slugs = match clients::global_issuer_slugs(&state.pool).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "discovery failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match global_provider(&slugs, &default_application) {
        Ok(slug) => configuration_of(&state, peer, req.headers(), slug).await,
        Err(why) => {
            let body = json!({ "error": "not_found", "error_description": why });
            with_cors(
                req.headers(),
                Audience::Anyone,
                (StatusCode::NOT_FOUND, Json(body)).into_response(),
            )
        }
    }
}

/// The application whose provider answers for the global issuer, among `global` (the slugs of
/// those in the global issuer mode), or why there is none.
fn global_provider<'a>(global: &'a [String], default_application: &str) -> Result<&'a str, String> {
    match global {
        [] => Err("No OAuth2 provider uses the global issuer mode; each provider's document is at /application/o/<slug>/.well-known/openid-configuration.".into()),
        [only] => Ok(only),
        several => several
            .iter()
            .find(|s| *s == default_application)
            .map(String::as_str)
            .ok_or_else(|| {
                format!(
                    "{} OAuth2 providers use the global issuer mode and the brand's default application is none of them ({}); make it one, or leave one provider in that mode.",
                    several.len(),
                    several.join(", ")
                )
            }),
    }
}

/// The public keys tokens are signed with; `{}` for HS256 providers, as authentik.
pub async fn jwks(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    match signed_client(&state, peer, &headers, &slug).await {
        Ok((_, _, signer)) => {
            let body = match &signer.jwk {
                Some(jwk) => json!({ "keys": [jwk] }),
                None => json!({}),
            };
            with_cors(&headers, Audience::Anyone, Json(body).into_response())
        }
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::global_provider;

    #[test]
    fn the_only_global_provider_or_the_brand_default_among_several() {
        let one = vec!["wiki".to_string()];
        assert_eq!(global_provider(&one, ""), Ok("wiki"));
        assert_eq!(global_provider(&one, "other"), Ok("wiki"));
        let two = vec!["chat".to_string(), "wiki".to_string()];
        assert_eq!(global_provider(&two, "wiki"), Ok("wiki"));
        let why = global_provider(&two, "other").expect_err("ambiguous");
        assert!(why.contains("chat, wiki"), "{why}");
        assert!(global_provider(&two, "").is_err());
        let none = global_provider(&[], "wiki").expect_err("none");
        assert!(none.contains("global issuer mode"), "{none}");
    }
}
