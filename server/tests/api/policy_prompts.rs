//! A prompt stage's validation policies through HTTP: they check what was typed, passwords
//! included, and their messages show next to a field.
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use crate::policy_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// An enrollment flow: a prompt (username, password, repeat) with `validation_policies`, then
/// user write and login.
async fn join_flow(app: &TestApp, policies: Vec<Value>) -> Value {
    let prompt = app
        .admin_api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(json!({ "name": "join-prompt", "fields": [
                { "field_key": "username", "label": "Username", "type": "username", "required": true },
                { "field_key": "password", "label": "Password", "type": "password", "required": true },
                { "field_key": "password_repeat", "label": "Repeat", "type": "password", "required": true }
            ], "validation_policies": policies })),
        )
        .await;
    let write = app
        .admin_api(
            Method::POST,
            "/stages/user_write/",
            Some(json!({ "name": "join-write" })),
        )
        .await;
    let login = app
        .admin_api(
            Method::POST,
            "/stages/user_login/",
            Some(json!({ "name": "join-login" })),
        )
        .await;
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(json!({ "slug": "join", "name": "Join", "title": "Join us",
                         "designation": "enrollment" })),
        )
        .await;
    for (stage, order) in [(&prompt, 10), (&write, 20), (&login, 30)] {
        app.admin_api(
            Method::POST,
            "/flows/bindings/",
            Some(json!({ "target": flow["pk"], "stage": stage["pk"], "order": order })),
        )
        .await;
    }
    prompt
}

async fn users_named(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("select count(*) from users where username = $1")
        .bind(username)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn prompt_validation_policies_check_the_typed_password() {
    let app = spawn_api().await;
    let policy = app
        .admin_api(
            Method::POST,
            "/policies/password/",
            Some(json!({ "name": "long-passwords", "length_min": 12,
                         "error_message": "Too short" })),
        )
        .await;
    let digits = app
        .admin_api(
            Method::POST,
            "/policies/password/",
            Some(json!({ "name": "with-digits", "amount_digits": 1,
                         "error_message": "Add a digit" })),
        )
        .await;
    let prompt = join_flow(&app, vec![policy["pk"].clone(), digits["pk"].clone()]).await;
    assert_eq!(
        prompt["validation_policies"],
        json!([policy["pk"], digits["pk"]])
    );

    // Unknown policies are refused, on create and on change.
    let nowhere = Uuid::new_v4().to_string();
    let (status, errors) = app
        .api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "other-prompt", "fields": [
                { "field_key": "nickname", "label": "Nickname", "type": "text" }
            ], "validation_policies": [nowhere] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{errors}");
    assert!(errors["validation_policies"][0].is_string(), "{errors}");
    let (status, errors) = app
        .api(
            Method::PATCH,
            &format!("/stages/prompt/stages/{}/", pk(&prompt)),
            Some(ADMIN_TOKEN),
            Some(json!({ "validation_policies": [policy["pk"], nowhere] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{errors}");
    assert!(errors["validation_policies"][0].is_string(), "{errors}");
    let kept = app
        .admin_api(
            Method::GET,
            &format!("/stages/prompt/stages/{}/", pk(&prompt)),
            None,
        )
        .await;
    assert_eq!(
        kept["validation_policies"],
        json!([policy["pk"], digits["pk"]])
    );

    let view = app.load_flow("join", &[]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "prompt", "{view}");
    // Nine characters: long enough for Ward, too short for the policy.
    let short = app
        .submit(
            "join",
            &[
                ("username", "newbie"),
                ("password", "ninechar9"),
                ("password_repeat", "ninechar9"),
            ],
        )
        .await;
    assert_eq!(short["challenge"]["component"], "prompt", "{short}");
    assert_eq!(short["errors"]["password"], "Too short", "{short}");
    assert_eq!(
        short["challenge"]["values"]["username"], "newbie",
        "{short}"
    );
    assert_eq!(users_named(&app, "newbie").await, 0);
    // Long enough, but every listed policy must pass.
    let no_digit = app
        .submit(
            "join",
            &[
                ("username", "newbie"),
                ("password", "long enough but plain"),
                ("password_repeat", "long enough but plain"),
            ],
        )
        .await;
    assert_eq!(no_digit["challenge"]["component"], "prompt", "{no_digit}");
    assert_eq!(no_digit["errors"]["password"], "Add a digit", "{no_digit}");
    assert_eq!(users_named(&app, "newbie").await, 0);

    let done = app
        .submit(
            "join",
            &[
                ("username", "newbie"),
                ("password", "12 chars or more"),
                ("password_repeat", "12 chars or more"),
            ],
        )
        .await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    assert_eq!(users_named(&app, "newbie").await, 1);
    let me: Value = app.server_fn("me", &[]).await.json().await.expect("json");
    assert_eq!(me["username"], "newbie");
    // The password kept is the one that passed.
    let other = app.new_browser();
    let signed_in = other.login("newbie", "12 chars or more").await;
    assert_eq!(
        signed_in["challenge"]["component"], "redirect",
        "{signed_in}"
    );

    // Removing the policy from the stage lets short passwords through.
    app.admin_api(
        Method::PATCH,
        &format!("/stages/prompt/stages/{}/", pk(&prompt)),
        Some(json!({ "validation_policies": [] })),
    )
    .await;
    assert_eq!(
        app.admin_api(
            Method::GET,
            &format!("/stages/prompt/stages/{}/", pk(&prompt)),
            None
        )
        .await["validation_policies"],
        json!([])
    );
    let third = app.new_browser();
    third.load_flow("join", &[]).await;
    let done = third
        .submit(
            "join",
            &[
                ("username", "shorty"),
                ("password", "ninechars"),
                ("password_repeat", "ninechars"),
            ],
        )
        .await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    assert_eq!(users_named(&app, "shorty").await, 1);
}

#[tokio::test]
async fn a_failing_validation_policy_without_a_password_field_marks_the_first_field() {
    let app = spawn_api().await;
    let no = dummy(&app, "never", false).await;
    let prompt = app
        .admin_api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(json!({ "name": "survey-prompt", "fields": [
                { "field_key": "nickname", "label": "Nickname", "type": "text", "required": true },
                { "field_key": "color", "label": "Color", "type": "text" }
            ], "validation_policies": [no["pk"]] })),
        )
        .await;
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(
                json!({ "slug": "survey", "name": "Survey", "title": "Survey",
                         "designation": "stage_configuration" }),
            ),
        )
        .await;
    app.admin_api(
        Method::POST,
        "/flows/bindings/",
        Some(json!({ "target": flow["pk"], "stage": prompt["pk"], "order": 0 })),
    )
    .await;
    app.load_flow("survey", &[]).await;
    let view = app
        .submit("survey", &[("nickname", "Nick"), ("color", "blue")])
        .await;
    assert_eq!(view["challenge"]["component"], "prompt", "{view}");
    assert!(view["errors"]["nickname"].is_string(), "{view}");
    assert!(view["errors"].get("color").is_none(), "{view}");

    app.admin_api(
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&no)),
        Some(json!({ "result": true })),
    )
    .await;
    let view = app
        .submit("survey", &[("nickname", "Nick"), ("color", "blue")])
        .await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
}
