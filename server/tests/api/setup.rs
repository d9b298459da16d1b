use crate::helpers::{ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn initial_setup_creates_the_admin_once() {
    let app = spawn_app().await;
    let view = app.load_flow("initial-setup", &[]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "prompt", "{view}");

    app.setup_admin().await;
    let me: serde_json::Value = app.server_fn("me", &[]).await.json().await.expect("json");
    assert_eq!(me["username"], "akadmin");
    assert_eq!(me["is_superuser"], true);

    // Closed now, for everybody.
    let other = app.new_browser();
    assert_eq!(
        other.load_flow("initial-setup", &[]).await,
        serde_json::json!("NotFound")
    );
    let page = other.get("/if/flow/initial-setup/").await;
    assert_eq!(page.status(), 404);

    // Deleting the admin does not reopen it.
    sqlx::query("delete from users where username = 'akadmin'")
        .execute(&app.pool)
        .await
        .expect("delete");
    assert_eq!(
        other.load_flow("initial-setup", &[]).await,
        serde_json::json!("NotFound")
    );
    assert_eq!(other.get("/if/flow/initial-setup/").await.status(), 404);
}

#[tokio::test]
async fn a_second_setup_in_progress_is_refused_after_the_first_completes() {
    let app = spawn_app().await;
    let late = app.new_browser();
    late.load_flow("initial-setup", &[]).await;
    app.setup_admin().await;
    let view = late
        .submit(
            "initial-setup",
            &[
                ("username", "intruder"),
                ("email", "intruder@example.com"),
                ("password", ADMIN_PASSWORD),
                ("password_repeat", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(view["challenge"]["component"], "access_denied", "{view}");
    let n: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn setup_validates_fields_and_keeps_values() {
    let app = spawn_app().await;
    app.load_flow("initial-setup", &[]).await;
    let view = app
        .submit(
            "initial-setup",
            &[
                ("username", "bad name"),
                ("email", "nope"),
                ("password", "short"),
                ("password_repeat", "other"),
            ],
        )
        .await;
    assert_eq!(view["challenge"]["component"], "prompt");
    let errors = &view["errors"];
    assert_eq!(errors["username"], "Use only letters, digits and @ . + - _");
    assert_eq!(errors["email"], "Please enter a valid email address.");
    assert_eq!(errors["password"], "Use at least 8 characters.");
    assert_eq!(errors["password_repeat"], "The passwords don't match.");
    // Entered values come back, passwords never do.
    let values = &view["challenge"]["values"];
    assert_eq!(
        values["username"],
        serde_json::Value::Null,
        "invalid values are not kept"
    );
    assert!(values.get("password").is_none());
    let n: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(n, 0);
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively() {
    let app = spawn_app().await;
    app.create_user("AkAdmin", "whatever-password").await;
    app.load_flow("initial-setup", &[]).await;
    let view = app
        .submit(
            "initial-setup",
            &[
                ("username", "akadmin"),
                ("email", "admin@example.com"),
                ("password", ADMIN_PASSWORD),
                ("password_repeat", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(view["challenge"]["component"], "prompt", "{view}");
    assert_eq!(
        view["errors"]["username"],
        "This username is already taken."
    );
}

#[tokio::test]
async fn bootstrap_env_creates_akadmin_and_closes_setup() {
    let mut cfg = crate::helpers::test_config().await;
    cfg.bootstrap_password = Some("bootstrap-password-1".into());
    cfg.bootstrap_email = Some("root@example.com".into());
    cfg.bootstrap_token = Some("bootstrap-token-value".into());
    let app = crate::helpers::spawn_with(cfg).await;
    assert_eq!(
        app.load_flow("initial-setup", &[]).await,
        serde_json::json!("NotFound")
    );
    let view = app.login("akadmin", "bootstrap-password-1").await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let hash: Vec<u8> = sqlx::query_scalar("select key_hash from tokens where intent = 'api'")
        .fetch_one(&app.pool)
        .await
        .expect("token");
    assert_eq!(
        hash,
        app::ssr::crypto::secret::digest("bootstrap-token-value"),
        "stored as a digest"
    );
}
