use crate::helpers::{spawn_app, spawn_app_untrusting};

#[tokio::test]
async fn cross_site_server_fn_posts_are_refused() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    let url = app.url("/-/fn/flow/submit");
    let form = [
        ("slug", "default-authentication-flow"),
        ("fields[uid_field]", "jane"),
    ];
    let from_evil = app
        .client
        .post(&url)
        .header("Origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(from_evil.status(), 403);
    assert_eq!(
        from_evil.text().await.expect("body"),
        "Cross-site requests are not allowed."
    );
    let cross = app
        .client
        .post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(cross.status(), 403);
    let events = app.events("suspicious_request").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].2["origin"], "https://evil.example");
    // The same request from our own origin goes through.
    app.load_flow("default-authentication-flow", &[]).await;
    let ok = app
        .client
        .post(&url)
        .header("Origin", &app.address)
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 200);
}

/// A failed login whose request claims to come from 198.51.100.7; returns the recorded client IP.
async fn failed_login_via_forwarded_for(app: &crate::helpers::TestApp) -> Option<String> {
    failed_login_forwarded(app, &["198.51.100.7"]).await
}

/// A failed login with these X-Forwarded-For header lines; returns the recorded client IP.
async fn failed_login_forwarded(app: &crate::helpers::TestApp, lines: &[&str]) -> Option<String> {
    app.load_flow("default-authentication-flow", &[]).await;
    app.submit("default-authentication-flow", &[("uid_field", "someone")])
        .await;
    let mut req = app.client.post(app.url("/-/fn/flow/submit"));
    for line in lines {
        req = req.header("X-Forwarded-For", *line);
    }
    let res = req
        .form(&[
            ("slug", "default-authentication-flow"),
            ("fields[password]", "wrong-password"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    app.events("login_failed").await.remove(0).1
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app_untrusting().await;
    assert_eq!(
        failed_login_via_forwarded_for(&app).await.as_deref(),
        Some("127.0.0.1")
    );
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_is_used() {
    let app = spawn_app().await;
    assert_eq!(
        failed_login_via_forwarded_for(&app).await.as_deref(),
        Some("198.51.100.7")
    );
}

/// HAProxy adds its own header line; the client's own line and garbage entries are not believed.
#[tokio::test]
async fn forwarded_for_reads_every_line_and_skips_garbage() {
    let app = spawn_app().await;
    assert_eq!(
        failed_login_forwarded(&app, &["203.0.113.66", "198.51.100.7, unknown"])
            .await
            .as_deref(),
        Some("198.51.100.7")
    );
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_secure_behind_https() {
    let app = spawn_app().await;
    let res = app
        .server_fn("flow/load", &[("slug", "default-authentication-flow")])
        .await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(cookie.starts_with("ward_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http: no Secure flag: {cookie}"
    );

    let proxied = app.new_browser();
    let res = proxied
        .client
        .post(proxied.url("/-/fn/flow/load"))
        .header("X-Forwarded-Proto", "https")
        .form(&[("slug", "default-authentication-flow")])
        .send()
        .await
        .expect("post");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn internal_errors_do_not_leak() {
    let app = spawn_app().await;
    // A flow whose stage has a broken configuration.
    sqlx::query("update stages set config = '{\"fields\": 5}' where name = 'initial-setup-prompt'")
        .execute(&app.pool)
        .await
        .expect("break");
    app.caches.clear();
    let res = app
        .server_fn("flow/load", &[("slug", "initial-setup")])
        .await;
    assert_eq!(res.status(), 500);
    let body = res.text().await.expect("body");
    assert!(body.contains("Something went wrong on our side"), "{body}");
    assert!(!body.contains("bad config"), "{body}");
}
