use crate::helpers::spawn_app;

#[tokio::test]
async fn login_with_right_credentials_rotates_the_session() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.load_flow("default-authentication-flow", &[]).await;
    let before = app
        .session_cookie()
        .expect("a session exists while the flow runs");
    let view = app.login("jane@example.com", "jane-password-1").await;
    assert_eq!(
        view["challenge"],
        serde_json::json!({ "component": "redirect", "to": "/if/user/" })
    );
    let after = app.session_cookie().expect("signed-in session");
    assert_ne!(before, after, "session id must change at login");
    let me: serde_json::Value = app.server_fn("me", &[]).await.json().await.expect("json");
    assert_eq!(me["username"], "jane");
    assert_eq!(me["is_superuser"], false);
    let events = app.events("login").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "jane");
    assert_eq!(events[0].1.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    let wrong = app.login("jane", "not-her-password").await;
    let unknown = app.new_browser().login("nobody", "not-her-password").await;
    for view in [&wrong, &unknown] {
        assert_eq!(view["challenge"]["component"], "password", "{view}");
        assert_eq!(view["errors"]["password"], "Invalid username or password.");
    }
    assert_eq!(wrong["challenge"]["pending_user"], "jane");
    assert_eq!(unknown["challenge"]["pending_user"], "nobody");
    let me: serde_json::Value = app.server_fn("me", &[]).await.json().await.expect("json");
    assert_eq!(me, serde_json::Value::Null);
    let failed = app.events("login_failed").await;
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].2["username"], "jane");
    assert_eq!(failed[1].2["username"], "nobody");
}

#[tokio::test]
async fn empty_fields_get_field_errors() {
    let app = spawn_app().await;
    app.load_flow("default-authentication-flow", &[]).await;
    let view = app
        .submit("default-authentication-flow", &[("uid_field", "  ")])
        .await;
    assert_eq!(view["challenge"]["component"], "identification");
    assert_eq!(
        view["errors"]["uid_field"],
        "Please enter your username or email."
    );
}

#[tokio::test]
async fn inactive_users_cannot_sign_in() {
    let app = spawn_app().await;
    let id = app.create_user("gone", "gone-password-1").await;
    sqlx::query("update users set is_active = false where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .expect("deactivate");
    let view = app.login("gone", "gone-password-1").await;
    assert_eq!(view["errors"]["password"], "Invalid username or password.");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.login("jane", "jane-password-1").await;
    let cookie = app.session_cookie().expect("session");
    let res = app.logout().await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(app.session_cookie(), None, "cookie removed");
    let left: i64 = sqlx::query_scalar("select count(*) from tower_sessions.session where id = $1")
        .bind(&cookie)
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(left, 0, "session deleted server-side");
    assert_eq!(app.get("/if/user/").await.status(), 302);
    assert_eq!(app.events("logout").await.len(), 1);
}

#[tokio::test]
async fn next_is_followed_only_within_ward() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    let view = app
        .login_with(
            "jane",
            "jane-password-1",
            &[("next", "https://evil.example")],
        )
        .await;
    assert_eq!(view["challenge"]["to"], "/if/user/", "evil target refused");
    let suspicious = app.events("suspicious_request").await;
    assert_eq!(suspicious.len(), 1);
    assert_eq!(suspicious[0].2["next"], "https://evil.example");

    let other = app.new_browser();
    let view = other
        .login_with("jane", "jane-password-1", &[("next", "/if/user/?tab=apps")])
        .await;
    assert_eq!(view["challenge"]["to"], "/if/user/?tab=apps");
}
