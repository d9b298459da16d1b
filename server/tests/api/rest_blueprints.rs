//! `/api/v3/managed/blueprints/`: list, detail, apply, and who may call them.
use crate::admin_blueprints::{NOBODY, change_floor, floor, spawn_with_blueprint};
use crate::helpers::ADMIN_TOKEN;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_rest_api_lists_shows_and_applies_instances() {
    let (app, file) = spawn_with_blueprint().await;
    let page = app
        .admin_api(Method::GET, "/managed/blueprints/", None)
        .await;
    assert_eq!(page["pagination"]["count"], 1);
    let instance = page["results"][0].clone();
    assert_eq!(instance["name"], "bp-test");
    assert_eq!(instance["path"], file.to_string_lossy().as_ref());
    assert_eq!(instance["status"], "successful");
    assert!(instance["last_applied"].is_string());
    let pk = instance["pk"].as_str().expect("pk").to_string();

    let none = app
        .admin_api(Method::GET, "/managed/blueprints/?status=error", None)
        .await;
    assert_eq!(none["pagination"]["count"], 0);
    let found = app
        .admin_api(Method::GET, "/managed/blueprints/?search=BP-TE", None)
        .await;
    assert_eq!(found["pagination"]["count"], 1);
    let (status, body) = app
        .api(
            Method::GET,
            "/managed/blueprints/?ordering=content",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["ordering"][0].is_string());

    let one = app
        .admin_api(Method::GET, &format!("/managed/blueprints/{pk}/"), None)
        .await;
    assert_eq!(one, instance);
    for bad in [NOBODY, "not-a-uuid"] {
        for (method, path) in [
            (Method::GET, format!("/managed/blueprints/{bad}/")),
            (Method::POST, format!("/managed/blueprints/{bad}/apply/")),
        ] {
            let (status, _) = app.api(method, &path, Some(ADMIN_TOKEN), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
    }

    change_floor(&app).await;
    let applied = app
        .admin_api(
            Method::POST,
            &format!("/managed/blueprints/{pk}/apply/"),
            None,
        )
        .await;
    assert_eq!(applied["pk"], pk.as_str());
    assert_eq!(applied["status"], "successful");
    assert_eq!(floor(&app).await, json!(3));
}

#[tokio::test]
async fn only_superusers_reach_the_blueprints_api() {
    let (app, _) = spawn_with_blueprint().await;
    let page = app
        .admin_api(Method::GET, "/managed/blueprints/", None)
        .await;
    let pk = page["results"][0]["pk"].as_str().expect("pk").to_string();
    let (_, user_key) = app.user_with_token("mallory").await;
    for (method, path) in [
        (Method::GET, "/managed/blueprints/".to_string()),
        (Method::GET, format!("/managed/blueprints/{pk}/")),
        (Method::POST, format!("/managed/blueprints/{pk}/apply/")),
    ] {
        let (status, _) = app.api(method.clone(), &path, None, None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}"
        );
        let (status, _) = app.api(method.clone(), &path, Some(&user_key), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "user {method} {path}");
        let (status, body) = app
            .api(method.clone(), &path, Some(ADMIN_TOKEN), None)
            .await;
        assert_eq!(status, StatusCode::OK, "admin {method} {path}: {body}");
    }
}
