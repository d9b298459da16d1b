//! A remote outpost (`ward outpost proxy`, the real binary) against a running Ward: it loads
//! its providers over the API with its token, serves forward auth behind a real nginx, keeps
//! signed-in sessions while Ward is unreachable, and reports its health to the admin's
//! Outposts screen until it stops.
use crate::helpers::{ADMIN_PASSWORD, TestApp, spawn_api};
use crate::proxy_peers::{
    Echo, PASSWORD, StartAt, browser, cookie_value, get, location, nginx_at, reserve_port, seen,
    set_cookie, sign_in_at_ward,
};
use reqwest::Method;
use serde_json::{Value, json};
use server::protocols::proxy::cookie::cookie_name;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// A TCP relay to Ward that can be cut off, as a network outage would: the outpost reaches
/// Ward only through it.
struct Relay {
    port: u16,
    open: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn to(target: &str) -> Relay {
        let target = target.trim_start_matches("http://").to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("relay");
        let port = listener.local_addr().expect("addr").port();
        let open = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (o, c) = (open.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is reset
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                c.lock().expect("conns").push(task);
            }
        });
        Relay { port, open, conns }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Ward becomes unreachable: open connections are cut, new ones refused.
    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for task in self.conns.lock().expect("conns").drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// The outpost process; killed on drop.
struct Outpost {
    child: Child,
    log: std::path::PathBuf,
    port: u16,
}

