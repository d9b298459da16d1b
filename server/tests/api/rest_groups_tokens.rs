//! `/api/v3/core/groups/` and `/api/v3/core/tokens/` through HTTP, and the OpenAPI document.
use crate::helpers::{ADMIN_TOKEN, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn groups_with_members_and_a_tree_without_cycles() {
    let app = spawn_api().await;
    let user = app
        .admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({ "username": "fay" })),
        )
        .await;
    let parent = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "engineering", "attributes": { "cost": 1 } })),
        )
        .await;
    let child = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "backend", "parent": parent["pk"], "users": [user["pk"]] })),
        )
        .await;
    assert_eq!(child["parent"], parent["pk"]);
    assert_eq!(child["parent_name"], "engineering");
    assert_eq!(child["users"], json!([user["pk"]]));
    let fay = app
        .admin_api(
            Method::GET,
            &format!("/core/users/{}/", user["pk"].as_str().expect("pk")),
            None,
        )
        .await;
    assert_eq!(fay["groups_obj"][0]["name"], "backend");

    // A cycle is refused, by field.
    let parent_path = format!("/core/groups/{}/", parent["pk"].as_str().expect("pk"));
    let (status, body) = app
        .api(
            Method::PATCH,
            &parent_path,
            Some(ADMIN_TOKEN),
            Some(json!({ "parent": child["pk"] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["parent"][0]
            .as_str()
            .expect("message")
            .contains("cycle"),
        "{body}"
    );
    // Duplicate names too.
    let (status, body) = app
        .api(
            Method::POST,
            "/core/groups/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "backend" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["name"][0].is_string());
    let (status, body) = app
        .api(
            Method::POST,
            "/core/groups/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "x", "users": ["00000000-0000-0000-0000-000000000000"] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["users"][0], "Unknown user.");

    // PATCH with users replaces the members; explicit null parent moves it to the top.
    let child_path = format!("/core/groups/{}/", child["pk"].as_str().expect("pk"));
    let moved = app
        .admin_api(
            Method::PATCH,
            &child_path,
            Some(json!({ "parent": null, "users": [], "is_superuser": true })),
        )
        .await;
    assert_eq!(moved["parent"], serde_json::Value::Null);
    assert_eq!(moved["users"], json!([]));
    assert_eq!(moved["is_superuser"], true);
    assert_eq!(moved["name"], "backend");

    let list = app
        .admin_api(Method::GET, "/core/groups/?search=END&ordering=-name", None)
        .await;
    let names: Vec<&str> = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|g| g["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["backend"]);
    let list = app
        .admin_api(
            Method::GET,
            "/core/groups/?ordering=-name&page_size=2",
            None,
        )
        .await;
    assert_eq!(list["pagination"]["count"], 3);
    assert_eq!(list["results"][0]["name"], "engineering");

    let (status, _) = app
        .api(Method::DELETE, &child_path, Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .api(Method::DELETE, &child_path, Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tokens_are_viewed_once_more_by_owner_or_admin_only() {
    let app = spawn_api().await;
    let (alice, alice_key) = app.user_with_token("alice").await;
    let created = app
        .admin_api(
            Method::POST,
            "/core/tokens/",
            Some(json!({ "identifier": "ci-deploy", "user": alice.to_string(), "expiring": false, "description": "CI" })),
        )
        .await;
    assert_eq!(created["user"], alice.to_string());
    assert_eq!(created["intent"], "api");
    assert_eq!(created["expires"], serde_json::Value::Null);
    assert!(created.get("key").is_none(), "the key is not in the object");

    // Alice reads the key of her token; it authenticates as her.
    let (status, view) = app
        .api(
            Method::GET,
            "/core/tokens/ci-deploy/view_key/",
            Some(&alice_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let key = view["key"].as_str().expect("key").to_string();
    assert_eq!(key.len(), 60);
    let (_, me) = app
        .api(Method::GET, "/core/users/me/", Some(&key), None)
        .await;
    assert_eq!(me["user"]["username"], "alice");
    let views = app.events("secret_view").await;
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].0, "alice");
    assert_eq!(views[0].2["token"], "ci-deploy");

    // Bob sees neither her tokens nor their keys, and cannot make tokens for her.
    let (_, bob_key) = app.user_with_token("bob").await;
    let (status, _) = app
        .api(
            Method::GET,
            "/core/tokens/ci-deploy/view_key/",
            Some(&bob_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app
        .api(Method::GET, "/core/tokens/", Some(&bob_key), None)
        .await;
    let identifiers: Vec<&str> = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|t| t["identifier"].as_str().expect("id"))
        .collect();
    assert_eq!(identifiers, ["bob-token"]);
    let (status, _) = app
        .api(
            Method::POST,
            "/core/tokens/",
            Some(&bob_key),
            Some(json!({ "identifier": "x", "user": alice.to_string() })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // His own token expires after the default token duration unless told otherwise.
    let (status, own) = app
        .api(
            Method::POST,
            "/core/tokens/",
            Some(&bob_key),
            Some(json!({ "identifier": "bob-script" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    assert_eq!(own["expiring"], true);
    let expires = time::OffsetDateTime::parse(
        own["expires"].as_str().expect("expires"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("time");
    let minutes = (expires - time::OffsetDateTime::now_utc()).whole_minutes();
    assert!((28..=30).contains(&minutes), "{minutes}");

    // Field errors: a taken identifier, a past expiry.
    let (status, body) = app
        .api(
            Method::POST,
            "/core/tokens/",
            Some(ADMIN_TOKEN),
            Some(json!({ "identifier": "ci-deploy" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["identifier"][0],
        "A token with this identifier already exists."
    );
    let (status, body) = app
        .api(
            Method::POST,
            "/core/tokens/",
            Some(ADMIN_TOKEN),
            Some(json!({ "identifier": "old", "expires": "2001-01-01T00:00:00Z" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["expires"][0], "The expiry must be in the future.");

    // The bootstrap token's key was only ever stored as a digest.
    let (status, body) = app
        .api(
            Method::GET,
            "/core/tokens/authentik-bootstrap-token/view_key/",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["non_field_errors"][0]
            .as_str()
            .expect("message")
            .contains("digest")
    );

    // Its description and expiry can change; a past expiry cannot be set.
    let (status, changed) = app
        .api(
            Method::PATCH,
            "/core/tokens/ci-deploy/",
            Some(&alice_key),
            Some(json!({ "description": "CI deploys", "expires": "2999-01-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["description"], "CI deploys");
    assert_eq!(changed["expires"], "2999-01-01T00:00:00Z");
    let (status, body) = app
        .api(
            Method::PATCH,
            "/core/tokens/ci-deploy/",
            Some(&alice_key),
            Some(json!({ "expires": "2001-01-01" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["expires"][0], "The expiry must be in the future.");
    let (status, _) = app
        .api(
            Method::PATCH,
            "/core/tokens/ci-deploy/",
            Some(&bob_key),
            Some(json!({ "description": "mine" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Deleting the token ends it.
    let (status, _) = app
        .api(
            Method::DELETE,
            "/core/tokens/ci-deploy/",
            Some(&alice_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .api(Method::GET, "/core/users/me/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, all) = app
        .api(
            Method::GET,
            "/core/tokens/?ordering=identifier",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    let identifiers: Vec<&str> = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|t| t["identifier"].as_str().expect("id"))
        .collect();
    assert_eq!(
        identifiers,
        [
            "alice-token",
            "authentik-bootstrap-token",
            "bob-script",
            "bob-token"
        ]
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn_api().await;
    let res = app
        .client
        .get(app.url("/api/v3/schema/"))
        .send()
        .await
        .expect("schema");
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = res.json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/core/users/",
        "/core/users/{id}/set_password/",
        "/core/groups/{id}/",
        "/core/tokens/{identifier}/view_key/",
        "/admin/version/",
        "/policies/all/",
        "/policies/dummy/{policy_uuid}/",
        "/policies/bindings/{policy_binding_uuid}/",
        "/core/applications/{slug}/check_access/",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    // Every operation has its own id (code generators and the spec require it).
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|ops| ops.as_object().expect("operations").values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    assert!(ids.len() > 100, "{} operations", ids.len());
    ids.sort_unstable();
    let repeated: Vec<&str> = ids
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    assert!(repeated.is_empty(), "operation ids repeat: {repeated:?}");
    assert_eq!(
        doc["components"]["securitySchemes"]["authentik"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["User"]["properties"]["username"].is_object());
    let html = app.html(&app.url("/api/v3/")).await;
    assert!(
        html.contains("<code>/core/users/{id}/set_password/</code>"),
        "{html}"
    );
    assert!(html.contains("href=\"/api/v3/schema/\""));
    assert!(!html.contains("https://"), "no third-party assets");
}

/// No change of their own locks an admin out; another admin may take the rights away.
#[tokio::test]
async fn admins_cannot_take_their_own_superuser_rights() {
    let app = spawn_api().await;
    let me = app.admin_api(Method::GET, "/core/users/me/", None).await;
    let my_path = format!("/core/users/{}/", me["user"]["pk"].as_str().expect("pk"));
    let admins = me["user"]["groups"][0].as_str().expect("group").to_string();
    let admins_path = format!("/core/groups/{admins}/");
    let attempts = [
        (
            Method::PATCH,
            my_path.as_str(),
            Some(json!({ "groups": [] })),
            "groups",
        ),
        (
            Method::PATCH,
            admins_path.as_str(),
            Some(json!({ "is_superuser": false })),
            "is_superuser",
        ),
        (
            Method::PATCH,
            admins_path.as_str(),
            Some(json!({ "users": [] })),
            "users",
        ),
        (
            Method::DELETE,
            admins_path.as_str(),
            None,
            "non_field_errors",
        ),
    ];
    for (method, path, body, field) in attempts {
        let (status, answer) = app.api(method.clone(), path, Some(ADMIN_TOKEN), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {answer}");
        assert!(
            answer[field][0]
                .as_str()
                .expect("message")
                .contains("your own superuser rights"),
            "{answer}"
        );
    }
    let me = app.admin_api(Method::GET, "/core/users/me/", None).await;
    assert_eq!(me["user"]["is_superuser"], true);
    assert_eq!(me["user"]["groups"], json!([admins]));
    // Someone else's rights can go.
    let other = app
        .admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({ "username": "gus", "groups": [admins] })),
        )
        .await;
    assert_eq!(other["is_superuser"], true);
    let path = format!("/core/users/{}/", other["pk"].as_str().expect("pk"));
    let other = app
        .admin_api(Method::PATCH, &path, Some(json!({ "groups": [] })))
        .await;
    assert_eq!(other["is_superuser"], false);
}
