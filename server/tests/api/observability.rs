use crate::helpers::{TestApp, spawn_app, spawn_app_untrusting};
use serde_json::json;

async fn scrape(app: &TestApp) -> prometheus_parse::Scrape {
    let port = app.metrics_port.expect("metrics listener");
    let res = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain; version=0.0.4")
    );
    let body = res.text().await.expect("body");
    let lines = body.lines().map(|l| Ok(l.to_owned()));
    prometheus_parse::Scrape::parse(lines).expect("Prometheus text format")
}

/// The sum of a counter's samples whose labels include `labels`.
fn counter(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

#[tokio::test]
async fn metrics_parse_and_count_logins_and_requests() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    // Apps share one recorder in this test process: compare before and after.
    let before = scrape(&app).await;
    app.login("jane", "jane-password-1").await;
    app.new_browser().login("jane", "wrong-password").await;
    let after = scrape(&app).await;
    let ok = [("result", "success")];
    let failed = [("result", "failure")];
    assert!(
        counter(&after, "ward_logins_total", &ok)
            >= counter(&before, "ward_logins_total", &ok) + 1.0
    );
    assert!(
        counter(&after, "ward_logins_total", &failed)
            >= counter(&before, "ward_logins_total", &failed) + 1.0
    );
    let submit = [("route", "/-/fn/flow/submit"), ("status", "200")];
    assert!(
        counter(&after, "ward_http_requests_total", &submit)
            >= counter(&before, "ward_http_requests_total", &submit) + 4.0
    );
    // Latencies are histograms (with buckets), not summaries.
    for name in [
        "ward_http_request_duration_seconds",
        "ward_flow_stage_duration_seconds",
    ] {
        assert!(
            after.samples.iter().any(|s| s.metric == name
                && matches!(&s.value, prometheus_parse::Value::Histogram(b) if b.len() > 5)),
            "{name} is a histogram"
        );
    }
    assert!(
        after
            .samples
            .iter()
            .any(|s| s.metric == "ward_db_pool_connections")
    );
}

#[tokio::test]
async fn requests_carry_an_id_into_their_events() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.load_flow("default-authentication-flow", &[]).await;
    app.submit("default-authentication-flow", &[("uid_field", "jane")])
        .await;
    let res = app
        .client
        .post(app.url("/-/fn/flow/submit"))
        .header("x-request-id", "trace-from-proxy-1")
        .form(&[
            ("slug", "default-authentication-flow"),
            ("fields[password]", "jane-password-1"),
        ])
        .send()
        .await
        .expect("submit");
    assert_eq!(res.headers()["x-request-id"], "trace-from-proxy-1");
    let logins = app.events("login").await;
    assert_eq!(logins[0].2["request_id"], json!("trace-from-proxy-1"));

    // From a peer that is not a trusted proxy, the id is Ward's own.
    let other = spawn_app_untrusting().await;
    let res = other
        .client
        .get(other.url("/-/health/live/"))
        .header("x-request-id", "spoofed")
        .send()
        .await
        .expect("get");
    let id = res.headers()["x-request-id"].to_str().expect("id");
    assert_ne!(id, "spoofed");
    assert_eq!(id.len(), 32);
}

/// `WARD_LOG_FORMAT=json`: the real binary logs one JSON object per line, and a request's log
/// lines carry its request id.
#[tokio::test]
async fn json_logs_carry_the_request_id() {
    use std::io::{BufRead, BufReader};
    let cfg = crate::helpers::test_config().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .arg("serve")
        .env("WARD_LISTEN", format!("127.0.0.1:{port}"))
        .env("WARD_LISTEN__METRICS", "off")
        .env("WARD_DATABASE_URL", cfg.database_url.expect("db"))
        .env("WARD_DATA_DIR", &cfg.data_dir)
        .env(
            "WARD_SECRET_KEY",
            "json-log-test-secret-key-0123456789abcdef",
        )
        .env("WARD_LOG_FORMAT", "json")
        .env("WARD_WORKER", "false")
        .env("WARD_BOOTSTRAP_PASSWORD", "json-log-admin-password")
        .env("WARD_BOOTSTRAP_EMAIL", "admin@example.com")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start ward");
    let stdout = child.stdout.take().expect("stdout");
    // Reads until the failed login's event line (or the end of output).
    let lines = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let last = line.contains("login_failed");
            seen.push(line);
            if last {
                break;
            }
        }
        seen
    });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let base = format!("http://127.0.0.1:{port}");
    // Generous: a loaded CI machine runs migrations and the bootstrap's Argon2 slowly.
    for _ in 0..600 {
        if client
            .get(format!("{base}/-/health/live/"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let submit = |fields: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let url = format!("{base}/-/fn/flow/submit");
        async move {
            client
                .post(url)
                .header("x-request-id", "json-log-req")
                .form(&fields)
                .send()
                .await
                .expect("submit")
        }
    };
    client
        .post(format!("{base}/-/fn/flow/load"))
        .form(&[("slug", "default-authentication-flow")])
        .send()
        .await
        .expect("load");
    submit(vec![
        ("slug", "default-authentication-flow"),
        ("fields[uid_field]", "akadmin"),
    ])
    .await;
    submit(vec![
        ("slug", "default-authentication-flow"),
        ("fields[password]", "wrong"),
    ])
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let lines = lines.join().expect("reader");
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!parsed.is_empty());
    let has_id = |v: &serde_json::Value| v["span"]["request_id"] == "json-log-req";
    assert!(parsed.iter().any(has_id), "{lines:?}");
}
