use crate::admin_users::admin_app;
use serde_json::json;

#[tokio::test]
async fn revoking_a_session_signs_that_browser_out_on_its_next_request() {
    let app = admin_app().await;
    let jane_id = app.create_user("jane", "jane-password-1").await;
    let jane = app.new_browser();
    jane.login("jane", "jane-password-1").await;
    assert_eq!(jane.get("/if/user/").await.status(), 200);

    let sessions = app
        .ok_fn(
            "admin/sessions/list",
            json!({ "user": jane_id.to_string() }),
        )
        .await;
    let rows = sessions.as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["username"], "jane");
    assert_eq!(rows[0]["client_ip"], "127.0.0.1");
    assert_eq!(rows[0]["current"], false);
    let all = app
        .ok_fn("admin/sessions/list", json!({ "user": null }))
        .await;
    assert_eq!(
        all.as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["current"] == true)
            .count(),
        1,
        "the admin's own"
    );

    app.ok_fn("admin/sessions/revoke", json!({ "id": rows[0]["id"] }))
        .await;
    let next = jane.get("/if/user/").await;
    assert_eq!(next.status(), 302, "signed out at once");
    assert_eq!(
        next.headers()["location"],
        "/if/flow/default-authentication-flow/?next=/if/user/"
    );
    assert_eq!(jane.ok_fn("me", json!(null)).await, serde_json::Value::Null);
    // The admin's own session is untouched.
    assert_eq!(app.get("/if/admin/").await.status(), 200);
    let deleted = app.events("model_deleted").await;
    assert_eq!(deleted[0].2["model"]["model_name"], "session");
}

#[tokio::test]
async fn events_filter_page_and_export() {
    let app = admin_app().await;
    app.create_user("jane", "jane-password-1").await;
    for _ in 0..3 {
        app.new_browser().login("jane", "wrong-password").await;
    }
    app.new_browser().login("jane", "jane-password-1").await;

    let failed = app
        .ok_fn(
            "admin/events/list",
            json!({ "query": { "action": "login_failed" } }),
        )
        .await;
    let rows = failed["Ok"]["rows"].as_array().expect("rows").clone();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r["username"] == "jane" && r["client_ip"] == "127.0.0.1")
    );
    assert!(
        rows[0]["created_at"].as_str() >= rows[2]["created_at"].as_str(),
        "newest first"
    );

    let by_user = app
        .ok_fn(
            "admin/events/list",
            json!({ "query": { "username": "jane" } }),
        )
        .await;
    let actions: Vec<String> = by_user["Ok"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["action"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "login").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "login_failed").count(), 3);

    let search = app
        .ok_fn(
            "admin/events/list",
            json!({ "query": { "search": "initial-setup" } }),
        )
        .await;
    assert!(!search["Ok"]["rows"].as_array().expect("rows").is_empty());
    let none = app
        .ok_fn(
            "admin/events/list",
            json!({ "query": { "client_ip": "10.0.0.0/8" } }),
        )
        .await;
    assert_eq!(none["Ok"]["rows"], json!([]));
    let bad = app
        .ok_fn(
            "admin/events/list",
            json!({ "query": { "client_ip": "nope", "since": "soon" } }),
        )
        .await;
    assert_eq!(bad["Invalid"]["since"], "Enter a date as YYYY-MM-DD.");
    assert!(bad["Invalid"]["client_ip"].is_string());

    let csv = app
        .get("/if/admin/events/export?format=csv&action=login_failed&username=jane")
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .expect("h")
            .contains("ward-events.csv")
    );
    let body = csv.text().await.expect("csv");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "created_at,action,username,client_ip,context");
    assert_eq!(lines.len(), 4);
    assert!(lines[1].contains(",login_failed,jane,127.0.0.1,"));
    let json_export: serde_json::Value = app
        .get("/if/admin/events/export?format=json&action=login")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        json_export
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["action"] == "login")
    );
    let anon = app
        .new_browser()
        .get("/if/admin/events/export?format=csv")
        .await;
    assert_eq!(anon.status(), 302);
}

#[tokio::test]
async fn events_keyset_pages_do_not_overlap() {
    let app = admin_app().await;
    sqlx::query(
        "insert into events (id, action, username, created_at) select gen_random_uuid(), 'bulk', 'x', now() - (i || ' seconds')::interval from generate_series(1, 250) i",
    )
    .execute(&app.pool)
    .await
    .expect("events");
    let mut seen = std::collections::HashSet::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let page = app
            .ok_fn(
                "admin/events/list",
                json!({ "query": { "action": "bulk", "after": after } }),
            )
            .await;
        for r in page["Ok"]["rows"].as_array().expect("rows") {
            assert!(
                seen.insert(r["id"].as_str().expect("id").to_string()),
                "no overlap"
            );
        }
        pages += 1;
        after = page["Ok"]["next"].as_str().expect("next").to_string();
        if after.is_empty() {
            break;
        }
    }
    assert_eq!((seen.len(), pages), (250, 3));
}

