use crate::helpers::spawn_app;

#[tokio::test]
async fn recovery_link_works_once() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    let link = server::cli::recovery_link(&app.pool, "jane", "http://localhost:9000")
        .await
        .expect("link");
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
        .expect("link");
    let token = link.rsplit_once("token=").expect("token").1.to_string();
    sqlx::query("update tokens set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .expect("expire");
    let view = app.load_flow("recovery", &[("token", &token)]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "access_denied");
}
