//! Forward auth behind a real nginx (`auth_request`, authentik's standalone snippet): what a
//! browser and the protected application see.
use crate::helpers::{TestApp, spawn_api};
use crate::proxy_peers::{
    Echo, PASSWORD, Peer, StartAt, browser, cookie_value, get, location, nginx, protect, seen,
    set_cookie, sign_in_at_ward,
};
use reqwest::Method;
use serde_json::{Value, json};

/// An anonymous browser asking for `url` is sent to `/start` on `start_host`, and from there
/// to Ward's authorize endpoint with a pending cookie: that endpoint's URL.
async fn to_sign_in(b: &TestApp, peer: &Peer, url: &str, start_host: &str, cookie: &str) -> String {
    let res = get(b, url, &[]).await;
    assert_eq!(res.status(), 302, "{url}: {}", peer.logs());
    let start = location(&res);
    let rd = url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>();
    let expected = peer.url(start_host, "/outpost.goauthentik.io/start?rd=");
    // nginx puts the URL in as it is (the snippet does not escape it).
    assert!(
        start == format!("{expected}{url}") || start == format!("{expected}{rd}"),
        "{start}"
    );
    let res = get(b, &start, &[]).await;
    assert_eq!(res.status(), 302, "{start}: {}", peer.logs());
    let pending = set_cookie(&res, cookie);
    assert!(cookie_value(&pending).starts_with("pending."), "{pending}");
    location(&res)
}

async fn body(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("the echo app's JSON")
}

#[tokio::test]
async fn nginx_signs_a_browser_in_and_the_app_sees_who_it_is() {
    let app = spawn_api().await;
    let alice = app.create_user("alice", PASSWORD).await;
    app.admin_api(
        Method::POST,
        "/core/groups/",
        Some(json!({ "name": "staff", "users": [alice.to_string()] })),
    )
    .await;
    let echo = Echo::start().await;
    let peer = nginx(&app.address, &echo, &["app.test"], StartAt::SameHost).await;
    let p = protect(
        &app,
        "whoami",
        json!({ "external_host": peer.url("app.test", "") }),
    )
    .await;
    let b = browser(&app, &["app.test"]);

    let original = peer.url("app.test", "/private/page?a=1");
    let authorize = to_sign_in(&b, &peer, &original, "app.test", &p.cookie).await;
    assert_eq!(echo.hits(), 0, "the app saw an anonymous request");
    let res = sign_in_at_ward(&b, &authorize, "alice").await;
    assert_eq!(res.status(), 302, "{}", peer.logs());
    assert_eq!(location(&res), original);
    let session = set_cookie(&res, &p.cookie);
    assert!(
        session.contains("HttpOnly") && !session.contains("Domain="),
        "{session}"
    );

    // Back where it was going: the app sees alice, never the browser's own claim.
    let seen_by_app = body(get(&b, &original, &[("X-authentik-username", "mallory")]).await).await;
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
    assert_eq!(echo.hits(), 1);

    // A tampered cookie is nobody: sign in again, and the app sees nothing.
    let value = cookie_value(&session);
    let mut tampered = value.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'a' { 'b' } else { 'a' });
    let stranger = browser(&app, &["app.test"]);
    for forged in [tampered, format!("{value}x"), "pending.abc".into()] {
        let cookie = format!("{}={forged}", p.cookie);
        let res = get(&stranger, &original, &[("Cookie", &cookie)]).await;
        assert_eq!(res.status(), 302, "{forged}");
        assert!(
            location(&res).starts_with(&peer.url("app.test", "/outpost.goauthentik.io/start?rd=")),
            "{}",
            location(&res)
        );
    }
    assert_eq!(echo.hits(), 1);
}

