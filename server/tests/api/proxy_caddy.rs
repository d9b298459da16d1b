//! Forward auth behind a real Caddy (`forward_auth`, authentik's snippet; Debian's Caddy 2.6):
//! what a browser and the protected application see.
use crate::helpers::spawn_api;
use crate::proxy_peers::{
    Echo, PASSWORD, browser, caddy, cookie_value, get, location, protect, seen, set_cookie,
    sign_in_at_ward,
};
use reqwest::Method;
use serde_json::{Value, json};

async fn body(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("the echo app's JSON")
}

#[tokio::test]
async fn caddy_signs_a_browser_in_and_the_app_sees_who_it_is_never_a_forged_identity() {
    let app = spawn_api().await;
    let alice = app.create_user("alice", PASSWORD).await;
    app.admin_api(
        Method::POST,
        "/core/groups/",
        Some(json!({ "name": "staff", "users": [alice.to_string()] })),
    )
    .await;
    let echo = Echo::start().await;
    let peer = caddy(&app.address, &echo, "app.test").await;
    let p = protect(
        &app,
        "whoami",
        json!({ "external_host": peer.url("app.test", "") }),
    )
    .await;
    let b = browser(&app, &["app.test"]);
    let forged = [
        ("X-authentik-username", "mallory"),
        ("X-authentik-groups", "admins"),
    ];

    // Anonymous, even claiming to be mallory: straight to Ward's sign-in with a pending cookie.
    let original = peer.url("app.test", "/private/page?a=1");
    let res = get(&b, &original, &forged).await;
    assert_eq!(res.status(), 302, "{}", peer.logs());
    let pending = set_cookie(&res, &p.cookie);
    assert!(cookie_value(&pending).starts_with("pending."), "{pending}");
    let authorize = location(&res);
    assert!(
        authorize.starts_with(&app.url("/application/o/authorize/")),
        "{authorize}"
    );
    let redirect_uri = url::Url::parse(&authorize)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned());
    assert_eq!(
        redirect_uri,
        Some(peer.url(
            "app.test",
            "/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
        ))
    );
    assert_eq!(echo.hits(), 0);

    // Signed in at Ward, back through Caddy's callback to where it was going.
    let res = sign_in_at_ward(&b, &authorize, "alice").await;
    assert_eq!(res.status(), 302, "{}", peer.logs());
    assert_eq!(location(&res), original);
    let session = set_cookie(&res, &p.cookie);
    assert!(session.contains("HttpOnly"), "{session}");
    let seen_by_app = body(get(&b, &original, &forged).await).await;
    assert_eq!(seen_by_app["uri"], "/private/page?a=1");
    assert_eq!(
        seen(&seen_by_app, "x-authentik-username").as_deref(),
        Some("alice")
    );
    assert_eq!(
        seen(&seen_by_app, "x-authentik-groups").as_deref(),
        Some("staff")
    );
    assert_eq!(
        seen(&seen_by_app, "x-authentik-email").as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(
        seen(&seen_by_app, "x-authentik-name").as_deref(),
        Some("alice Example")
    );
    assert_eq!(
        seen(&seen_by_app, "x-authentik-uid").map(|u| u.len()),
        Some(64)
    );
    let jwt = seen(&seen_by_app, "x-authentik-jwt").expect("jwt");
    assert_eq!(jwt.split('.').count(), 3);
    // Ward issued it, whatever host the callback came on.
    let claims = server::protocols::oauth2::payload(&jwt).expect("claims");
    assert_eq!(claims["iss"], app.url("/application/o/whoami/"));
    assert_eq!(
        seen(&seen_by_app, "x-authentik-meta-app").as_deref(),
        Some("whoami")
    );
    assert_eq!(echo.hits(), 1);

    // A tampered cookie is nobody: back to the sign-in.
    let value = cookie_value(&session);
    let mut tampered = value.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'a' { 'b' } else { 'a' });
    let stranger = browser(&app, &["app.test"]);
    for forged_cookie in [tampered, format!("{value}x")] {
        let cookie = format!("{}={forged_cookie}", p.cookie);
        let res = get(&stranger, &original, &[("Cookie", &cookie)]).await;
        assert_eq!(res.status(), 302, "{forged_cookie}");
        assert!(location(&res).starts_with(&app.url("/application/o/authorize/")));
    }
    assert_eq!(echo.hits(), 1);
}

#[tokio::test]
async fn caddy_skip_paths_pass_without_an_identity() {
    let app = spawn_api().await;
    let echo = Echo::start().await;
    let peer = caddy(&app.address, &echo, "app.test").await;
    protect(
        &app,
        "wiki",
        json!({
            "external_host": peer.url("app.test", ""),
            "skip_path_regex": "^/public/",
        }),
    )
    .await;
    let b = browser(&app, &["app.test"]);

    let public = peer.url("app.test", "/public/logo.png");
    let seen_by_app = body(get(&b, &public, &[("X-authentik-username", "mallory")]).await).await;
    assert_eq!(seen_by_app["uri"], "/public/logo.png");
    // Never the forged identity, nor Caddy 2.6's unexpanded placeholder for a header the check
    // did not answer with (caddyserver/caddy#6610): Ward answers every identity header empty.
    for name in [
        "X-Authentik-Username",
        "X-Authentik-Groups",
        "X-Authentik-Uid",
    ] {
        let value = seen(&seen_by_app, name).unwrap_or_default();
        assert!(value.is_empty(), "{name}: {value:?}");
    }

    let res = get(
        &b,
        &peer.url("app.test", "/private"),
        &[("X-authentik-username", "mallory")],
    )
    .await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).starts_with(&app.url("/application/o/authorize/")));
    assert_eq!(echo.hits(), 1);
}
