//! Helpers shared by the policy tests: objects made through the REST API, and what a person
//! sees on opening a flow.
use crate::helpers::{ADMIN_TOKEN, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// The password of the users these tests create.
pub const PW: &str = "a long enough password";

pub fn pk(v: &Value) -> String {
    v["pk"].as_str().expect("pk").to_string()
}

pub fn names(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect()
}

pub fn pks(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(pk)
        .collect()
}

pub async fn bad(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let (status, json) = app.api(method, path, Some(ADMIN_TOKEN), Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {json}");
    json
}

pub async fn status_of(app: &TestApp, method: Method, path: &str) -> (StatusCode, Value) {
    app.api(method, path, Some(ADMIN_TOKEN), None).await
}

/// A dummy policy that never sleeps.
pub async fn dummy(app: &TestApp, name: &str, result: bool) -> Value {
    app.admin_api(
        Method::POST,
        "/policies/dummy/",
        Some(json!({ "name": name, "result": result, "wait_min": 0, "wait_max": 0 })),
    )
    .await
}

pub async fn application(app: &TestApp, slug: &str) -> Value {
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": slug, "slug": slug })),
    )
    .await
}

/// Binds `subject` (`{"group": …}`, `{"user": …}` or `{"policy": …}`) to `target` at `order`.
pub async fn bind(app: &TestApp, target: &Value, subject: Value, order: i64) -> Value {
    let mut body = subject;
    body["target"] = target["pk"].clone();
    body["order"] = json!(order);
    app.admin_api(Method::POST, "/policies/bindings/", Some(body))
        .await
}

pub async fn patch_binding(app: &TestApp, binding: &Value, body: Value) -> Value {
    app.admin_api(
        Method::PATCH,
        &format!("/policies/bindings/{}/", pk(binding)),
        Some(body),
    )
    .await
}

pub async fn group(app: &TestApp, name: &str, parent: Option<&Value>, members: &[Uuid]) -> Value {
    let members: Vec<String> = members.iter().map(Uuid::to_string).collect();
    app.admin_api(
        Method::POST,
        "/core/groups/",
        Some(json!({ "name": name, "parent": parent.map(|p| p["pk"].clone()), "users": members })),
    )
    .await
}

/// A flow of one prompt stage, opened by people who are signed in.
pub async fn prompt_flow(app: &TestApp, slug: &str) -> Value {
    let prompt = app
        .admin_api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(json!({ "name": format!("{slug}-prompt"), "fields": [
                { "field_key": "nickname", "label": "Nickname", "type": "text" }
            ] })),
        )
        .await;
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(json!({ "slug": slug, "name": slug, "title": "Members only",
                         "designation": "stage_configuration" })),
        )
        .await;
    app.admin_api(
        Method::POST,
        "/flows/bindings/",
        Some(json!({ "target": flow["pk"], "stage": prompt["pk"], "order": 10 })),
    )
    .await;
    flow
}

/// What `who` (None: nobody signed in) sees on opening `slug` in a fresh browser.
pub async fn opens(app: &TestApp, slug: &str, who: Option<&str>) -> Value {
    let browser = app.new_browser();
    if let Some(username) = who {
        let done = browser.login(username, PW).await;
        assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    }
    let view = browser.load_flow(slug, &[]).await;
    view["Found"]["challenge"].clone()
}
