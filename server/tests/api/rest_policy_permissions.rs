//! Who may call the policy endpoints: anonymous callers get 401, user tokens 403, and only
//! superusers reach policies, bindings and `check_access`.
use crate::helpers::{ADMIN_TOKEN, spawn_api};
use crate::policy_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn only_superusers_reach_policies_and_bindings() {
    let app = spawn_api().await;
    let (plain_id, user_key) = app.user_with_token("plain").await;
    let policy = dummy(&app, "gate", true).await;
    let grafana = application(&app, "grafana").await;
    let binding = app
        .admin_api(
            Method::POST,
            "/policies/bindings/",
            Some(json!({ "target": grafana["pk"], "policy": policy["pk"], "order": 0 })),
        )
        .await;
    let dummy_one = format!("/policies/dummy/{}/", pk(&policy));
    let all_one = format!("/policies/all/{}/", pk(&policy));
    let binding_one = format!("/policies/bindings/{}/", pk(&binding));
    let dummy_body = json!({ "name": "other", "wait_min": 0, "wait_max": 0 });
    let binding_body = json!({ "target": grafana["pk"], "policy": policy["pk"], "order": 5 });
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/policies/all/".into(), None),
        (Method::GET, all_one.clone(), None),
        (Method::DELETE, all_one.clone(), None),
        (Method::GET, "/policies/dummy/".into(), None),
        (
            Method::POST,
            "/policies/dummy/".into(),
            Some(dummy_body.clone()),
        ),
        (Method::GET, dummy_one.clone(), None),
        (Method::PUT, dummy_one.clone(), Some(dummy_body.clone())),
        (
            Method::PATCH,
            dummy_one.clone(),
            Some(json!({ "result": false })),
        ),
        (Method::DELETE, dummy_one.clone(), None),
        (Method::GET, "/policies/password/".into(), None),
        (
            Method::POST,
            "/policies/password/".into(),
            Some(json!({ "name": "pw" })),
        ),
        (Method::GET, "/policies/bindings/".into(), None),
        (
            Method::POST,
            "/policies/bindings/".into(),
            Some(binding_body.clone()),
        ),
        (Method::GET, binding_one.clone(), None),
        (Method::PUT, binding_one.clone(), Some(binding_body.clone())),
        (
            Method::PATCH,
            binding_one.clone(),
            Some(json!({ "order": 7 })),
        ),
        (Method::DELETE, binding_one.clone(), None),
    ];
    for (method, path, body) in &routes {
        let (status, answer) = app.api(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {answer}"
        );
        let (status, answer) = app
            .api(method.clone(), path, Some(&user_key), body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "user {method} {path}: {answer}"
        );
    }
    // check_access is an admin endpoint like every application endpoint: a user token is
    // refused even about itself (authentik asks for the view_application permission).
    let check = "/core/applications/grafana/check_access/";
    let (status, _) = app.api(Method::GET, check, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for path in [check.to_string(), format!("{check}?for_user={plain_id}")] {
        let (status, answer) = app.api(Method::GET, &path, Some(&user_key), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    let (status, answer) = app
        .api(
            Method::GET,
            &format!("{check}?for_user={}", uuid::Uuid::new_v4()),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["for_user"][0].is_string(), "{answer}");
    let (status, answer) = app
        .api(
            Method::GET,
            &format!("{check}?for_user={plain_id}"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["passing"], true, "the policy passes: {answer}");

    // Nothing changed for them.
    assert_eq!(
        app.admin_api(Method::GET, &dummy_one, None).await["result"],
        true
    );
    assert_eq!(
        app.admin_api(Method::GET, &binding_one, None).await["order"],
        0
    );

    // The admin, in an order where each call succeeds.
    for (method, path, body, expected) in [
        (
            Method::GET,
            "/policies/all/".to_string(),
            None,
            StatusCode::OK,
        ),
        (Method::GET, all_one.clone(), None, StatusCode::OK),
        (Method::GET, "/policies/dummy/".into(), None, StatusCode::OK),
        (
            Method::POST,
            "/policies/dummy/".into(),
            Some(dummy_body.clone()),
            StatusCode::CREATED,
        ),
        (Method::GET, dummy_one.clone(), None, StatusCode::OK),
        (
            Method::PUT,
            dummy_one.clone(),
            Some(json!({ "name": "gate", "wait_min": 0, "wait_max": 0 })),
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            dummy_one.clone(),
            Some(json!({ "result": false })),
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/policies/password/".into(),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/policies/password/".into(),
            Some(json!({ "name": "pw" })),
            StatusCode::CREATED,
        ),
        (
            Method::GET,
            "/policies/bindings/".into(),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/policies/bindings/".into(),
            Some(binding_body.clone()),
            StatusCode::CREATED,
        ),
        (Method::GET, binding_one.clone(), None, StatusCode::OK),
        (
            Method::PUT,
            binding_one.clone(),
            Some(json!({ "target": grafana["pk"], "policy": policy["pk"], "order": 1 })),
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            binding_one.clone(),
            Some(json!({ "order": 2 })),
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            binding_one.clone(),
            None,
            StatusCode::NO_CONTENT,
        ),
        (
            Method::DELETE,
            dummy_one.clone(),
            None,
            StatusCode::NO_CONTENT,
        ),
    ] {
        let (status, answer) = app
            .api(method.clone(), &path, Some(ADMIN_TOKEN), body)
            .await;
        assert_eq!(status, expected, "admin {method} {path}: {answer}");
    }
    let (status, _) = status_of(&app, Method::GET, "/policies/bindings/not-a-uuid/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
