use tracing_subscriber::EnvFilter;

/// Logs to stdout at `level` (WARD_LOG_LEVEL); `RUST_LOG` overrides for finer control.
pub fn init(level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},sqlx=warn,tower_sessions=warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
