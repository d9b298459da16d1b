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

/// How a failed start or command is reported: one line (the error and its causes) for people,
/// the full report with causes and any backtrace only when WARD_LOG_LEVEL is debug or trace.
pub fn error_report(e: &anyhow::Error) -> String {
    let level = std::env::var("WARD_LOG_LEVEL").unwrap_or_default();
    report(e, matches!(level.trim(), "debug" | "trace"))
}

fn report(e: &anyhow::Error, debug: bool) -> String {
    if debug {
        return format!("{e:?}");
    }
    format!("{e:#}")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::report;
    use anyhow::Context;

    #[test]
    fn errors_are_one_line_unless_debugging() {
        let e = Err::<(), _>(std::io::Error::other("disk\nfull"))
            .context("cannot write the key")
            .expect_err("error");
        assert_eq!(report(&e, false), "cannot write the key: disk full");
        let full = report(&e, true);
        assert!(full.contains("Caused by:"), "{full}");
    }
}
