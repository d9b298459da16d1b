use tracing_subscriber::EnvFilter;

/// Logs to stdout at `level` (WARD_LOG_LEVEL), as text or one JSON object per line
/// (WARD_LOG_FORMAT=json) that carries the request id of its request; `RUST_LOG` overrides the
/// level for finer control.
pub fn init(level: &str, json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},sqlx=warn,tower_sessions=warn")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}
