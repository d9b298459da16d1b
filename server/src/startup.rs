//! Building the application (database, migrations, defaults, router) and serving it.
use crate::config::Config;
use crate::protocols::proxy::PREFIX;
use crate::{exports, guards, health, metrics, request_id};
use app::ssr::db::embedded::EmbeddedPostgres;
use app::ssr::state::Settings;
use app::ssr::{AppState, db, flows, system};
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub struct Application {
    listener: TcpListener,
    state: AppState,
    embedded: Option<EmbeddedPostgres>,
    worker: bool,
    metrics: Option<TcpListener>,
    /// Blueprint directories and how often to look for changed files in them.
    blueprints: Option<(Vec<std::path::PathBuf>, std::time::Duration)>,
}

impl Application {
    /// Connects (starting the embedded cluster when no database URL is set), migrates, creates
    /// the default flows, bootstraps the admin if asked, and binds the listener.
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        config.ensure_secret_key()?;
        let (url, embedded) = match &config.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let pg = EmbeddedPostgres::start(&config.data_dir, false).await?;
                pg.ensure_database("ward").await?;
                tracing::info!("{}", pg.location());
                (pg.url("ward"), Some(pg))
            }
        };
        let pool = db::connect(&url).await.map_err(|e| {
            let hint = match config.database_url {
                Some(_) => "check WARD_DATABASE_URL and that the database is running",
                None => "the embedded PostgreSQL did not accept the connection",
            };
            anyhow::anyhow!("cannot connect to the database ({e}): {hint}.")
        })?;
        db::migrate(&pool).await?;
        flows::defaults::ensure(&pool).await?;
        app::ssr::certs::ensure_default(&pool, &config.secret_key.0).await?;
        if let Some(password) = config.bootstrap_password.take() {
            system::bootstrap(
                &pool,
                system::Bootstrap {
                    password,
                    email: config.bootstrap_email.take(),
                    token: config.bootstrap_token.take(),
                },
            )
            .await?;
        }
        // Blueprints from the data dir and (in the container) /blueprints; a broken one is
        // logged and recorded, and does not stop the start.
        let blueprint_dirs = vec![config.data_dir.join("blueprints"), "/blueprints".into()];
        app::ssr::blueprints::instances::sync(&pool, &config.secret_key.0, &blueprint_dirs, true)
            .await?;
        let listener = bind(config.listen, "", "WARD_LISTEN").await?;
        let metrics = match config.metrics_listen {
            Some(addr) => {
                let l = bind(addr, "metrics ", "WARD_LISTEN__METRICS").await?;
                // The recorder must exist before the first request is counted.
                metrics::handle();
                Some(l)
            }
            None => None,
        };
        let state = AppState {
            pool,
            leptos_options: crate::assets::leptos_options(
                std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()),
            ),
            settings: Arc::new(Settings {
                trusted_proxies: config.trusted_proxies.clone(),
                started: std::time::Instant::now(),
                secret_key: config.secret_key.0.clone(),
                email: Arc::new(config.email.clone()),
                public_url: config.public_url.clone(),
                data_dir: config.data_dir.clone(),
                blueprint_dirs: blueprint_dirs.clone(),
            }),
            oauth2: Arc::default(),
        };
        if system::setup_open(&state.pool).await? {
            let port = listener.local_addr()?.port();
            tracing::info!(
                "no admin yet: open http://localhost:{port}/if/flow/initial-setup/ to create one"
            );
        }
        Ok(Self {
            listener,
            state,
            embedded,
            worker: config.worker,
            metrics,
            blueprints: config.blueprints_watch.map(|every| (blueprint_dirs, every)),
        })
    }

    /// The port of the `/metrics` listener, if it is on.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM, then stops the embedded database.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then stops the embedded database.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let worker = self.worker.then(|| {
            let worker = app::ssr::jobs::Worker::new(self.state.pool.clone())
                .with_email(self.state.settings.email.clone());
            tokio::spawn(worker.run())
        });
        let caches = tokio::spawn(app::ssr::oauth2::cache::listen(
            self.state.pool.clone(),
            self.state.oauth2.clone(),
        ));
        let blueprints = self.blueprints.map(|(dirs, every)| {
            let pool = self.state.pool.clone();
            let key = self.state.settings.secret_key.clone();
            tokio::spawn(app::ssr::blueprints::instances::watch(
                pool, key, dirs, every,
            ))
        });
        let metrics = self.metrics.map(|listener| {
            let router = Router::new()
                .route("/metrics", get(metrics::render))
                .with_state(self.state.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            })
        });
        tracing::info!("listening on {}", self.listener.local_addr()?);
        let router = build_router(self.state);
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop)
        .await?;
        for task in [worker, metrics, blueprints].into_iter().flatten() {
            task.abort();
        }
        caches.abort();
        if let Some(pg) = self.embedded {
            pg.stop().await?;
        }
        Ok(())
    }
}

