//! Forward auth (`/outpost.goauthentik.io/`): the header contract each reverse proxy relies on,
//! spoken to Ward directly as nginx, Traefik, Caddy and Envoy would speak it — the sign-in
//! round trip through the authorize endpoint, the identity headers, the refusals, sign-out,
//! and a warm check that reads no SQL.
use crate::helpers::{TestApp, spawn_api};
use crate::oauth2_oidc::authorize_as;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use server::protocols::proxy::check::database_lookups;

const PASSWORD: &str = "alice password 123";

pub struct Protected {
    client_id: String,
    cookie: String,
    slug: String,
}

/// An application `slug` behind a proxy provider on the embedded outpost, on the test app's
/// own address unless `settings` say otherwise; browsers sign in at the test app itself.
pub async fn protected(app: &TestApp, slug: &str, settings: Value) -> Protected {
    let mut body = json!({ "external_host": app.address });
    if let (Value::Object(b), Value::Object(s)) = (&mut body, settings) {
        b.extend(s);
    }
    let p = crate::proxy_peers::protect(app, slug, body).await;
    Protected {
        client_id: p.client_id,
        cookie: p.cookie,
        slug: slug.to_string(),
    }
}

fn host_of(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Traefik's (and Caddy's) check for `uri` on `host`, with extra headers.
async fn traefik(b: &TestApp, host: &str, uri: &str, extra: &[(&str, &str)]) -> Response {
    let mut req = b
        .client
        .get(b.url("/outpost.goauthentik.io/auth/traefik"))
        .header("X-Forwarded-Proto", "http")
        .header("X-Forwarded-Host", host)
        .header("X-Forwarded-Uri", uri);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req.send().await.expect("traefik check")
}

/// nginx's `auth_request` for the absolute `url`.
pub async fn nginx(b: &TestApp, url: &str, extra: &[(&str, &str)]) -> Response {
    let mut req = b
        .client
        .get(b.url("/outpost.goauthentik.io/auth/nginx"))
        .header("X-Original-URL", url);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req.send().await.expect("nginx check")
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn set_cookie(res: &Response, name: &str) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_default()
        .to_string()
}

/// Signs `b` in through the Traefik redirect: the session cookie's value.
pub async fn sign_in(app: &TestApp, b: &TestApp, p: &Protected, user: &str, uri: &str) -> String {
    let res = traefik(b, &host_of(app), uri, &[]).await;
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    let pending = set_cookie(&res, &p.cookie);
    assert!(
        pending.contains("HttpOnly") && pending.contains("SameSite=Lax"),
        "{pending}"
    );
    let to = url::Url::parse(&header(&res, "location")).expect("authorize url");
    assert_eq!(to.path(), "/application/o/authorize/");
    let q = |k: &str| {
        to.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q("client_id").as_deref(), Some(p.client_id.as_str()));
    assert_eq!(
        q("redirect_uri"),
        Some(format!(
            "{}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true",
            app.address
        ))
    );
    assert!(
        q("scope")
            .expect("scope")
            .split(' ')
            .any(|s| s == "ak_proxy")
    );
    let back = authorize_as(b, to.as_str(), user, PASSWORD).await;
    assert_eq!(back.path(), "/outpost.goauthentik.io/callback", "{back}");
    let res = b.client.get(back.as_str()).send().await.expect("callback");
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    assert_eq!(header(&res, "location"), format!("{}{uri}", app.address));
    let session = set_cookie(&res, &p.cookie);
    assert!(
        session.contains("HttpOnly") && !session.contains("Domain="),
        "{session}"
    );
    session
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("cookie value")
}

