//! `/api/v3/core/users/` through HTTP with the bootstrap token: CRUD, pagination, search,
//! ordering, field errors, passwords.
use crate::helpers::{ADMIN_TOKEN, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn users_are_listed_in_pages_searched_and_ordered() {
    let app = spawn_api().await;
    for i in 0..24 {
        app.admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({ "username": format!("member{i:02}"), "name": format!("Member {i}") })),
        )
        .await;
    }
    // 24 members + akadmin.
    let page = app
        .admin_api(Method::GET, "/core/users/?page_size=10&page=2", None)
        .await;
    let p = &page["pagination"];
    assert_eq!(p["count"], 25);
    assert_eq!(
        (p["current"].clone(), p["total_pages"].clone()),
        (json!(2), json!(3))
    );
    assert_eq!(
        (p["next"].clone(), p["previous"].clone()),
        (json!(3), json!(1))
    );
    assert_eq!(
        (p["start_index"].clone(), p["end_index"].clone()),
        (json!(11), json!(20))
    );
    let names: Vec<&str> = page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|u| u["username"].as_str().expect("username"))
        .collect();
    assert_eq!(names.first(), Some(&"member09"), "{names:?}");
    assert_eq!(names.len(), 10);

    let found = app
        .admin_api(
            Method::GET,
            "/core/users/?search=MEMBER1&ordering=-username",
            None,
        )
        .await;
    let names: Vec<&str> = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|u| u["username"].as_str().expect("username"))
        .collect();
    assert_eq!(
        names,
        [
            "member19", "member18", "member17", "member16", "member15", "member14", "member13",
            "member12", "member11", "member10"
        ]
    );

    let exact = app
        .admin_api(Method::GET, "/core/users/?username=Member07", None)
        .await;
    assert_eq!(exact["pagination"]["count"], 1);
    assert_eq!(exact["results"][0]["username"], "member07");

    let (status, _) = app
        .api(
            Method::GET,
            "/core/users/?page=4&page_size=10",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_user_is_created_read_changed_and_deleted() {
    let app = spawn_api().await;
    let group = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "staff" })),
        )
        .await;
    let created = app
        .admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({
                "username": "carol",
                "name": "Carol C",
                "email": "carol@example.com",
                "attributes": { "team": "blue" },
                "groups": [group["pk"]],
            })),
        )
        .await;
    let pk = created["pk"].as_str().expect("pk").to_string();
    assert_eq!(created["is_active"], true);
    assert_eq!(created["type"], "internal");
    assert_eq!(created["attributes"]["team"], "blue");
    assert_eq!(created["groups"], json!([group["pk"]]));
    assert_eq!(created["groups_obj"][0]["name"], "staff");
    assert_eq!(created["last_login"], serde_json::Value::Null);

    let read = app
        .admin_api(Method::GET, &format!("/core/users/{pk}/"), None)
        .await;
    assert_eq!(read, created);

    // PATCH changes only what it names.
    let patched = app
        .admin_api(
            Method::PATCH,
            &format!("/core/users/{pk}/"),
            Some(json!({ "name": "Carol D" })),
        )
        .await;
    assert_eq!(patched["name"], "Carol D");
    assert_eq!(patched["email"], "carol@example.com");
    assert_eq!(patched["groups"], json!([group["pk"]]));
    // PUT replaces: what it leaves out goes back to the default.
    let put = app
        .admin_api(
            Method::PUT,
            &format!("/core/users/{pk}/"),
            Some(json!({ "username": "carol2", "is_active": false })),
        )
        .await;
    assert_eq!(put["username"], "carol2");
    assert_eq!(put["email"], "");
    assert_eq!(put["is_active"], false);
    assert_eq!(put["groups"], json!([]));

    let updates = app.events("model_updated").await;
    assert!(
        updates
            .iter()
            .any(|(_, _, ctx)| ctx["diff"]["name"]["new"] == "Carol D"),
        "{updates:?}"
    );

    let (status, body) = app
        .api(
            Method::DELETE,
            &format!("/core/users/{pk}/"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, serde_json::Value::Null);
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/core/users/{pk}/"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(
            Method::GET,
            "/core/users/not-a-uuid/",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_fields_get_field_errors() {
    let app = spawn_api().await;
    let (status, body) = app
        .api(
            Method::POST,
            "/core/users/",
            Some(ADMIN_TOKEN),
            Some(json!({ "username": "AKADMIN" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["username"][0], "This username is already taken.");
    let (status, body) = app
        .api(
            Method::POST,
            "/core/users/",
            Some(ADMIN_TOKEN),
            Some(json!({ "username": "a b", "email": "nope", "groups": ["x"] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in ["username", "email", "groups"] {
        assert!(body[field][0].is_string(), "{field}: {body}");
    }
    let (status, body) = app
        .api(
            Method::POST,
            "/core/users/",
            Some(ADMIN_TOKEN),
            Some(json!({ "username": "dan", "attributes": [1] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["attributes"][0], "Attributes must be a JSON object.");
    let (status, body) = app
        .api(
            Method::POST,
            "/core/users/",
            Some(ADMIN_TOKEN),
            Some(json!({ "username": "dan", "type": "external" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["type"][0].is_string());
    // Text Postgres cannot store is refused, not a server error.
    let (status, body) = app
        .api(
            Method::POST,
            "/core/users/",
            Some(ADMIN_TOKEN),
            Some(json!({ "username": "dan", "name": "a\u{0}b", "attributes": { "k\u{0}": "v" } })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["name"][0].as_str().expect("name").contains("NUL"),
        "{body}"
    );
    assert!(
        body["attributes"][0]
            .as_str()
            .expect("attributes")
            .contains("NUL"),
        "{body}"
    );
    // Nothing of that was stored.
    let count: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(count, 1);
    // The admin cannot delete themselves.
    let me = app.admin_api(Method::GET, "/core/users/me/", None).await;
    let pk = me["user"]["pk"].as_str().expect("pk");
    let (status, body) = app
        .api(
            Method::DELETE,
            &format!("/core/users/{pk}/"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["non_field_errors"][0], "You cannot delete yourself.");
}

#[tokio::test]
async fn set_password_lets_the_user_log_in() {
    let app = spawn_api().await;
    let user = app
        .admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({ "username": "erin" })),
        )
        .await;
    let pk = user["pk"].as_str().expect("pk");
    let path = format!("/core/users/{pk}/set_password/");
    let (status, body) = app
        .api(
            Method::POST,
            &path,
            Some(ADMIN_TOKEN),
            Some(json!({ "password": "short" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["password"][0], "Use at least 8 characters.");
    let (status, _) = app
        .api(
            Method::POST,
            &path,
            Some(ADMIN_TOKEN),
            Some(json!({ "password": "erin's new password" })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let view = app.login("erin", "erin's new password").await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let service = app
        .admin_api(
            Method::POST,
            "/core/users/",
            Some(json!({ "username": "robot", "type": "service_account" })),
        )
        .await;
    assert_eq!(service["type"], "service_account");
}