async fn pkg(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let root = std::path::PathBuf::from(state.leptos_options.site_root.as_ref());
    crate::assets::serve(&root, req).await
}

/// The whole HTTP surface. Pure: no I/O until a request comes.
pub fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(app::app::App);
    let sessions = SessionManagerLayer::new(app::ssr::session_store::Store::new(&state.pool))
        .with_name("ward_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // Secure is added per response by `guards::secure_cookies` when the request came over https.
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::days(1),
        ));
    let outpost = outpost_router(state.clone());
    let leptos_state = state.clone();
    let flow_client = crate::assets::flow_client(&state.leptos_options);
    Router::new()
        .route("/", get(|| async { guards::found("/if/user/") }))
        .route("/-/health/live/", get(health::live))
        .route("/-/health/ready/", get(health::ready))
        .route("/if/admin/events/export", get(exports::events))
        .route("/media/brands/{file}", get(crate::media::brand_file))
        .route("/pkg/{*file}", get(pkg))
        .merge(crate::rest::router())
        .merge(crate::protocols::oauth2::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                leptos::prelude::provide_context(leptos_state.clone());
                if let Some(client) = &flow_client {
                    leptos::prelude::provide_context(client.clone());
                }
            },
            {
                let options = state.leptos_options.clone();
                move || app::app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::interfaces,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::brand::attach,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::admin_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::cross_site,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::secure_cookies,
        ))
        .route_layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::limits::bound_body,
        ))
        .layer(axum::middleware::from_fn(crate::headers::security))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_id::assign,
        ))
        .layer(CompressionLayer::new())
        // Outermost: a proxy-mode application's requests are its own, untouched by Ward's
        // headers and compression; the outpost's endpoints have a stack of their own.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::protocols::proxy::serve::by_host::<AppState>,
        ))
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let outpost = outpost.clone();
                async move {
                    if req.uri().path().starts_with(PREFIX) {
                        use tower::ServiceExt;
                        outpost.oneshot(req).await.into_response()
                    } else {
                        next.run(req).await
                    }
                }
            },
        ))
        .with_state(state)
}

/// The embedded outpost's endpoints. Every request of every protected app asks one of them,
/// so they skip what only Ward's own pages need (brand, browser sessions, interface guards,
/// body limits, compression); they keep the request id, metrics and security headers.
fn outpost_router(state: AppState) -> Router {
    crate::protocols::proxy::routes::<AppState>()
        .route_layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(crate::headers::security))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_id::assign,
        ))
        .with_state(state)
}

/// A listener on `addr`, or one sentence saying which setting to change (`setting`; metrics
/// may also be turned off).
async fn bind(addr: SocketAddr, what: &str, setting: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        let problem = match e.kind() {
            std::io::ErrorKind::AddrInUse => "is already in use".to_string(),
            std::io::ErrorKind::PermissionDenied => {
                "needs privileges this process lacks (ports below 1024)".to_string()
            }
            std::io::ErrorKind::AddrNotAvailable => "is not an address of this machine".into(),
            _ => format!("cannot be used ({e})"),
        };
        let off = if what.is_empty() { "" } else { ", or to `off`" };
        anyhow::anyhow!(
            "the {what}address {addr} {problem}: set {setting} to another address{off}."
        )
    })
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
