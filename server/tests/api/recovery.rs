use crate::helpers::spawn_app;

#[tokio::test]
async fn recovery_link_works_once() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    let link = server::cli::recovery_link(&app.pool, "jane", "http://localhost:9000")
        .await
        .expect("link")
        .url;
    let token = link
        .strip_prefix("http://localhost:9000/if/flow/recovery/?token=")
        .expect("link shape")
        .to_string();

    let view = app.load_flow("recovery", &[("token", &token)]).await;
    assert_eq!(
        view["Found"]["challenge"],
        serde_json::json!({ "component": "redirect", "to": "/if/user/" })
    );
    let me: serde_json::Value = app.server_fn("me", &[]).await.json().await.expect("json");
    assert_eq!(me["username"], "jane");

    let again = app.new_browser();
    let view = again.load_flow("recovery", &[("token", &token)]).await;
    assert_eq!(
        view["Found"]["challenge"]["component"], "access_denied",
        "{view}"
    );
    let me: serde_json::Value = again.server_fn("me", &[]).await.json().await.expect("json");
    assert_eq!(me, serde_json::Value::Null);
    assert_eq!(app.events("flow_denied").await.len(), 1);
}

#[tokio::test]
async fn recovery_link_expires_and_unknown_users_are_refused() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    assert!(
        server::cli::recovery_link(&app.pool, "nobody", "http://x")
            .await
            .is_err()
    );
    let link = server::cli::recovery_link(&app.pool, "jane", "http://x")
        .await
        .expect("link")
        .url;
    let token = link.rsplit_once("token=").expect("token").1.to_string();
    sqlx::query("update tokens set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .expect("expire");
    let view = app.load_flow("recovery", &[("token", &token)]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "access_denied");
}

#[tokio::test]
async fn create_recovery_key_says_how_long_its_link_is_valid() {
    let cfg = crate::helpers::test_config().await;
    let url = cfg.database_url.clone().expect("database url");
    let app = crate::helpers::spawn_with(cfg).await;
    app.create_user("jane", "jane-password-1").await;
    sqlx::query("update settings set default_token_duration_minutes = 45")
        .execute(&app.pool)
        .await
        .expect("setting");

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["create-recovery-key", "jane"])
        .env("WARD_DATABASE_URL", &url)
        .env("WARD_PUBLIC_URL", "https://id.example.com")
        .env("WARD_LOG_LEVEL", "warn")
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("run ward");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("Store this link safely: it signs in as jane once, within the next 45 minutes."),
        "{stdout}"
    );
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.starts_with("https://id.example.com/if/flow/recovery/?token=")),
        "{stdout}"
    );
    // What it says is what was stored.
    let left: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - now())::float8 from tokens where intent = 'recovery'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("token");
    assert!((44.0 * 60.0..=45.0 * 60.0).contains(&left), "{left}");
}
