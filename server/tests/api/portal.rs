use crate::helpers::spawn_app;
use serde_json::json;

const PORTAL_CALLS: [&str; 8] = [
    "me/profile",
    "me/profile/rules",
    "me/password",
    "me/sessions",
    "me/sessions/revoke",
    "me/events",
    "me/mfa",
    "me/mfa/remove",
];

#[tokio::test]
async fn portal_functions_need_a_signed_in_user() {
    let app = spawn_app().await;
    let bodies = [
        json!({ "profile": { "username": "x", "name": "x", "email": "x@example.com" } }),
        json!({}),
        json!({ "current": "a", "new": "b", "repeat": "b" }),
        json!({}),
        json!({ "id": "00000000-0000-0000-0000-000000000000" }),
        json!({}),
        json!({}),
        json!({ "id": "00000000-0000-0000-0000-000000000000" }),
    ];
    for (endpoint, body) in PORTAL_CALLS.iter().zip(bodies) {
        assert_eq!(
            app.json_fn(endpoint, body).await.status(),
            401,
            "{endpoint}"
        );
    }
}

#[tokio::test]
async fn users_change_their_profile_and_password() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.create_user("john", "john-password-1").await;
    app.login("jane", "jane-password-1").await;

    let taken = app
        .ok_fn(
            "me/profile",
            json!({ "profile": { "username": "jane", "name": "Jane", "email": "JOHN@example.com" } }),
        )
        .await;
    assert_eq!(
        taken,
        json!({ "Invalid": { "email": "This email address is already in use." } })
    );
    let bad = app
        .ok_fn(
            "me/profile",
            json!({ "profile": { "username": "jane", "name": "Jane", "email": "jane@" } }),
        )
        .await;
    assert_eq!(
        bad,
        json!({ "Invalid": { "email": "Please enter a valid email address." } })
    );
    assert_eq!(
        app.ok_fn(
            "me/profile",
            json!({ "profile": { "username": "jane", "name": "Jane D", "email": "jd@example.com" } })
        )
        .await,
        json!({ "Ok": null })
    );
    assert_eq!(
        app.ok_fn("me", json!(null)).await["email"],
        "jd@example.com"
    );

    let wrong = app
        .ok_fn(
            "me/password",
            json!({ "current": "nope", "new": "new-password-1", "repeat": "new-password-1" }),
        )
        .await;
    assert_eq!(
        wrong,
        json!({ "Invalid": { "current": "This is not your current password." } })
    );
    let mismatch = app
        .ok_fn(
            "me/password",
            json!({ "current": "jane-password-1", "new": "new-password-1", "repeat": "other" }),
        )
        .await;
    assert_eq!(
        mismatch,
        json!({ "Invalid": { "repeat": "The passwords don't match." } })
    );
    let ok = app
        .ok_fn("me/password", json!({ "current": "jane-password-1", "new": "new-password-1", "repeat": "new-password-1" }))
        .await;
    assert_eq!(ok, json!({ "Ok": null }));
    let fresh = app.new_browser();
    assert_eq!(
        fresh.login("jane", "jane-password-1").await["errors"]["password"],
        "Invalid username or password."
    );
    assert_eq!(
        fresh.new_browser().login("jane", "new-password-1").await["challenge"]["component"],
        "redirect"
    );

    let events = app.ok_fn("me/events", json!({})).await;
    let actions: Vec<&str> = events
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"password_set") && actions.contains(&"login"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn users_see_and_revoke_only_their_own_sessions() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.create_user("john", "john-password-1").await;
    app.login("jane", "jane-password-1").await;
    let phone = app.new_browser();
    phone.login("jane", "jane-password-1").await;
    let john = app.new_browser();
    john.login("john", "john-password-1").await;

    let mine = app.ok_fn("me/sessions", json!({})).await;
    let rows = mine.as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["username"] == "jane"));
    let other = rows
        .iter()
        .find(|r| r["current"] == false)
        .expect("the phone");

    let johns = john.ok_fn("me/sessions", json!({})).await;
    let res = app
        .json_fn("me/sessions/revoke", json!({ "id": johns[0]["id"] }))
        .await;
    assert_eq!(res.status(), 404, "not hers to revoke");
    assert_eq!(john.get("/if/user/").await.status(), 200);

    app.ok_fn("me/sessions/revoke", json!({ "id": other["id"] }))
        .await;
    assert_eq!(phone.get("/if/user/").await.status(), 302);
    assert_eq!(app.get("/if/user/").await.status(), 200);
}

