//! Initial setup closes whenever an active superuser exists, whichever path made them: the setup
//! flow, a blueprint at start, `ward blueprint apply`, the REST API, the admin UI, a group made
//! superuser or moved below one. Then the flow is a 404 and the start-up log stops printing it.
use crate::helpers::{ADMIN_TOKEN, TestApp, config_for, serve, test_config};
use reqwest::Method;
use serde_json::{Value, json};
use server::config::Config;
use server::startup::Application;
use std::sync::{Arc, Mutex};
use tracing::instrument::WithSubscriber;

/// The line the start-up log prints while setup is open.
const FIRST_RUN: &str = "no admin yet: open http://localhost:";

/// A log sink for a test's own tracing subscriber.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Builds Ward as `ward serve` does; returns it with what it logged while starting.
async fn build_logged(cfg: Config) -> (Application, String) {
    let log = Log::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let app = Application::build(cfg)
        .with_subscriber(subscriber)
        .await
        .expect("build app");
    let text = String::from_utf8_lossy(&log.0.lock().expect("log")).into_owned();
    (app, text)
}

/// What a fresh start of Ward on this database logs.
async fn restart_log(database_url: &str) -> String {
    build_logged(config_for(database_url, "127.0.0.0/8"))
        .await
        .1
}

async fn flag(app: &TestApp) -> bool {
    sqlx::query_scalar("select setup_completed from system_state")
        .fetch_one(&app.pool)
        .await
        .expect("flag")
}

/// Setup is a 404 for everybody, and stays one with every user gone: the flag is set.
async fn assert_closed_for_good(app: &TestApp, database_url: &str) {
    assert!(flag(app).await, "setup_completed is set");
    sqlx::query("delete from users")
        .execute(&app.pool)
        .await
        .expect("delete users");
    let anonymous = app.new_browser();
    assert_eq!(
        anonymous.load_flow("initial-setup", &[]).await,
        json!("NotFound")
    );
    let page = anonymous.get("/if/flow/initial-setup/").await;
    assert_eq!(page.status(), 404);
    let body = page.text().await.expect("body");
    assert!(body.contains("There is nothing here"), "{body}");
    assert!(
        !body.contains("Create your administrator account"),
        "{body}"
    );
    let log = restart_log(database_url).await;
    assert!(!log.contains(FIRST_RUN), "{log}");
}

/// Unsets the flag, as an installation whose admin came from a path that did not set it used to
/// be. The next statement that could make a superuser must set it again.
async fn unset_flag(app: &TestApp) {
    sqlx::query("update system_state set setup_completed = false")
        .execute(&app.pool)
        .await
        .expect("unset");
    assert!(!flag(app).await);
}

/// The REST-driven install (bootstrap akadmin with a token) and its database URL.
async fn api() -> (TestApp, String) {
    let mut cfg = test_config().await;
    let url = cfg.database_url.clone().expect("url");
    cfg.bootstrap_password = Some(crate::helpers::ADMIN_PASSWORD.into());
    cfg.bootstrap_token = Some(ADMIN_TOKEN.into());
    (crate::helpers::spawn_with(cfg).await, url)
}

const ADMIN_BLUEPRINT: &str = r#"version: 1
entries:
  - model: authentik_core.user
    id: root
    identifiers: { username: root }
    attrs: { name: Root, is_active: ACTIVE }
  - model: authentik_core.group
    identifiers: { name: authentik Admins }
    attrs: { is_superuser: true, users: [!KeyOf root] }
"#;

fn admin_blueprint(active: bool) -> String {
    ADMIN_BLUEPRINT.replace("ACTIVE", &active.to_string())
}

#[tokio::test]
async fn a_fresh_install_serves_and_announces_setup_until_the_admin_exists() {
    let cfg = test_config().await;
    let url = cfg.database_url.clone().expect("url");
    let (built, log) = build_logged(cfg).await;
    assert!(
        log.contains(FIRST_RUN) && log.contains("/if/flow/initial-setup/"),
        "{log}"
    );
    let app = serve(built);
    let view = app.load_flow("initial-setup", &[]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "prompt", "{view}");

    app.setup_admin().await;
    assert_closed_for_good(&app, &url).await;
}

#[tokio::test]
async fn a_blueprint_at_start_with_an_admin_group_and_member_closes_setup() {
    let cfg = test_config().await;
    let url = cfg.database_url.clone().expect("url");
    let dir = cfg.data_dir.join("blueprints");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("admin.yaml"), admin_blueprint(true)).expect("write");
    let (built, log) = build_logged(cfg).await;
    assert!(!log.contains(FIRST_RUN), "{log}");
    let app = serve(built);
    let root: bool = sqlx::query_scalar(
        "select exists(select 1 from users u join group_members m on m.user_id = u.id
           join groups g on g.id = m.group_id where u.username = 'root' and g.is_superuser)",
    )
    .fetch_one(&app.pool)
    .await
    .expect("root");
    assert!(root, "the blueprint made root an admin");
    assert_closed_for_good(&app, &url).await;
}

/// The `ward blueprint apply` binary against a running installation's database.
#[tokio::test]
async fn ward_blueprint_apply_of_an_admin_closes_setup() {
    let cfg = test_config().await;
    let url = cfg.database_url.clone().expect("url");
    let data_dir = cfg.data_dir.clone();
    let app = crate::helpers::spawn_with(cfg).await;
    assert!(restart_log(&url).await.contains(FIRST_RUN));
    std::fs::create_dir_all(&data_dir).expect("dir");
    let file = data_dir.join("admin.yaml");
    std::fs::write(&file, admin_blueprint(true)).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["blueprint", "apply", file.to_str().expect("path")])
        .env("WARD_DATABASE_URL", &url)
        .env("WARD_DATA_DIR", &data_dir)
        .env("WARD_LOG_LEVEL", "warn")
        .output()
        .expect("run ward");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "applied: 2 created, 0 updated, 0 deleted, 0 unchanged"
    );
    assert_closed_for_good(&app, &url).await;
}

