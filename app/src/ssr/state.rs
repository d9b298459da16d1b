//! Shared application state: handed to handlers by axum and to server fns through context.
use axum::extract::FromRef;
use ipnetwork::IpNetwork;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    /// This process's OAuth2 caches (clients, live tokens), dropped on every change.
    pub oauth2: Arc<crate::ssr::oauth2::cache::Caches>,
}

/// Runtime settings the domain needs (a subset of the server's config).
pub struct Settings {
    /// Peers whose X-Forwarded-For / X-Forwarded-Proto are believed.
    pub trusted_proxies: Vec<IpNetwork>,
    /// When this process started, for the uptime the dashboard shows.
    pub started: std::time::Instant,
    /// WARD_SECRET_KEY: private keys at rest are sealed with a key derived from it.
    pub secret_key: String,
    pub email: std::sync::Arc<crate::ssr::email::EmailConfig>,
    /// Where people reach Ward (WARD_PUBLIC_URL), for links in emails.
    pub public_url: String,
    /// WARD_DATA_DIR: uploaded media live under `<data_dir>/media`.
    pub data_dir: std::path::PathBuf,
    /// Where Ward applies blueprint files from (`<data_dir>/blueprints`, `/blueprints`): only
    /// files in these are ever applied on an admin's request.
    pub blueprint_dirs: Vec<std::path::PathBuf>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> Self {
        state.pool.clone()
    }
}