/// The username is locked by default; an admin setting opens it, and the other fields can be
/// locked the same way.
#[tokio::test]
async fn profile_changes_follow_the_settings() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.create_user("john", "john-password-1").await;
    app.login("jane", "jane-password-1").await;
    let profile = |username: &str, name: &str| json!({ "profile": { "username": username, "name": name, "email": "jane@example.com" } });
    let locked = json!("Your administrator does not allow changing this.");
    assert_eq!(
        app.ok_fn("me/profile/rules", json!({})).await,
        json!({ "username": false, "name": true, "email": true })
    );
    let refused = app.ok_fn("me/profile", profile("janet", "Jane")).await;
    assert_eq!(refused["Invalid"]["username"], locked);
    assert_eq!(app.ok_fn("me", json!(null)).await["username"], "jane");

    sqlx::query("update settings set allow_change_username = true, allow_change_name = false")
        .execute(&app.pool)
        .await
        .expect("settings");
    let taken = app
        .ok_fn("me/profile", profile("JOHN", "jane Example"))
        .await;
    assert_eq!(
        taken["Invalid"]["username"],
        "This username is already taken."
    );
    let bad = app
        .ok_fn("me/profile", profile("jane doe", "jane Example"))
        .await;
    assert!(bad["Invalid"]["username"].is_string(), "{bad}");
    let name_locked = app.ok_fn("me/profile", profile("janet", "Someone")).await;
    assert_eq!(name_locked["Invalid"]["name"], locked);
    assert_eq!(
        app.ok_fn("me/profile", profile("janet", "jane Example"))
            .await,
        json!({ "Ok": null })
    );
    assert_eq!(app.ok_fn("me", json!(null)).await["username"], "janet");
    let changed = app.events("model_updated").await;
    assert!(
        changed
            .iter()
            .any(|(_, _, c)| c["diff"]["username"] == json!({ "old": "jane", "new": "janet" })),
        "{changed:?}"
    );
    app.logout().await;
    app.login("janet", "jane-password-1").await;
    assert_eq!(app.ok_fn("me", json!(null)).await["username"], "janet");
}

/// The avatar follows the avatars setting: none by default (no third-party request).
#[tokio::test]
async fn avatars_follow_the_setting() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.login("jane", "jane-password-1").await;
    let me = app.ok_fn("me", json!(null)).await;
    assert_eq!(me["avatar"], "None");
    assert_eq!(me["logout_url"], "/if/flow/default-invalidation-flow/");
    let portal = app.html(&app.url("/if/user/")).await;
    assert!(!portal.contains("gravatar.com"));
    assert!(!portal.contains("id=\"avatar\""));

    sqlx::query("update settings set avatars = 'gravatar'")
        .execute(&app.pool)
        .await
        .expect("settings");
    let me = app.ok_fn("me", json!(null)).await;
    let url = me["avatar"]["Image"].as_str().expect("image url");
    assert!(url.starts_with("https://www.gravatar.com/avatar/"), "{url}");
    let portal = app.html(&app.url("/if/user/")).await;
    assert!(portal.contains(url.split('?').next().expect("url")));

    sqlx::query("update settings set avatars = 'initials'")
        .execute(&app.pool)
        .await
        .expect("settings");
    assert_eq!(app.ok_fn("me", json!(null)).await["avatar"], "Initials");
}