#[tokio::test]
async fn nginx_domain_level_signs_in_once_for_every_subdomain_until_sign_out() {
    let app = spawn_api().await;
    app.create_user("alice", PASSWORD).await;
    let echo = Echo::start().await;
    let hosts = ["auth.home.test", "wiki.home.test", "git.home.test"];
    let peer = nginx(&app.address, &echo, &hosts, StartAt::Host("auth.home.test")).await;
    let p = protect(
        &app,
        "home",
        json!({
            "mode": "forward_domain",
            "cookie_domain": "home.test",
            "external_host": peer.url("auth.home.test", ""),
        }),
    )
    .await;
    let b = browser(&app, &hosts);

    // Signed in on the wiki, by way of the sign-in host.
    let wiki = peer.url("wiki.home.test", "/page");
    let authorize = to_sign_in(&b, &peer, &wiki, "auth.home.test", &p.cookie).await;
    let res = sign_in_at_ward(&b, &authorize, "alice").await;
    assert_eq!(res.status(), 302, "{}", peer.logs());
    assert!(
        res.url()
            .as_str()
            .starts_with(&peer.url("auth.home.test", "/outpost.goauthentik.io/callback")),
        "{}",
        res.url()
    );
    assert_eq!(location(&res), wiki);
    let session = set_cookie(&res, &p.cookie);
    assert!(session.contains("Domain=home.test"), "{session}");
    let seen_by_app = body(get(&b, &wiki, &[]).await).await;
    assert_eq!(
        seen(&seen_by_app, "x-authentik-username").as_deref(),
        Some("alice")
    );

    // Another subdomain takes the same session without a sign-in.
    let git = peer.url("git.home.test", "/repo");
    let seen_by_app = body(get(&b, &git, &[]).await).await;
    assert_eq!(
        seen(&seen_by_app, "x-authentik-username").as_deref(),
        Some("alice")
    );
    assert_eq!(seen_by_app["uri"], "/repo");

    // Signing out on one subdomain ends it on all of them, even for a copy of the cookie.
    let res = get(
        &b,
        &peer.url("git.home.test", "/outpost.goauthentik.io/sign_out"),
        &[],
    )
    .await;
    assert_eq!(res.status(), 302, "{}", peer.logs());
    assert_eq!(location(&res), app.url("/application/o/home/end-session/"));
    let cleared = set_cookie(&res, &p.cookie);
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("Domain=home.test"),
        "{cleared}"
    );
    let hits = echo.hits();
    for url in [&wiki, &git] {
        let res = get(&b, url, &[]).await;
        assert_eq!(res.status(), 302, "{url}");
        assert!(
            location(&res).contains("/outpost.goauthentik.io/start?rd="),
            "{}",
            location(&res)
        );
    }
    let copy = format!("{}={}", p.cookie, cookie_value(&session));
    let res = get(&browser(&app, &hosts), &wiki, &[("Cookie", &copy)]).await;
    assert_eq!(res.status(), 302);
    assert_eq!(echo.hits(), hits, "the app saw a signed-out request");
}

#[tokio::test]
async fn nginx_skip_paths_pass_anonymously_and_forged_identities_never_reach_the_app() {
    let app = spawn_api().await;
    let echo = Echo::start().await;
    let peer = nginx(&app.address, &echo, &["app.test"], StartAt::SameHost).await;
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
    let forged = [
        ("X-authentik-username", "mallory"),
        ("X-authentik-groups", "admins"),
        ("X-authentik-email", "mallory@example.com"),
    ];

    let seen_by_app = body(get(&b, &peer.url("app.test", "/public/logo.png"), &forged).await).await;
    assert_eq!(seen_by_app["uri"], "/public/logo.png");
    for (name, _) in forged {
        assert_eq!(seen(&seen_by_app, name), None, "{name}: {seen_by_app}");
    }

    // Anywhere else the forged headers buy nothing but the sign-in.
    let res = get(&b, &peer.url("app.test", "/admin"), &forged).await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).contains("/outpost.goauthentik.io/start?rd="));
    assert_eq!(echo.hits(), 1);
}

#[tokio::test]
async fn nginx_refuses_a_user_the_applications_policies_exclude() {
    let app = spawn_api().await;
    app.create_user("alice", PASSWORD).await;
    let bob = app.create_user("bob", "bob password 123").await;
    let echo = Echo::start().await;
    let peer = nginx(&app.address, &echo, &["app.test"], StartAt::SameHost).await;
    let p = protect(
        &app,
        "wiki",
        json!({ "external_host": peer.url("app.test", "") }),
    )
    .await;
    let b = browser(&app, &["app.test"]);
    let original = peer.url("app.test", "/");
    let authorize = to_sign_in(&b, &peer, &original, "app.test", &p.cookie).await;
    let res = sign_in_at_ward(&b, &authorize, "alice").await;
    assert_eq!(location(&res), original);
    let seen_by_app = body(get(&b, &original, &[]).await).await;
    assert_eq!(
        seen(&seen_by_app, "x-authentik-username").as_deref(),
        Some("alice")
    );

    // From now on only bob may use the application: alice's session meets nginx's 403.
    app.admin_api(
        Method::POST,
        "/policies/bindings/",
        Some(json!({ "target": p.application["pk"], "user": bob, "order": 0 })),
    )
    .await;
    let res = get(&b, &original, &[]).await;
    assert_eq!(res.status(), 403, "{}", peer.logs());
    assert!(res.text().await.expect("body").contains("403 Forbidden"));
    assert_eq!(echo.hits(), 1, "the app saw a refused request");
    let denied = app.events("access_denied").await;
    assert!(
        denied
            .iter()
            .any(|(u, _, c)| u == "alice" && c["application"] == "wiki"),
        "{denied:?}"
    );
}
