//! `PUT /api/v3/core/tokens/{identifier}/`.
use crate::helpers::spawn_api;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// PUT replaces what can change on a token: absent fields take their defaults.
#[tokio::test]
async fn a_token_put_replaces_its_editable_fields() {
    let app = spawn_api().await;
    let (_, alice_key) = app.user_with_token("alice").await;
    let (_, bob_key) = app.user_with_token("bob").await;
    let (status, _) = app
        .api(
            Method::POST,
            "/core/tokens/",
            Some(&alice_key),
            Some(json!({ "identifier": "alice-ci", "description": "CI", "expires": "2999-01-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, put) = app
        .api(
            Method::PUT,
            "/core/tokens/alice-ci/",
            Some(&alice_key),
            Some(json!({ "expiring": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["description"], "", "an absent description is cleared");
    assert_eq!(put["expiring"], false);
    assert_eq!(put["expires"], Value::Null);

    // Without an expiry, an expiring token lasts the default token duration from now.
    let (status, put) = app
        .api(
            Method::PUT,
            "/core/tokens/alice-ci/",
            Some(&alice_key),
            Some(json!({ "description": "CI deploys" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["description"], "CI deploys");
    let expires = time::OffsetDateTime::parse(
        put["expires"].as_str().expect("expires"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("time");
    let minutes = (expires - time::OffsetDateTime::now_utc()).whole_minutes();
    assert!((28..=30).contains(&minutes), "{minutes}");

    // The same validation as PATCH; others' tokens are not found; anonymous callers are not let in.
    let (status, body) = app
        .api(
            Method::PUT,
            "/core/tokens/alice-ci/",
            Some(&alice_key),
            Some(json!({ "expires": "2001-01-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["expires"][0], "The expiry must be in the future.");
    let (status, _) = app
        .api(
            Method::PUT,
            "/core/tokens/alice-ci/",
            Some(&alice_key),
            Some(json!({ "expiring": "no" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .api(
            Method::PUT,
            "/core/tokens/alice-ci/",
            Some(&bob_key),
            Some(json!({ "description": "mine" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(
            Method::PUT,
            "/core/tokens/alice-ci/",
            None,
            Some(json!({ "description": "x" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let admin = app
        .admin_api(
            Method::PUT,
            "/core/tokens/alice-ci/",
            Some(json!({ "description": "by admin", "expires": "2999-01-01" })),
        )
        .await;
    assert_eq!(admin["description"], "by admin");
    assert_eq!(admin["expires"], "2999-01-01T00:00:00Z");
}
