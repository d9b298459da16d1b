//! The REST API's authentication and permission matrix: anonymous, a user's token, an admin's
//! token, the browser session (and its cross-site guard).
use crate::helpers::{ADMIN_PASSWORD, ADMIN_TOKEN, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Every admin-only route, with a body where it takes one.
fn admin_routes() -> Vec<(Method, &'static str)> {
    vec![
        (Method::GET, "/core/users/"),
        (Method::POST, "/core/users/"),
        (
            Method::GET,
            "/core/users/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::PATCH,
            "/core/users/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::PUT,
            "/core/users/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::DELETE,
            "/core/users/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::POST,
            "/core/users/00000000-0000-0000-0000-000000000000/set_password/",
        ),
        (Method::GET, "/events/events/"),
        (Method::GET, "/crypto/certificatekeypairs/"),
        (Method::POST, "/crypto/certificatekeypairs/"),
        (Method::POST, "/crypto/certificatekeypairs/generate/"),
        (
            Method::DELETE,
            "/crypto/certificatekeypairs/00000000-0000-0000-0000-000000000000/",
        ),
        (Method::GET, "/core/groups/"),
        (Method::POST, "/core/groups/"),
        (
            Method::GET,
            "/core/groups/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::PATCH,
            "/core/groups/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::PUT,
            "/core/groups/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::DELETE,
            "/core/groups/00000000-0000-0000-0000-000000000000/",
        ),
        (
            Method::GET,
            "/crypto/certificatekeypairs/00000000-0000-0000-0000-000000000000/view_certificate/",
        ),
    ]
}

#[tokio::test]
async fn permission_matrix() {
    let app = spawn_api().await;
    let (_, user_key) = app.user_with_token("alice").await;
    for (method, path) in admin_routes() {
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let (status, anon) = app.api(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}"
        );
        assert_eq!(
            anon["detail"],
            "Authentication credentials were not provided."
        );
        let (status, user) = app
            .api(method.clone(), path, Some(&user_key), body.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "user {method} {path}");
        assert_eq!(
            user["detail"],
            "You do not have permission to perform this action."
        );
        // The admin gets past the check: a 404 for the made-up pk, a 400 for the empty body,
        // a 200 for the lists; never 401/403.
        let (status, _) = app.api(method.clone(), path, Some(ADMIN_TOKEN), body).await;
        assert!(
            !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "admin {method} {path}: {status}"
        );
    }
    let denied = app.events("access_denied").await;
    assert_eq!(denied.len(), admin_routes().len());
    assert!(denied.iter().all(|(user, _, _)| user == "alice"));

    // What a user token does reach: itself, and its own tokens.
    let (status, me) = app
        .api(Method::GET, "/core/users/me/", Some(&user_key), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "alice");
    assert_eq!(me["user"]["is_superuser"], false);
    let (status, version) = app
        .api(Method::GET, "/admin/version/", Some(&user_key), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(version["version_current"], env!("CARGO_PKG_VERSION"));
    let (_, me) = app
        .api(Method::GET, "/core/users/me/", Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(me["user"]["username"], "akadmin");
    assert_eq!(me["user"]["is_superuser"], true);
}

#[tokio::test]
async fn bad_tokens_are_refused_and_logged() {
    let app = spawn_api().await;
    for header in ["Bearer not-a-token", "Basic YWthZG1pbjpwdw==", "Bearer "] {
        let res = app
            .client
            .get(app.url("/api/v3/core/users/me/"))
            .header("Authorization", header)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{header}");
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["detail"], "Invalid token.");
    }
    assert_eq!(app.events("suspicious_request").await.len(), 3);

    // An expired token, and the token of a deactivated user, are as good as none.
    let (alice, key) = app.user_with_token("alice").await;
    sqlx::query("update tokens set expires_at = now() - interval '1 minute' where user_id = $1")
        .bind(alice)
        .execute(&app.pool)
        .await
        .expect("expire");
    let (status, _) = app
        .api(Method::GET, "/core/users/me/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (bob, key) = app.user_with_token("bob").await;
    sqlx::query("update users set is_active = false where id = $1")
        .bind(bob)
        .execute(&app.pool)
        .await
        .expect("deactivate");
    let (status, _) = app
        .api(Method::GET, "/core/users/me/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A recovery token is not an API token.
    let recovery = app::ssr::tokens::create(
        &app.pool,
        alice,
        app::ssr::tokens::Intent::Recovery,
        "alice-recovery",
        None,
        None,
    )
    .await
    .expect("token");
    let (status, _) = app
        .api(Method::GET, "/core/users/me/", Some(&recovery), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_browser_session_works_and_is_guarded_against_other_sites() {
    let app = spawn_api().await;
    let view = app.login("akadmin", ADMIN_PASSWORD).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let (status, me) = app.api(Method::GET, "/core/users/me/", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "akadmin");

    let create = |origin: &'static str| {
        app.client
            .post(app.url("/api/v3/core/groups/"))
            .header("Origin", origin)
            .json(&json!({ "name": format!("from {origin}") }))
            .send()
    };
    let res = create("https://evil.example").await.expect("request");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let own = app.address.clone();
    let res = app
        .client
        .post(app.url("/api/v3/core/groups/"))
        .header("Origin", own)
        .json(&json!({ "name": "same site" }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::CREATED);
    let names: Vec<String> = sqlx::query_scalar("select name from groups order by name")
        .fetch_all(&app.pool)
        .await
        .expect("groups");
    assert!(names.contains(&"same site".to_string()));
    assert!(!names.iter().any(|n| n.contains("evil")));
    assert_eq!(app.events("suspicious_request").await.len(), 1);
}

#[tokio::test]
async fn unknown_paths_and_bad_bodies_get_json_errors() {
    let app = spawn_api().await;
    let (status, body) = app
        .api(Method::GET, "/core/nothing/", Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "Not found.");
    let res = app
        .client
        .post(app.url("/api/v3/core/users/"))
        .bearer_auth(ADMIN_TOKEN)
        .header("Content-Type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(body["non_field_errors"][0].is_string(), "{body}");
    let (status, body) = app
        .api(Method::GET, "/core/users/?page=0", Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["page"][0]
            .as_str()
            .expect("message")
            .contains("whole number")
    );
    let (status, body) = app
        .api(
            Method::GET,
            "/core/users/?ordering=password",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["ordering"][0]
            .as_str()
            .expect("message")
            .contains("username")
    );
}
