//! Flow plans and OAuth2 clients are cached per process: an admin write through the API is
//! seen by the very next request, and a change made elsewhere (another Ward process, a SQL
//! console) reaches every process through the database's change notices.
use crate::helpers::spawn_api;
use crate::oauth2_oidc::{REDIRECT, authorize_as, oauth_app};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn flow_changes_reach_the_cached_plan() {
    let app = spawn_api().await;
    let title =
        |v: &serde_json::Value| v["Found"]["title"].as_str().unwrap_or_default().to_string();
    let first = app.load_flow("default-authentication-flow", &[]).await;
    assert_eq!(title(&first), "Welcome to Ward!", "{first}");

    // Through the API: seen at once.
    app.admin_api(
        Method::PATCH,
        "/flows/instances/default-authentication-flow/",
        Some(json!({ "title": "Sign in to Ward" })),
    )
    .await;
    // (Another query each time: the same one would continue the flow begun before.)
    let view = app
        .load_flow("default-authentication-flow", &[("try", "1")])
        .await;
    assert_eq!(title(&view), "Sign in to Ward");

    // Behind Ward's back: the trigger's notice drops the cache within moments.
    sqlx::query(
        "update flows set title = 'Changed elsewhere' where slug = 'default-authentication-flow'",
    )
    .execute(&app.pool)
    .await
    .expect("update");
    let mut seen = String::new();
    for n in 0..50 {
        let n = n.to_string();
        seen = title(
            &app.load_flow("default-authentication-flow", &[("again", &n)])
                .await,
        );
        if seen == "Changed elsewhere" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "Changed elsewhere");
}

#[tokio::test]
async fn a_policy_bound_to_an_application_applies_at_once() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let client_id = oauth_app(&app, "wiki", json!({})).await;
    let redirect: String = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect();
    let url = format!(
        "/application/o/authorize/?client_id={client_id}&redirect_uri={redirect}&response_type=code&scope=openid&state=s"
    );
    let back = authorize_as(&app, &app.url(&url), "alice", "alice password 123").await;
    assert!(back.query_pairs().any(|(k, _)| k == "code"), "{back}");

    // Bind a user who is not alice: the cached client's application now has a policy.
    let other = app.create_user("bob", "bob password 123").await;
    let wiki = app
        .admin_api(Method::GET, "/core/applications/wiki/", None)
        .await;
    app.admin_api(
        Method::POST,
        "/policies/bindings/",
        Some(json!({ "target": wiki["pk"], "user": other, "order": 0 })),
    )
    .await;
    let res = app.get(&url).await;
    assert_eq!(res.status(), 403, "alice may no longer use the wiki");
    let body = res.text().await.expect("body");
    assert!(body.contains("Access Denied"), "{body}");
}