impl Outpost {
    async fn start(host: &str, browser_host: &str, token: &str) -> Outpost {
        let port = reserve_port();
        let log = std::env::temp_dir().join(format!("ward-outpost-{}.log", uuid::Uuid::new_v4()));
        let child = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["outpost", "proxy"])
            .env("AUTHENTIK_HOST", host)
            .env("AUTHENTIK_HOST_BROWSER", browser_host)
            .env("AUTHENTIK_TOKEN", token)
            .env("AUTHENTIK_INSECURE", "false")
            .env("AUTHENTIK_LISTEN__HTTP", format!("127.0.0.1:{port}"))
            .env("WARD_LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("ward outpost proxy");
        let mut o = Outpost { child, log, port };
        let ping = format!("http://127.0.0.1:{port}/outpost.goauthentik.io/ping");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(
                o.child.try_wait().expect("wait").is_none(),
                "the outpost stopped: {}",
                o.logs()
            );
            if let Ok(res) = reqwest::get(&ping).await {
                assert_eq!(res.status(), 204);
                return o;
            }
            assert!(Instant::now() < deadline, "no ping: {}", o.logs());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, as `docker stop` sends, and its exit status.
    async fn stop(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "still running: {}", self.logs());
            // Not a blocking sleep: Ward runs on this test's thread and must take the report.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Outpost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

async fn flow(app: &TestApp, slug: &str) -> Value {
    app.admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await["pk"]
        .clone()
}

/// A proxy provider for `external_host` with its application: its pk and client id.
async fn provider(app: &TestApp, slug: &str, external_host: &str) -> (String, String) {
    let body = json!({
        "name": format!("{slug} proxy"),
        "authorization_flow": flow(app, "default-provider-authorization-implicit-consent").await,
        "invalidation_flow": flow(app, "default-provider-invalidation-flow").await,
        "mode": "forward_single",
        "external_host": external_host,
    });
    let p = app
        .admin_api(Method::POST, "/providers/proxy/", Some(body))
        .await;
    let pk = p["pk"].as_str().expect("pk").to_string();
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": slug, "slug": slug, "provider": pk })),
    )
    .await;
    (pk, p["client_id"].as_str().expect("client id").to_string())
}

/// A remote proxy outpost serving `providers`: its pk and API token.
async fn outpost(app: &TestApp, name: &str, providers: &[&str]) -> (String, String) {
    let o = app
        .admin_api(
            Method::POST,
            "/outposts/instances/",
            Some(json!({
                "name": name, "type": "proxy", "providers": providers,
                "config": { "authentik_host": app.address },
            })),
        )
        .await;
    let pk = o["pk"].as_str().expect("outpost pk").to_string();
    let key = app
        .admin_api(
            Method::GET,
            &format!("/core/tokens/ak-outpost-{pk}-api/view_key/"),
            None,
        )
        .await["key"]
        .as_str()
        .expect("key")
        .to_string();
    (pk, key)
}

/// The admin screen's row of outpost `name`.
async fn admin_row(admin: &TestApp, name: &str) -> Value {
    let rows = admin.ok_fn("admin/outposts/list", json!({})).await;
    rows.as_array()
        .and_then(|r| r.iter().find(|o| o["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("{name} not listed: {rows}"))
}

#[tokio::test]
async fn a_remote_outpost_behind_nginx_signs_in_keeps_sessions_while_ward_is_down_and_reports_health()
 {
    let app = spawn_api().await;
    app.create_user("alice", PASSWORD).await;
    let echo = Echo::start().await;
    let nginx_port = reserve_port();
    let external = format!("http://app.test:{nginx_port}");
    let (pk, client_id) = provider(&app, "remote-app", &external).await;
    let (outpost_pk, token) = outpost(&app, "Edge", &[&pk]).await;
    let relay = Relay::to(&app.address).await;
    let mut remote = Outpost::start(&relay.url(), &app.address, &token).await;

    // The admin sees it running.
    let admin = app.new_browser();
    admin.login("akadmin", ADMIN_PASSWORD).await;
    let row = admin_row(&admin, "Edge").await;
    assert_eq!(row["healthy"].as_array().map(Vec::len), Some(1), "{row}");
    assert_eq!(row["healthy"][0]["outdated"], false, "{row}");
    let health = app
        .admin_api(
            Method::GET,
            &format!("/outposts/instances/{outpost_pk}/health/"),
            None,
        )
        .await;
    assert_eq!(health[0]["version"], env!("CARGO_PKG_VERSION"), "{health}");

    // nginx in front of the app asks the outpost, as it would ask authentik's.
    let outpost_url = format!("http://127.0.0.1:{}", remote.port);
    let peer = nginx_at(
        Some(nginx_port),
        &outpost_url,
        &echo,
        &["app.test"],
        StartAt::SameHost,
    )
    .await;
    let b = browser(&app, &["app.test"]);
    let original = peer.url("app.test", "/dashboard?tab=2");
    let res = get(&b, &original, &[]).await;
    assert_eq!(res.status(), 302, "{}\n{}", peer.logs(), remote.logs());
    let start = location(&res);
    assert!(
        start.starts_with(&peer.url("app.test", "/outpost.goauthentik.io/start?rd=")),
        "{start}"
    );
    let res = get(&b, &start, &[]).await;
    assert_eq!(res.status(), 302, "{}", remote.logs());
    let authorize = location(&res);
    assert!(
        authorize.starts_with(&format!("{}/application/o/authorize/", app.address)),
        "browsers sign in at Ward: {authorize}"
    );
    let res = sign_in_at_ward(&b, &authorize, "alice").await;
    assert_eq!(res.status(), 302, "{}", remote.logs());
    assert_eq!(location(&res), original);
    let name = cookie_name(&client_id);
    let session = set_cookie(&res, &name);
    assert!(session.contains("HttpOnly"), "{session}");
    assert_eq!(cookie_value(&session).len(), 64, "{session}");

    let app_sees = |res: reqwest::Response| async move {
        let status = res.status();
        let text = res.text().await.expect("body");
        assert_eq!(status, 200, "{text}");
        serde_json::from_str::<Value>(&text).expect("echo JSON")
    };
    let echoed = app_sees(get(&b, &original, &[("X-authentik-username", "mallory")]).await).await;
    assert_eq!(
        seen(&echoed, "x-authentik-username").as_deref(),
        Some("alice")
    );
    assert_eq!(
        seen(&echoed, "x-authentik-email").as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(echo.hits(), 1);

    // Ward unreachable: the signed-in browser still gets through; a stranger does not.
    relay.cut();
    let echoed = app_sees(get(&b, &original, &[]).await).await;
    assert_eq!(
        seen(&echoed, "x-authentik-username").as_deref(),
        Some("alice")
    );
    let stranger = browser(&app, &["app.test"]);
    let forged = format!("{name}={}", "a".repeat(64));
    let res = get(&stranger, &original, &[("Cookie", &forged)]).await;
    assert_eq!(res.status(), 302);
    assert_eq!(echo.hits(), 2);
    relay.restore();

    // Stopped, it says so: the admin no longer shows it running.
    let status = remote.stop().await;
    assert!(status.success(), "{status}: {}", remote.logs());
    let row = admin_row(&admin, "Edge").await;
    assert_eq!(row["healthy"], json!([]), "{row}");
    let html = admin
        .html(&admin.url("/if/admin/outpost/outposts/"))
        .await
        .replace("<!>", "");
    let edge = html
        .split(r#"data-outpost="Edge""#)
        .nth(1)
        .unwrap_or_default();
    assert!(edge.contains("Not available"), "{html}");
}

#[tokio::test]
async fn an_outposts_token_reads_only_its_own_providers_with_their_secrets() {
    let app = spawn_api().await;
    let (mine, mine_client) = provider(&app, "mine", "https://mine.example.com").await;
    let (theirs, _) = provider(&app, "theirs", "https://theirs.example.com").await;
    let (pk, token) = outpost(&app, "Mine", &[&mine]).await;
    outpost(&app, "Theirs", &[&theirs]).await;

    let (status, list) = app
        .api(Method::GET, "/outposts/proxy/", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{list}");
    let results = list["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{list}");
    let c = &results[0];
    assert_eq!(c["pk"], mine);
    assert_eq!(c["client_id"], mine_client);
    assert_eq!(c["external_host"], "https://mine.example.com");
    assert_eq!(c["mode"], "forward_single");
    assert_eq!(c["assigned_application_slug"], "mine");
    assert_eq!(c["access_token_validity"], 3600.0);
    assert_eq!(
        c["scopes_to_request"],
        json!(["openid", "email", "profile", "entitlements", "ak_proxy"])
    );
    assert_eq!(
        c["oidc_configuration"]["token_endpoint"],
        format!("{}/application/o/token/", app.address)
    );
    let secret = c["client_secret"].as_str().expect("secret");
    assert!(secret.len() >= 32, "{c}");
    let served = server::protocols::proxy::remote::provider(c).expect("a remote outpost serves it");
    assert_eq!(served.1, secret);
    // The same outpost's instances: only its own.
    let (_, outposts) = app
        .api(Method::GET, "/outposts/instances/", Some(&token), None)
        .await;
    assert_eq!(outposts["results"].as_array().map(Vec::len), Some(1));
    // A superuser reads every proxy provider.
    let all = app.admin_api(Method::GET, "/outposts/proxy/", None).await;
    assert_eq!(all["pagination"]["count"], 2, "{all}");

    // Reports: checked, only for its own outpost, and a stop removes the instance.
    let report = |body: Value| {
        let (app, token, pk) = (&app, token.clone(), pk.clone());
        async move {
            app.api(
                Method::POST,
                &format!("/outposts/instances/{pk}/health/"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, body) = report(json!({ "hostname": "h" })).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = report(json!({ "uid": "u1", "hostname": "a\u{7}b" })).await;
    assert_eq!(status, 400);
    assert!(
        body["hostname"].is_array() || body["hostname"].is_string(),
        "{body}"
    );
    let (status, _) =
        report(json!({ "uid": "u1", "hostname": "edge-1", "version": "9.9.9" })).await;
    assert_eq!(status, 204);
    let health = app
        .admin_api(
            Method::GET,
            &format!("/outposts/instances/{pk}/health/"),
            None,
        )
        .await;
    assert_eq!(health[0]["hostname"], "edge-1", "{health}");
    assert_eq!(health[0]["version_outdated"], true);
    let (status, _) = report(json!({ "uid": "u1", "running": false })).await;
    assert_eq!(status, 204);
    let health = app
        .admin_api(
            Method::GET,
            &format!("/outposts/instances/{pk}/health/"),
            None,
        )
        .await;
    assert_eq!(health, json!([]));
    let others = app
        .admin_api(Method::GET, "/outposts/instances/?search=Theirs", None)
        .await;
    let theirs_pk = others["results"][0]["pk"]
        .as_str()
        .expect("theirs")
        .to_string();
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/outposts/instances/{theirs_pk}/health/"),
            Some(&token),
            Some(json!({ "uid": "u1" })),
        )
        .await;
    assert_eq!(
        status, 404,
        "another outpost's health is not this token's to write"
    );
}
