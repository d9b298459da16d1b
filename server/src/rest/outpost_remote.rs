//! What a remote outpost asks of Ward: `outposts/proxy/` (authentik's `ProxyOutpostConfig`: the
//! proxy providers the calling outpost serves, with their OAuth2 client secrets) and
//! `POST outposts/instances/{uuid}/health/`, where each running instance reports itself (Ward
//! takes the report over HTTP where authentik's outposts use a websocket).
use super::auth::Caller;
use super::error::{ApiError, ApiResult, bad_body};
use super::outposts::{fetch, readable};
use super::page::{ListParams, Paginated, sort_by_text};
use crate::protocols::oauth2::validity;
use app::ssr::AppState;
use app::ssr::client;
use app::ssr::crypto::secret;
use app::ssr::outposts::remote::{self, ProxyConfig, Report};
use app::ssr::providers::proxy::{OUTPOST_SCOPES, ProxyMode};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// A proxy provider as an outpost serves it (authentik's `ProxyOutpostConfig`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProxyOutpostConfig {
    pub pk: String,
    pub name: String,
    pub internal_host: String,
    pub external_host: String,
    pub internal_host_ssl_validation: bool,
    pub client_id: String,
    pub client_secret: String,
    /// The provider's OpenID configuration (its endpoints on this server).
    #[schema(value_type = Object)]
    pub oidc_configuration: Value,
    /// A secret per provider for the outpost's own cookies, stable across restarts.
    pub cookie_secret: String,
    pub certificate: Option<String>,
    pub skip_path_regex: String,
    pub basic_auth_enabled: bool,
    pub basic_auth_user_attribute: String,
    pub basic_auth_password_attribute: String,
    pub mode: ProxyMode,
    pub cookie_domain: String,
    /// Seconds.
    pub access_token_validity: Option<f64>,
    pub intercept_header_auth: bool,
    pub scopes_to_request: Vec<String>,
    pub assigned_application_slug: String,
    pub assigned_application_name: String,
}

fn render(c: ProxyConfig, origin: &str, secret_key: &str) -> ProxyOutpostConfig {
    let s = c.served;
    let slug = &s.app_slug;
    let oidc = json!({
        "issuer": format!("{origin}/application/o/{slug}/"),
        "authorization_endpoint": format!("{origin}/application/o/authorize/"),
        "token_endpoint": format!("{origin}/application/o/token/"),
        "userinfo_endpoint": format!("{origin}/application/o/userinfo/"),
        "end_session_endpoint": format!("{origin}/application/o/{slug}/end-session/"),
        "introspection_endpoint": format!("{origin}/application/o/introspect/"),
        "jwks_uri": format!("{origin}/application/o/{slug}/jwks/"),
    });
    let cookie_secret = hex::encode(secret::digest(&format!(
        "{secret_key}\nproxy cookie secret\n{}",
        s.provider_id
    )));
    let validity = validity(&s.settings.access_token_validity, 3600) as f64;
    ProxyOutpostConfig {
        pk: s.provider_id.to_string(),
        internal_host: s.settings.internal_host.clone(),
        external_host: s.settings.external_host.clone(),
        internal_host_ssl_validation: s.settings.internal_host_ssl_validation,
        client_id: s.client_id,
        client_secret: c.client_secret,
        oidc_configuration: oidc,
        cookie_secret,
        certificate: s.settings.certificate.clone(),
        skip_path_regex: s.settings.skip_path_regex.clone(),
        basic_auth_enabled: s.settings.basic_auth_enabled,
        basic_auth_user_attribute: s.settings.basic_auth_user_attribute.clone(),
        basic_auth_password_attribute: s.settings.basic_auth_password_attribute.clone(),
        mode: s.settings.mode,
        cookie_domain: s.settings.cookie_domain.clone(),
        access_token_validity: Some(validity),
        intercept_header_auth: s.settings.intercept_header_auth,
        scopes_to_request: OUTPOST_SCOPES.iter().map(|s| s.to_string()).collect(),
        assigned_application_slug: s.app_slug,
        assigned_application_name: s.app_name,
        name: s.name,
    }
}

/// The proxy providers the calling outpost serves (all of them for a superuser).
#[utoipa::path(get, path = "/outposts/proxy/", tag = "outposts",
    operation_id = "outposts_proxy_list", params(ListParams),
    responses((status = 200, body = Paginated<ProxyOutpostConfig>), (status = 400), (status = 401), (status = 403)))]
pub async fn proxy_configs(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    caller: Caller,
    Query(params): Query<ListParams>,
) -> ApiResult<Json<Paginated<ProxyOutpostConfig>>> {
    let only = readable(&state, &caller).await?;
    let req = params.page()?;
    let (_, descending) = params.ordering(&["name"], "name")?;
    let search = params.search().to_lowercase();
    let origin = client::origin(peer, &headers, &state.settings.trusted_proxies);
    let key = &state.settings.secret_key;
    let mut out: Vec<ProxyOutpostConfig> = remote::proxy_configs(&state.pool, key, only)
        .await?
        .into_iter()
        .map(|c| render(c, &origin, key))
        .filter(|c| search.is_empty() || c.name.to_lowercase().contains(&search))
        .collect();
    sort_by_text(&mut out, descending, |c| c.name.to_lowercase());
    Ok(Json(Paginated::of_all(req, out)?))
}

/// What an instance reports.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OutpostReport {
    /// The instance's id, stable while it runs.
    pub uid: String,
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub version: String,
    /// False when the instance stops (it is then no longer shown as running).
    #[serde(default = "running")]
    pub running: bool,
}

fn running() -> bool {
    true
}

/// An instance of the outpost reports that it runs (or stops): its health.
#[utoipa::path(post, path = "/outposts/instances/{uuid}/health/", tag = "outposts",
    operation_id = "outposts_instances_health_create", params(("uuid" = String, Path)),
    request_body = OutpostReport,
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    body: Result<Json<OutpostReport>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let outpost = fetch(&state, &caller, &pk).await?;
    let Json(body) = body.map_err(bad_body)?;
    let r = Report {
        uid: body.uid,
        hostname: body.hostname,
        version: body.version,
        running: body.running,
    };
    let errors = remote::check(&r);
    if !errors.is_empty() {
        return Err(ApiError::Fields(errors));
    }
    remote::report(&state.pool, outpost.id, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(proxy_configs, report))]
pub struct Doc;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/outposts/proxy/", axum::routing::get(proxy_configs))
}