/// Only an active superuser counts: an inactive one leaves setup open until activated.
#[tokio::test]
async fn an_inactive_superuser_leaves_setup_open_until_activated() {
    let cfg = test_config().await;
    let url = cfg.database_url.clone().expect("url");
    let app = crate::helpers::spawn_with(cfg).await;
    let system = app::ssr::users::system();
    let actor = app::ssr::audit::Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let opts = app::ssr::blueprints::apply::Options::default();
    let apply = |text: String| {
        let pool = app.pool.clone();
        let actor = &actor;
        let opts = &opts;
        async move {
            app::ssr::blueprints::apply_text(&pool, actor, &text, opts)
                .await
                .expect("applied")
        }
    };
    apply(admin_blueprint(false)).await;
    assert!(!flag(&app).await);
    let view = app.load_flow("initial-setup", &[]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "prompt", "{view}");
    assert!(restart_log(&url).await.contains(FIRST_RUN));

    let outcome = apply(admin_blueprint(true)).await;
    assert_eq!(outcome.updated, 1, "{outcome:?}");
    assert_closed_for_good(&app, &url).await;
}

/// With the flag unset, an existing admin keeps setup closed all the same.
#[tokio::test]
async fn an_existing_superuser_closes_setup_whatever_the_flag_says() {
    let (app, url) = api().await;
    unset_flag(&app).await;
    assert_eq!(
        app.new_browser().load_flow("initial-setup", &[]).await,
        json!("NotFound")
    );
    let page = app.new_browser().get("/if/flow/initial-setup/").await;
    assert_eq!(page.status(), 404);
    let log = restart_log(&url).await;
    assert!(!log.contains(FIRST_RUN), "{log}");
}

async fn admin_group_pk(app: &TestApp) -> Value {
    let page = app
        .admin_api(Method::GET, "/core/groups/?name=authentik%20Admins", None)
        .await;
    page["results"][0]["pk"].clone()
}

// In the tests below the flag is unset just before the change under test, so that change is
// what must set it again.

#[tokio::test]
async fn a_rest_user_created_in_a_superuser_group_sets_the_flag() {
    let (app, url) = api().await;
    let admins = admin_group_pk(&app).await;
    unset_flag(&app).await;
    app.admin_api(
        Method::POST,
        "/core/users/",
        Some(json!({ "username": "second", "groups": [admins] })),
    )
    .await;
    assert_closed_for_good(&app, &url).await;
}

#[tokio::test]
async fn a_rest_group_made_superuser_sets_the_flag() {
    let (app, url) = api().await;
    let user = app
        .admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({ "username": "ops" })),
        )
        .await;
    let group = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "operators", "users": [user["pk"]] })),
        )
        .await;
    unset_flag(&app).await;
    let path = format!("/core/groups/{}/", group["pk"].as_str().expect("pk"));
    let patched = app
        .admin_api(Method::PATCH, &path, Some(json!({ "is_superuser": true })))
        .await;
    assert_eq!(patched["is_superuser"], true, "{patched}");
    assert_closed_for_good(&app, &url).await;
}

/// The members of a group moved below a superuser group inherit superuser.
#[tokio::test]
async fn a_rest_group_moved_below_a_superuser_group_sets_the_flag() {
    let (app, url) = api().await;
    let admins = admin_group_pk(&app).await;
    let user = app
        .admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({ "username": "junior" })),
        )
        .await;
    let group = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "juniors", "users": [user["pk"]] })),
        )
        .await;
    unset_flag(&app).await;
    let path = format!("/core/groups/{}/", group["pk"].as_str().expect("pk"));
    app.admin_api(Method::PATCH, &path, Some(json!({ "parent": admins })))
        .await;
    let junior = app
        .admin_api(
            Method::GET,
            &format!("/core/users/{}/", user["pk"].as_str().expect("pk")),
            None,
        )
        .await;
    assert_eq!(junior["is_superuser"], true, "{junior}");
    assert_closed_for_good(&app, &url).await;
}

/// The admin UI: a user added to a child group of a superuser group.
#[tokio::test]
async fn an_admin_ui_member_of_a_child_of_a_superuser_group_sets_the_flag() {
    let (app, url) = api().await;
    app.login("akadmin", crate::helpers::ADMIN_PASSWORD).await;
    let admins = admin_group_pk(&app).await;
    let child = app
        .ok_fn(
            "admin/groups/save",
            json!({ "id": "", "form": { "name": "deputies", "parent": admins } }),
        )
        .await;
    let child = child["Ok"].as_str().expect("id").to_string();
    let user = app.create_user("deputy", "deputy-password-1").await;
    unset_flag(&app).await;
    app.ok_fn(
        "admin/groups/set-member",
        json!({ "group": child, "user": user, "add": true }),
    )
    .await;
    let detail = app.ok_fn("admin/users/detail", json!({ "id": user })).await;
    assert_eq!(detail["is_superuser"], true, "{detail}");
    assert_closed_for_good(&app, &url).await;
}

#[tokio::test]
async fn bootstrap_closes_setup() {
    let (app, url) = api().await;
    assert_closed_for_good(&app, &url).await;
}
