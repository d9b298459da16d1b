//! Sessions follow credentials: a new password ends the user's other sessions (the portal keeps
//! the browser that changed it), and a deactivated user's sessions are deleted, so activating
//! them again revives none.
use crate::admin_users::admin_app;
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const OLD: &str = "jane-password-1";
const NEW: &str = "jane-password-2";

/// Jane, signed in on two browsers.
async fn jane_twice(app: &TestApp) -> (Uuid, TestApp, TestApp) {
    let jane = app.create_user("jane", OLD).await;
    let laptop = app.new_browser();
    let phone = app.new_browser();
    for browser in [&laptop, &phone] {
        let view = browser.login("jane", OLD).await;
        assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    }
    assert_eq!(tracked(app, jane).await, 2);
    (jane, laptop, phone)
}

/// Jane's tracked session rows.
async fn tracked(app: &TestApp, user: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from user_sessions where user_id = $1")
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

async fn assert_signed_in(browser: &TestApp, username: &str) {
    assert_eq!(browser.get("/if/user/").await.status(), 200);
    let me = browser.ok_fn("me", json!(null)).await;
    assert_eq!(me["username"], username, "{me}");
}

/// The browser's next request is anonymous: the portal sends it to sign in.
async fn assert_signed_out(browser: &TestApp) {
    let page = browser.get("/if/user/").await;
    assert_eq!(page.status(), 302);
    let to = page.headers()["location"].to_str().expect("location");
    assert!(
        to.starts_with("/if/flow/default-authentication-flow/"),
        "{to}"
    );
    assert_eq!(browser.ok_fn("me", json!(null)).await, Value::Null);
}

/// The session events written for `username`'s ended sessions, with their reasons.
async fn ended(app: &TestApp, username: &str) -> Vec<String> {
    app.events("model_deleted")
        .await
        .into_iter()
        .filter(|(_, _, c)| c["model"]["model_name"] == "session" && c["model"]["name"] == username)
        .map(|(_, _, c)| {
            c["diff"]["reason"]
                .as_str()
                .unwrap_or("revoked")
                .to_string()
        })
        .collect()
}

async fn password_works(app: &TestApp, password: &str) -> bool {
    let view = app.new_browser().login("jane", password).await;
    view["challenge"]["component"] == "redirect"
}

#[tokio::test]
async fn a_portal_password_change_ends_the_other_sessions_and_keeps_this_one() {
    let app = spawn_api().await;
    let (jane, laptop, phone) = jane_twice(&app).await;
    let saved = laptop
        .ok_fn(
            "me/password",
            json!({ "current": OLD, "new": NEW, "repeat": NEW }),
        )
        .await;
    assert_eq!(saved, json!({ "Ok": null }));
    assert_signed_out(&phone).await;
    assert_signed_in(&laptop, "jane").await;
    assert_eq!(tracked(&app, jane).await, 1);
    assert_eq!(ended(&app, "jane").await, ["password changed"]);
    assert!(password_works(&app, NEW).await);
}

#[tokio::test]
async fn an_admin_setting_a_password_ends_all_the_users_sessions() {
    let app = admin_app().await;
    let (jane, laptop, phone) = jane_twice(&app).await;
    let saved = app
        .ok_fn(
            "admin/users/set-password",
            json!({ "id": jane, "password": NEW }),
        )
        .await;
    assert_eq!(saved, json!({ "Ok": null }));
    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    assert_eq!(tracked(&app, jane).await, 0);
    assert_eq!(
        ended(&app, "jane").await,
        ["password changed", "password changed"]
    );
    assert!(!password_works(&app, OLD).await);
    assert!(password_works(&app, NEW).await);

    // Admins setting their own password stay signed in where they did it; elsewhere they are not.
    let other = app.new_browser();
    other.login("akadmin", crate::helpers::ADMIN_PASSWORD).await;
    let me: Uuid = sqlx::query_scalar("select id from users where username = 'akadmin'")
        .fetch_one(&app.pool)
        .await
        .expect("akadmin");
    let saved = app
        .ok_fn(
            "admin/users/set-password",
            json!({ "id": me, "password": "admin-password-2" }),
        )
        .await;
    assert_eq!(saved, json!({ "Ok": null }));
    assert_signed_in(&app, "akadmin").await;
    assert_signed_out(&other).await;
}

#[tokio::test]
async fn the_rest_set_password_ends_all_the_users_sessions() {
    let app = spawn_api().await;
    let (jane, laptop, phone) = jane_twice(&app).await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/core/users/{jane}/set_password/"),
            Some(ADMIN_TOKEN),
            Some(json!({ "password": NEW })),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    assert_eq!(tracked(&app, jane).await, 0);
    assert_eq!(ended(&app, "jane").await.len(), 2);
    assert!(password_works(&app, NEW).await);
}

/// A recovery flow that asks for a new password: recovery link, prompt, user write, login.
const RESET_FLOW: &str = r#"version: 1
entries:
  - model: authentik_stages_prompt.promptstage
    id: prompt
    identifiers: { name: reset-prompt }
    attrs:
      fields:
        - { field_key: password, label: New password, type: password, required: true }
        - { field_key: password_repeat, label: Repeat, type: password, required: true }
  - model: authentik_stages_user_write.userwritestage
    id: write
    identifiers: { name: reset-write }
  - model: authentik_flows.flow
    id: flow
    identifiers: { slug: reset-password }
    attrs: { name: Reset, title: Choose a new password, designation: recovery }
  - model: authentik_flows.flowstagebinding
    identifiers: { target: !KeyOf flow, order: 0 }
    attrs:
      stage: !Find [ward_stages_recovery_token.recoverytokenstage, [name, default-recovery-token]]
  - model: authentik_flows.flowstagebinding
    identifiers: { target: !KeyOf flow, order: 10 }
    attrs: { stage: !KeyOf prompt }
  - model: authentik_flows.flowstagebinding
    identifiers: { target: !KeyOf flow, order: 20 }
    attrs: { stage: !KeyOf write }
  - model: authentik_flows.flowstagebinding
    identifiers: { target: !KeyOf flow, order: 30 }
    attrs:
      stage: !Find [authentik_stages_user_login.userloginstage, [name, default-recovery-login]]
"#;

#[tokio::test]
async fn a_new_password_from_a_recovery_link_ends_every_session() {
    let app = spawn_api().await;
    let system = app::ssr::users::system();
    let actor = app::ssr::audit::Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let opts = app::ssr::blueprints::apply::Options::default();
    app::ssr::blueprints::apply_text(&app.pool, &actor, RESET_FLOW, &opts)
        .await
        .expect("flow");
    let (jane, laptop, phone) = jane_twice(&app).await;
    let link = app::ssr::tokens::recovery_link(&app.pool, None, jane, "reset-password")
        .await
        .expect("link");
    let token = link
        .path
        .rsplit_once("token=")
        .expect("token")
        .1
        .to_string();

    let lost = app.new_browser();
    let view = lost.load_flow("reset-password", &[("token", &token)]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "prompt", "{view}");
    let view = lost
        .submit(
            "reset-password",
            &[("password", NEW), ("password_repeat", NEW)],
        )
        .await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");

    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    assert_signed_in(&lost, "jane").await;
    assert_eq!(tracked(&app, jane).await, 1, "only the recovering browser");
    assert_eq!(ended(&app, "jane").await.len(), 2);
    let written = app.events("user_write").await;
    assert_eq!(written.last().expect("event").2["created"], false);
    assert_eq!(app.events("password_set").await.len(), 1);
    assert!(!password_works(&app, OLD).await);
    assert!(password_works(&app, NEW).await);
    let users: i64 = sqlx::query_scalar("select count(*) from users where username = 'jane'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(users, 1, "written onto jane, not a new user");
}

fn jane_form(active: bool) -> Value {
    json!({ "username": "jane", "name": "jane Example", "email": "jane@example.com",
            "is_active": active, "attributes": "", "groups": [] })
}

#[tokio::test]
async fn deactivating_in_the_admin_ui_deletes_the_sessions_for_good() {
    let app = admin_app().await;
    let (jane, laptop, phone) = jane_twice(&app).await;
    let saved = app
        .ok_fn(
            "admin/users/update",
            json!({ "id": jane, "form": jane_form(false) }),
        )
        .await;
    assert_eq!(saved, json!({ "Ok": null }));
    assert_eq!(tracked(&app, jane).await, 0, "gone from the store");
    assert_eq!(
        ended(&app, "jane").await,
        ["user deactivated", "user deactivated"]
    );
    let sessions = app.ok_fn("admin/sessions/list", json!({})).await;
    assert!(
        sessions
            .as_array()
            .expect("rows")
            .iter()
            .all(|s| s["username"] != "jane"),
        "{sessions}"
    );

    let saved = app
        .ok_fn(
            "admin/users/update",
            json!({ "id": jane, "form": jane_form(true) }),
        )
        .await;
    assert_eq!(saved, json!({ "Ok": null }));
    assert_signed_out(&laptop).await;
    assert_signed_out(&phone).await;
    assert!(password_works(&app, OLD).await, "active again");
}

#[tokio::test]
async fn deactivating_through_rest_or_a_blueprint_deletes_the_sessions_for_good() {
    let app = spawn_api().await;
    let (jane, laptop, _phone) = jane_twice(&app).await;
    let path = format!("/core/users/{jane}/");
    app.admin_api(Method::PATCH, &path, Some(json!({ "is_active": false })))
        .await;
    assert_eq!(tracked(&app, jane).await, 0);
    app.admin_api(Method::PATCH, &path, Some(json!({ "is_active": true })))
        .await;
    assert_signed_out(&laptop).await;

    let tablet = app.new_browser();
    tablet.login("jane", OLD).await;
    assert_signed_in(&tablet, "jane").await;
    let system = app::ssr::users::system();
    let actor = app::ssr::audit::Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let opts = app::ssr::blueprints::apply::Options::default();
    let blueprint = |active: bool| {
        format!(
            "version: 1\nentries:\n  - model: authentik_core.user\n    identifiers: {{ username: jane }}\n    attrs: {{ is_active: {active} }}\n"
        )
    };
    app::ssr::blueprints::apply_text(&app.pool, &actor, &blueprint(false), &opts)
        .await
        .expect("deactivated");
    assert_eq!(tracked(&app, jane).await, 0);
    app::ssr::blueprints::apply_text(&app.pool, &actor, &blueprint(true), &opts)
        .await
        .expect("activated");
    assert_signed_out(&tablet).await;
    assert_eq!(ended(&app, "jane").await.len(), 3);
}