#[tokio::test]
async fn tokens_are_shown_once_and_stored_hashed() {
    let app = admin_app().await;
    let bad = app
        .ok_fn("admin/tokens/create", json!({ "form": { "identifier": "has space", "username": "nobody", "intent": "x", "expires": "2001-01-01" } }))
        .await;
    let errors = bad["Invalid"].as_object().expect("errors");
    assert_eq!(errors.len(), 4, "{bad}");
    assert_eq!(errors["expires"], "The expiry must be in the future.");
    let created = app
        .ok_fn("admin/tokens/create", json!({ "form": { "identifier": "ci-bot", "username": "akadmin", "intent": "api", "expires": "2099-01-01" } }))
        .await;
    let key = created["Ok"]["key"].as_str().expect("key").to_string();
    assert_eq!(key.len(), 60, "the default token length setting");
    let dup = app
        .ok_fn(
            "admin/tokens/create",
            json!({ "form": { "identifier": "ci-bot", "username": "akadmin", "intent": "api" } }),
        )
        .await;
    assert_eq!(
        dup["Invalid"]["identifier"],
        "A token with this identifier already exists."
    );
    let list = app.ok_fn("admin/tokens/list", json!({})).await;
    assert_eq!(list[0]["identifier"], "ci-bot");
    assert!(
        list[0]["expires_at"]
            .as_str()
            .expect("expiry")
            .starts_with("2099-01-01")
    );
    assert!(!list.to_string().contains(&key), "the key is never listed");
    let stored: Vec<u8> =
        sqlx::query_scalar("select key_hash from tokens where identifier = 'ci-bot'")
            .fetch_one(&app.pool)
            .await
            .expect("hash");
    assert_eq!(stored, app::ssr::crypto::secret::digest(&key));
    let events: String = sqlx::query_scalar("select string_agg(context::text, ' ') from events")
        .fetch_one(&app.pool)
        .await
        .expect("events");
    assert!(!events.contains(&key), "the key is never logged");
    app.ok_fn("admin/tokens/delete", json!({ "id": list[0]["id"] }))
        .await;
    assert_eq!(app.ok_fn("admin/tokens/list", json!({})).await, json!([]));
}

#[tokio::test]
async fn dashboard_counts_logins_per_hour() {
    let app = admin_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.new_browser().login("jane", "wrong-password").await;
    app.new_browser().login("jane", "jane-password-1").await;
    let stats = app.ok_fn("admin/dashboard", json!({})).await;
    assert_eq!(stats["users"], 2);
    assert_eq!(stats["groups"], 1);
    let hours = stats["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), 24);
    let logins: i64 = hours
        .iter()
        .map(|h| h["logins"].as_i64().unwrap_or(0))
        .sum();
    let failed: i64 = hours
        .iter()
        .map(|h| h["failed"].as_i64().unwrap_or(0))
        .sum();
    // The admin's setup login, jane's login; one failure.
    assert_eq!((logins, failed), (2, 1));
    assert_eq!(hours[23]["logins"], 2, "all in the current hour");
    let html = app.get("/if/admin/").await.text().await.expect("html");
    assert!(
        html.contains("id=\"login-chart\""),
        "the chart is server-rendered"
    );
    assert!(html.contains("2 successful, 1 failed"));
}

#[tokio::test]
async fn retention_deletes_only_old_events() {
    let app = admin_app().await;
    sqlx::query("insert into events (id, action, created_at) values (gen_random_uuid(), 'ancient', now() - interval '400 days'), (gen_random_uuid(), 'recent', now() - interval '10 days')")
        .execute(&app.pool)
        .await
        .expect("events");
    assert_eq!(
        app::ssr::retention::apply(&app.pool)
            .await
            .expect("retention"),
        1
    );
    assert!(app.events("ancient").await.is_empty());
    assert_eq!(app.events("recent").await.len(), 1);
    sqlx::query("update settings set event_retention_days = 5")
        .execute(&app.pool)
        .await
        .expect("setting");
    assert_eq!(
        app::ssr::retention::apply(&app.pool)
            .await
            .expect("retention"),
        1
    );
    assert!(app.events("recent").await.is_empty());
}
