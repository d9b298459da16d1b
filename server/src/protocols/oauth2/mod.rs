//! OAuth2 / OpenID Connect provider endpoints under authentik's paths. Token minting, client
//! authentication and grants live here once and are shared with the proxy provider.
mod assertion;
mod authorize;
mod claims;
mod client_auth;
mod cors;
mod device;
mod discovery;
mod end_session;
mod errors;
pub(crate) mod grants;
mod keys;
mod machine;
mod pages;
mod register;
pub(crate) mod token;
pub use token::payload;
mod userinfo;

use app::ssr::AppState;
use app::ssr::client::{self, ClientInfo};
use app::ssr::flows::executor::{Cookies, Env};
use app::ssr::providers::clients::OAuthClient;
use app::ssr::stages::user_login::duration_secs;
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use sqlx::PgPool;
use std::net::SocketAddr;
use tower_sessions::Session;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(authorize::PATH, get(authorize_get).post(authorize_post))
        .route(
            "/application/o/token/",
            post(token::handle).options(cors::preflight_clients),
        )
        .route("/application/o/device/", post(device::authorize))
        .route("/device", get(device::entry))
        .route(
            "/application/o/userinfo/",
            get(userinfo::handle)
                .post(userinfo::handle)
                .options(cors::preflight_clients),
        )
        .route("/application/o/introspect/", post(token::introspect))
        .route("/application/o/revoke/", post(token::revoke))
        .route("/application/o/{slug}/", get(discovery::root))
        .route(
            "/application/o/{slug}/.well-known/openid-configuration",
            get(discovery::configuration).options(cors::preflight_public),
        )
        .route(
            "/application/o/{slug}/jwks/",
            get(discovery::jwks).options(cors::preflight_anyone),
        )
        .route("/application/o/{slug}/register/", post(register::handle))
        .route(
            "/application/o/{slug}/end-session/",
            get(end_session::handle).post(end_session::handle),
        )
        .route(
            "/.well-known/oauth-authorization-server/application/o/{slug}/",
            get(discovery::configuration).options(cors::preflight_public),
        )
        // The issuer `<origin>/` of providers in the global issuer mode.
        .route(
            "/.well-known/openid-configuration",
            get(discovery::global_configuration).options(cors::preflight_public),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::global_configuration).options(cors::preflight_public),
        )
}

/// What every endpoint needs from the request.
pub struct Endpoint<'a> {
    pub state: &'a AppState,
    pub pool: &'a PgPool,
    pub secret_key: &'a str,
    /// This site's origin as the browser sees it (through trusted proxies).
    pub origin: String,
    pub client: ClientInfo,
    /// The brand's authentication flow, for people not signed in.
    pub authentication_flow: String,
    pub cookies: Cookies,
}

impl<'a> Endpoint<'a> {
    pub fn new(
        state: &'a AppState,
        peer: SocketAddr,
        headers: &HeaderMap,
        brand_flow: Option<&str>,
    ) -> Self {
        let trusted = &state.settings.trusted_proxies;
        Self {
            state,
            pool: &state.pool,
            secret_key: &state.settings.secret_key,
            origin: client::origin(peer, headers, trusted),
            client: ClientInfo::from_request(peer, headers, trusted),
            authentication_flow: brand_flow
                .unwrap_or("default-authentication-flow")
                .to_string(),
            cookies: Cookies {
                header: headers
                    .get(header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string(),
                ..Cookies::default()
            },
        }
    }

    pub fn env<'s>(&'s self, session: &'s Session) -> Env<'s> {
        Env {
            pool: self.pool,
            caches: &self.state.oauth2,
            session,
            client: &self.client,
            origin: &self.origin,
            secret_key: self.secret_key,
            cookies: &self.cookies,
        }
    }
}

/// Records a refused protocol request (a bad client secret, a reused code …).
pub async fn event_refused(ep: &Endpoint<'_>, reason: &str, client_id: &str) {
    use app::ssr::events::{self, NewEvent, action};
    let event = NewEvent {
        action: action::SUSPICIOUS_REQUEST,
        user: None,
        client_ip: Some(ep.client.ip),
        context: serde_json::json!({ "reason": reason, "client_id": client_id.chars().take(255).collect::<String>() }),
    };
    if let Err(e) = events::record(ep.pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
}

/// The issuer of a client's tokens: per provider (`<origin>/application/o/<slug>/`, authentik's
/// default) or one for the whole installation (`<origin>/`).
pub fn issuer(origin: &str, client: &OAuthClient) -> String {
    match client.settings.issuer_mode.as_str() {
        "global" => format!("{origin}/"),
        _ => format!("{origin}/application/o/{}/", client.application.slug),
    }
}

/// The scopes a client offers.
pub fn offered_scopes(client: &OAuthClient) -> Vec<&str> {
    client.scopes.iter().map(|s| s.name.as_str()).collect()
}

/// Seconds of one of the provider's validity settings (checked when saved; `default` if not).
pub fn validity(text: &str, default: i64) -> i64 {
    duration_secs(text).ok().flatten().unwrap_or(default)
}

async fn authorize_get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    req: Request,
) -> Response {
    let query = req.uri().query().unwrap_or_default().to_string();
    authorize_with(
        state,
        peer,
        session,
        req.headers().clone(),
        brand_flow(&req),
        query,
    )
    .await
}

async fn authorize_post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let flow = brand_flow(&req);
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let query = String::from_utf8_lossy(&body).into_owned();
    authorize_with(state, peer, session, headers, flow, query).await
}

fn brand_flow(req: &Request) -> Option<String> {
    req.extensions()
        .get::<app::types::brands::Brand>()
        .map(|b| b.authentication_flow().to_string())
}

async fn authorize_with(
    state: AppState,
    peer: SocketAddr,
    session: Session,
    headers: HeaderMap,
    brand_flow: Option<String>,
    query: String,
) -> Response {
    let ep = Endpoint::new(&state, peer, &headers, brand_flow.as_deref());
    let mut res = authorize::handle(&ep, &session, &query).await;
    for cookie in ep.cookies.taken() {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}
