//! `/api/v3/events/events/`: filters, pages and errors.
use crate::helpers::{ADMIN_TOKEN, spawn_api};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn events_are_filtered_and_paged_newest_first() {
    let app = spawn_api().await;
    app.create_user("hal", "hal's password 1").await;
    for _ in 0..3 {
        app.load_flow("default-authentication-flow", &[]).await;
        app.submit("default-authentication-flow", &[("uid_field", "hal")])
            .await;
        app.submit(
            "default-authentication-flow",
            &[("password", "wrong password")],
        )
        .await;
    }
    let page = app
        .admin_api(
            Method::GET,
            "/events/events/?action=login_failed&page_size=2",
            None,
        )
        .await;
    assert_eq!(page["pagination"]["count"], 3);
    assert_eq!(page["pagination"]["total_pages"], 2);
    assert_eq!(page["results"][0]["action"], "login_failed");
    assert_eq!(page["results"][0]["user"]["username"], "hal");
    assert_eq!(page["results"][0]["client_ip"], "127.0.0.1");
    let first = page["results"][0]["created"]
        .as_str()
        .expect("created")
        .to_string();
    let second = page["results"][1]["created"]
        .as_str()
        .expect("created")
        .to_string();
    assert!(first >= second, "newest first");
    let page2 = app
        .admin_api(
            Method::GET,
            "/events/events/?action=login_failed&page_size=2&page=2",
            None,
        )
        .await;
    assert_eq!(page2["results"].as_array().expect("results").len(), 1);

    let none = app
        .admin_api(Method::GET, "/events/events/?username=nobody", None)
        .await;
    assert_eq!(none["pagination"]["count"], 0);
    let (status, body) = app
        .api(
            Method::GET,
            "/events/events/?client_ip=not-an-ip",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["client_ip"][0].is_string());
    let (status, body) = app
        .api(
            Method::GET,
            "/events/events/?ordering=created",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["ordering"][0]
            .as_str()
            .expect("message")
            .contains("-created")
    );
}

/// The last day a date can have, as the end of a range, once panicked the request.
#[tokio::test]
async fn an_until_at_the_end_of_time_is_a_field_error() {
    let app = spawn_api().await;
    let (status, body) = app
        .api(
            Method::GET,
            "/events/events/?until=9999-12-31",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["until"][0], "Enter a date as YYYY-MM-DD.");
}