#[tokio::test]
async fn a_browser_signs_in_through_the_redirect_and_every_proxy_gets_the_identity() {
    let app = spawn_api().await;
    let alice = app.create_user("alice", PASSWORD).await;
    app.admin_api(
        Method::POST,
        "/core/groups/",
        Some(json!({ "name": "staff", "users": [alice.to_string()] })),
    )
    .await;
    let p = protected(&app, "whoami", json!({})).await;
    let browser = app.new_browser();
    let value = sign_in(&app, &browser, &p, "alice", "/private?a=1").await;

    // Traefik: the identity, never the client's own claim to one.
    let res = traefik(
        &browser,
        &host_of(&app),
        "/private",
        &[("X-authentik-username", "mallory")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-authentik-username"), "alice");
    assert_eq!(header(&res, "x-authentik-email"), "alice@example.com");
    assert_eq!(header(&res, "x-authentik-name"), "alice Example");
    assert_eq!(header(&res, "x-authentik-groups"), "staff");
    assert_eq!(
        header(&res, "x-authentik-uid").len(),
        64,
        "the hashed user id"
    );
    assert_eq!(header(&res, "x-authentik-jwt").split('.').count(), 3);
    assert_eq!(header(&res, "x-authentik-meta-app"), "whoami");
    assert_eq!(header(&res, "x-authentik-meta-provider"), "whoami proxy");
    assert_eq!(
        header(&res, "x-authentik-meta-outpost"),
        "authentik Embedded Outpost"
    );
    assert_eq!(
        header(&res, "x-authentik-meta-jwks"),
        format!("{}/application/o/whoami/jwks/", app.address)
    );
    assert!(header(&res, "x-authentik-meta-version").starts_with("goauthentik.io/outpost/"));

    // nginx, Caddy and Envoy read the same session.
    let original = format!("{}/private", app.address);
    let res = nginx(&browser, &original, &[]).await;
    assert_eq!(
        (res.status().as_u16(), header(&res, "x-authentik-username")),
        (200, "alice".into())
    );
    let res = browser
        .client
        .get(browser.url("/outpost.goauthentik.io/auth/caddy"))
        .header("X-Forwarded-Proto", "http")
        .header("X-Forwarded-Host", host_of(&app))
        .header("X-Forwarded-Uri", "/x")
        .send()
        .await
        .expect("caddy");
    assert_eq!(
        (res.status().as_u16(), header(&res, "x-authentik-username")),
        (200, "alice".into())
    );
    let res = browser
        .client
        .post(browser.url("/outpost.goauthentik.io/auth/envoy/private/page?x=1"))
        .send()
        .await
        .expect("envoy");
    assert_eq!(
        (res.status().as_u16(), header(&res, "x-authentik-username")),
        (200, "alice".into())
    );

    // A warm check reads no SQL.
    let before = database_lookups();
    for _ in 0..5 {
        assert_eq!(nginx(&browser, &original, &[]).await.status(), 200);
    }
    assert_eq!(
        database_lookups(),
        before,
        "warm checks looked up the database"
    );

    // Anyone else: nginx gets 401, a tampered cookie is nobody, another provider's cookie
    // name does not carry this session.
    let stranger = app.new_browser();
    assert_eq!(nginx(&stranger, &original, &[]).await.status(), 401);
    let mut tampered = value.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == '0' { '1' } else { '0' });
    for forged in [
        tampered,
        format!("{value}x"),
        "pending.abc".into(),
        String::new(),
    ] {
        let cookie = format!("{}={forged}", p.cookie);
        let res = nginx(&stranger, &original, &[("Cookie", &cookie)]).await;
        assert_eq!(res.status(), 401, "{forged}");
        assert_eq!(header(&res, "x-authentik-username"), "");
    }
    assert_eq!(
        traefik(&stranger, &host_of(&app), "/", &[]).await.status(),
        302
    );

    // Sign out: the session ends everywhere and the browser goes to the end-session URL.
    let res = browser
        .client
        .get(browser.url("/outpost.goauthentik.io/sign_out"))
        .send()
        .await
        .expect("sign out");
    assert_eq!(res.status(), 302);
    assert_eq!(
        header(&res, "location"),
        format!("{}/application/o/whoami/end-session/", app.address)
    );
    assert!(set_cookie(&res, &p.cookie).contains("Max-Age=0"));
    let cookie = format!("{}={value}", p.cookie);
    assert_eq!(
        nginx(&stranger, &original, &[("Cookie", &cookie)])
            .await
            .status(),
        401
    );
    assert_eq!(p.slug, "whoami");
}

#[tokio::test]
async fn misconfigured_proxies_unknown_hosts_skip_paths_and_policies() {
    let app = spawn_api().await;
    app.create_user("alice", PASSWORD).await;
    let p = protected(
        &app,
        "wiki",
        json!({ "skip_path_regex": "^/public/\n^/health$" }),
    )
    .await;
    let b = app.new_browser();

    // No original URL: 500 and an event naming the problem.
    let res = b
        .client
        .get(b.url("/outpost.goauthentik.io/auth/nginx"))
        .send()
        .await
        .expect("nginx");
    assert_eq!(res.status(), 500);
    assert_eq!(res.text().await.expect("body"), "configuration error");
    let events = app.events("configuration_error").await;
    assert!(
        events
            .iter()
            .any(|(_, _, c)| c["message"].as_str().is_some_and(|m| m.contains("Nginx"))),
        "{events:?}"
    );
    // A host no provider serves.
    let res = nginx(&b, "http://nobody.test/", &[]).await;
    assert_eq!(res.status(), 400);

    // Unauthenticated paths pass without an identity; others do not.
    let public = format!("{}/public/logo.png", app.address);
    let res = nginx(&b, &public, &[("X-authentik-username", "mallory")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-authentik-username"), "");
    assert_eq!(
        nginx(&b, &format!("{}/health", app.address), &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        nginx(&b, &format!("{}/healthz", app.address), &[])
            .await
            .status(),
        401
    );
    assert_eq!(
        nginx(&b, &format!("{}/public/../admin", app.address), &[])
            .await
            .status(),
        401
    );

    // `/start` ignores an `rd` on another host: the browser lands on the external host.
    let res = b
        .client
        .get(b.url("/outpost.goauthentik.io/start?rd=http%3A%2F%2Fevil.test%2F"))
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), 302);
    let back = authorize_as(&b, &header(&res, "location"), "alice", PASSWORD).await;
    let res = b.client.get(back.as_str()).send().await.expect("callback");
    assert_eq!(header(&res, "location"), format!("{}/", app.address));

    // A state brought by another browser (no nonce in its cookie) is no session.
    let other = app.new_browser();
    let res = other
        .client
        .get(back.as_str())
        .send()
        .await
        .expect("foreign");
    assert_eq!(res.status(), 302);
    assert!(header(&res, "location").contains("/application/o/authorize/"));
    assert!(set_cookie(&res, &p.cookie).contains("=pending."));

    // A signed-in user the application's policies refuse gets 403 and an event.
    let original = format!("{}/private", app.address);
    assert_eq!(nginx(&b, &original, &[]).await.status(), 200);
    let bob = app.create_user("bob", "bob password 123").await;
    let wiki = app
        .admin_api(Method::GET, "/core/applications/wiki/", None)
        .await;
    app.admin_api(
        Method::POST,
        "/policies/bindings/",
        Some(json!({ "target": wiki["pk"], "user": bob, "order": 0 })),
    )
    .await;
    let res = nginx(&b, &original, &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(header(&res, "x-authentik-username"), "");
    let denied = app.events("access_denied").await;
    assert!(
        denied
            .iter()
            .any(|(u, _, c)| u == "alice" && c["application"] == "wiki"),
        "{denied:?}"
    );
}

#[tokio::test]
async fn domain_level_mode_shares_one_session_across_subdomains() {
    let app = spawn_api().await;
    app.create_user("alice", PASSWORD).await;
    let p = protected(
        &app,
        "home",
        json!({
            "mode": "forward_domain",
            "cookie_domain": "home.test",
            "external_host": "http://auth.home.test",
        }),
    )
    .await;
    let b = app.new_browser();
    // A subdomain's check sends the browser to sign in with a cookie for the whole domain.
    let res = traefik(&b, "wiki.home.test", "/page", &[]).await;
    assert_eq!(res.status(), 302);
    let pending = set_cookie(&res, &p.cookie);
    assert!(pending.contains("Domain=home.test"), "{pending}");
    let nonce = pending.split(';').next().expect("kv").to_string();
    let back = authorize_as(&b, &header(&res, "location"), "alice", PASSWORD).await;
    // The callback is on the sign-in host (here through a trusted proxy); the browser brings
    // the domain cookie along.
    assert_eq!(back.host_str(), Some("auth.home.test"));
    let path = &back[url::Position::BeforePath..];
    let res = b
        .client
        .get(b.url(path))
        .header("X-Forwarded-Host", "auth.home.test")
        .header("Cookie", &nonce)
        .send()
        .await
        .expect("callback");
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    assert_eq!(header(&res, "location"), "http://wiki.home.test/page");
    let session = set_cookie(&res, &p.cookie);
    assert!(session.contains("Domain=home.test"), "{session}");
    let cookie = session.split(';').next().expect("kv").to_string();
    // Every subdomain accepts it; hosts outside the domain are no provider's.
    for host in ["wiki.home.test", "git.home.test", "home.test"] {
        let res = traefik(&b, host, "/", &[("Cookie", &cookie)]).await;
        assert_eq!(
            (res.status().as_u16(), header(&res, "x-authentik-username")),
            (200, "alice".into()),
            "{host}"
        );
    }
    assert_eq!(
        traefik(&b, "home.test.evil", "/", &[("Cookie", &cookie)])
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn header_authentication_takes_this_providers_tokens_and_app_passwords() {
    use crate::oauth2_app_passwords::app_password;
    use base64::Engine;
    let app = spawn_api().await;
    let alice = app.create_user("alice", PASSWORD).await;
    let p = protected(&app, "api", json!({})).await;
    let other = protected(
        &app,
        "other",
        json!({ "external_host": "http://other.test" }),
    )
    .await;
    let key = app_password(&app, alice, "alice-api").await;
    let original = format!("{}/v1/items", app.address);
    let b = app.new_browser();

    // Basic with an app password: the identity, without a cookie or a redirect.
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("alice:{key}"))
    );
    let res = nginx(&b, &original, &[("Authorization", &basic)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-authentik-username"), "alice");
    let jwt = header(&res, "x-authentik-jwt");
    assert!(set_cookie(&res, &p.cookie).is_empty());

    // That provider's access token as a Bearer works; on another provider's host it does not.
    let bearer = format!("Bearer {jwt}");
    let res = nginx(&b, &original, &[("Authorization", &bearer)]).await;
    assert_eq!(
        (res.status().as_u16(), header(&res, "x-authentik-username")),
        (200, "alice".into())
    );
    let res = nginx(&b, "http://other.test/", &[("Authorization", &bearer)]).await;
    assert_eq!(res.status(), 401);
    assert!(!other.client_id.is_empty());

    // A wrong password or a made-up token: 401 even from Traefik (no sign-in redirect), and
    // the failure is an event.
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("alice:not-the-key")
    );
    let res = traefik(&b, &host_of(&app), "/v1", &[("Authorization", &wrong)]).await;
    assert_eq!(res.status(), 401);
    let res = traefik(
        &b,
        &host_of(&app),
        "/v1",
        &[("Authorization", "Bearer made.up.token")],
    )
    .await;
    assert_eq!(res.status(), 401);
    let refused = app.events("login_failed").await;
    assert!(
        refused
            .iter()
            .any(|(_, _, c)| c["username"] == "alice" && c["application"] == "api"),
        "the wrong app password is an event: {refused:?}"
    );
}

#[tokio::test]
async fn the_cleanup_deletes_ended_proxy_sessions_only() {
    use app::ssr::providers::proxy::sessions;
    let app = spawn_api().await;
    let alice = app.create_user("alice", PASSWORD).await;
    let p = protected(&app, "clean", json!({})).await;
    let provider: uuid::Uuid = sqlx::query_scalar("select id from providers where client_id = $1")
        .bind(&p.client_id)
        .fetch_one(&app.pool)
        .await
        .expect("provider");
    let claims = serde_json::Map::new();
    let new = |ttl_secs| sessions::NewSession {
        provider_id: provider,
        user_id: alice,
        session_id: None,
        claims: &claims,
        token: "t",
        ttl_secs,
    };
    let key = crate::helpers::SECRET_KEY;
    let live = sessions::create(&app.pool, key, &new(3600))
        .await
        .expect("live");
    let ended = sessions::create(&app.pool, key, &new(-1))
        .await
        .expect("ended");
    assert_eq!(
        sessions::delete_expired(&app.pool).await.expect("cleanup"),
        1
    );
    assert_eq!(sessions::delete_expired(&app.pool).await.expect("again"), 0);
    let found = sessions::load(&app.pool, key, provider, &live)
        .await
        .expect("load");
    assert_eq!(found.map(|s| s.user_id), Some(alice));
    let gone = sessions::load(&app.pool, key, provider, &ended)
        .await
        .expect("load");
    assert!(gone.is_none());
}
