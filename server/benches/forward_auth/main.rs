//! Forward-auth speed on this machine, printed beside issue 15's targets: `wrk` against
//!  (1) nginx serving a static file behind `auth_request` → Ward's `auth/nginx` (a signed-in
//!      proxy cookie, so every check answers 200 with the identity headers);
//!  (2) the same file behind `auth_request` → an nginx location that returns 204 (the ceiling:
//!      what the check would cost if it were free);
//!  (3) Ward's `auth/nginx` directly, with the cookie and `X-Original-URI`.
//!
//! Plus, for comparison, Ward's `ping` (the same HTTP stack and middleware, no check) and (1)
//! with authentik's snippet as documented (a new connection to Ward for every check). Ward runs in this process, nginx and wrk beside it on the same cores.
//! Run by `make bench` against a scratch cluster (DATABASE_URL); `scripts/setup.sh --bench`
//! installs nginx and wrk. It prints numbers; a missed target fails nothing.
#[path = "../common/mod.rs"]
mod common;
mod nginx;
mod wrk;

use common::{Scratch, admin, flow, location};
use nginx::Nginx;
use serde_json::json;
use std::sync::Arc;
use wrk::{Run, wrk};

const USER: &str = "bench";
const PASSWORD: &str = "bench user password 123";
/// The protected file, and the URL path wrk asks for.
const FILE: &str = "/index.html";
const THREADS: &str = "2";
const CONNECTIONS: &str = "32";
const SECONDS: u64 = 10;
const WARMUP_SECONDS: u64 = 2;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (scratch, mut cfg) = Scratch::create().await?;
    // nginx asks from loopback: its X-Original-URL is believed.
    cfg.trusted_proxies = server::config::parse_cidrs("127.0.0.0/8,::1/128")?;
    // As deployed by default: request metrics recorded, info spans and logs on.
    cfg.metrics_listen = Some("127.0.0.1:0".parse()?);
    server::telemetry::init("info", false);
    let app = server::startup::Application::build(cfg).await?;
    let ward_port = app.port();
    let ward = format!("http://127.0.0.1:{ward_port}");
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());

    let nginx = Nginx::start(ward_port).await?;
    let site = format!("http://127.0.0.1:{}", nginx.ports.ward);
    let cookie = setup(&ward, &state, &site).await?;
    let measured = measure(&nginx, &ward, &site, &cookie).await;
    drop(nginx);
    state.pool.close().await;
    scratch.drop().await?;
    report(&measured?);
    Ok(())
}

struct Measured {
    behind_ward: Run,
    ceiling: Run,
    direct: Run,
    ping: Run,
    snippet: Run,
}

async fn measure(nginx: &Nginx, ward: &str, site: &str, cookie: &str) -> anyhow::Result<Measured> {
    let cookie = format!("Cookie: {cookie}");
    let host = format!("Host: 127.0.0.1:{}", nginx.ports.ward);
    let file = |port: u16| format!("http://127.0.0.1:{port}{FILE}");
    let behind_ward = [cookie.clone()];
    let direct = [
        cookie.clone(),
        host.clone(),
        format!("X-Original-URI: {FILE}"),
        "X-Forwarded-Proto: http".into(),
    ];
    // The snippet's server block answers on its own port for the provider's host.
    let snippet = [cookie.clone(), host];
    let check = format!("{ward}/outpost.goauthentik.io/auth/nginx");
    // Each target once before any is timed: the caches are warm and the answer is the one
    // wanted (a 302 to the sign-in would be measured as fast as a 200).
    expect_identity(&format!("{site}{FILE}"), &behind_ward).await?;
    expect_identity(&file(nginx.ports.snippet), &snippet).await?;
    expect_identity(&check, &direct).await?;
    Ok(Measured {
        behind_ward: wrk(&format!("{site}{FILE}"), &behind_ward).await?,
        ceiling: wrk(&file(nginx.ports.ceiling), &behind_ward).await?,
        direct: wrk(&check, &direct).await?,
        ping: wrk(&format!("{ward}/outpost.goauthentik.io/ping"), &direct).await?,
        snippet: wrk(&file(nginx.ports.snippet), &snippet).await?,
    })
}

fn report(m: &Measured) {
    let ratio = m.behind_ward.rps / m.ceiling.rps.max(1.0);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!(
        "forward_auth: {cores} cores; wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s, nginx \
         (worker_processes auto, keepalive to Ward) and Ward on the same machine"
    );
    println!("{:<58} {:>9} {:>9}  target", "", "req/s", "p99 ms");
    let row = |label: &str, r: &Run, target: &str| {
        let bad = if r.bad > 0 {
            format!("  ({} failed or non-2xx/3xx)", r.bad)
        } else {
            String::new()
        };
        println!(
            "{label:<58} {:>9.0} {:>9.2}  {target}{bad}",
            r.rps, r.p99_ms
        );
    };
    row(
        "(1) nginx static file, auth_request -> Ward auth/nginx",
        &m.behind_ward,
        "req/s >= 0.95 x (2); p99 <= 3 ms",
    );
    row(
        "(2) nginx static file, auth_request -> return 204",
        &m.ceiling,
        "the ceiling",
    );
    row("(3) Ward auth/nginx directly", &m.direct, "p99 <= 3 ms");
    row(
        "(3') Ward /outpost.goauthentik.io/ping directly",
        &m.ping,
        "Ward's HTTP floor (204, no check)",
    );
    row(
        "(1') as (1), authentik's snippet (no upstream keepalive)",
        &m.snippet,
        "for comparison",
    );
    println!("ratio (1)/(2): {ratio:.2} (target >= 0.95)");
    println!(
        "forward_auth_rps: {:.0}; ceiling_rps: {:.0}; ratio: {ratio:.3}; p99_ms: {:.2}; \
         direct_rps: {:.0}; direct_p99_ms: {:.2}",
        m.behind_ward.rps, m.ceiling.rps, m.behind_ward.p99_ms, m.direct.rps, m.direct.p99_ms
    );
}

/// A GET of `url` with `headers` ("Name: value") answers 200 with Ward's identity for USER.
async fn expect_identity(url: &str, headers: &[String]) -> anyhow::Result<()> {
    let mut req = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(url);
    for h in headers {
        let (k, v) = h.split_once(": ").unwrap_or((h, ""));
        req = req.header(k, v);
    }
    let res = req.send().await?;
    let who = res
        .headers()
        .get("x-authentik-username")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    anyhow::ensure!(
        res.status() == 200 && who == USER,
        "{url}: {} as {who:?}, not 200 as {USER}",
        res.status()
    );
    Ok(())
}

/// The proxy provider for the nginx site at `site` on the embedded outpost, a user, and that
/// user signed in through the real flow: the `Cookie` pair a signed-in browser sends.
async fn setup(ward: &str, state: &app::ssr::AppState, site: &str) -> anyhow::Result<String> {
    use app::types::validated::{Email, Username};
    let http = reqwest::Client::new();
    let provider = admin(
        &http,
        ward,
        "/providers/proxy/",
        json!({
            "name": "bench proxy",
            "authorization_flow": flow(&http, ward, "default-provider-authorization-implicit-consent").await?,
            "invalidation_flow": flow(&http, ward, "default-provider-invalidation-flow").await?,
            "mode": "forward_single",
            "external_host": site,
        }),
    )
    .await?;
    admin(
        &http,
        ward,
        "/core/applications/",
        json!({ "name": "Bench", "slug": "bench", "provider": provider["pk"] }),
    )
    .await?;
    let pk: uuid::Uuid = provider["pk"].as_str().unwrap_or_default().parse()?;
    app::ssr::outposts::assign_to_embedded(&state.pool, pk).await?;
    // Browsers sign in at this Ward (its public URL names the default port, not this one).
    sqlx::query(
        "update outposts set config = jsonb_set(config, '{authentik_host}', to_jsonb($1::text))
          where managed = 'goauthentik.io/outposts/embedded'",
    )
    .bind(ward)
    .execute(&state.pool)
    .await?;
    state.oauth2.clear();
    app::ssr::users::create(
        &state.pool,
        app::ssr::users::NewUser {
            username: Username::parse(USER).map_err(anyhow::Error::msg)?,
            email: Some(Email::parse("bench@example.com").map_err(anyhow::Error::msg)?),
            name: "Bench User".into(),
            password_hash: Some(app::ssr::crypto::password::hash(PASSWORD.into()).await?),
        },
    )
    .await?;
    let client_id = provider["client_id"].as_str().unwrap_or_default();
    sign_in(
        ward,
        site,
        &server::protocols::proxy::cookie::cookie_name(client_id),
    )
    .await
}

/// A browser asks nginx for the file, goes to `/start`, signs in at Ward's login flow and
/// comes back through nginx's `/callback`: the `cookie=value` pair it then holds.
async fn sign_in(ward: &str, site: &str, cookie: &str) -> anyhow::Result<String> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let b = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let res = b.get(format!("{site}{FILE}")).send().await?;
    let start = location(&res)?;
    anyhow::ensure!(
        start.contains("/outpost.goauthentik.io/start?rd="),
        "not sent to /start: {start}"
    );
    let start = url::Url::parse(site)?.join(&start)?;
    let authorize = location(&b.get(start).send().await?)?;
    anyhow::ensure!(authorize.starts_with(ward), "not sent to Ward: {authorize}");
    let login = location(&b.get(&authorize).send().await?)?;
    let next = url::Url::parse(ward)?
        .join(&login)?
        .query_pairs()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow::anyhow!("not sent to the login flow: {login}"))?;
    let slug = "default-authentication-flow";
    for (endpoint, field) in [
        ("flow/load", ("query[next]", next.as_str())),
        ("flow/submit", ("fields[uid_field]", USER)),
        ("flow/submit", ("fields[password]", PASSWORD)),
    ] {
        let res = b
            .post(format!("{ward}/-/fn/{endpoint}"))
            .header("Accept", "application/json")
            .form(&[("slug", slug), field])
            .send()
            .await?;
        anyhow::ensure!(res.status() == 200, "{endpoint}: {}", res.status());
    }
    let callback = location(&b.get(&authorize).send().await?)?;
    anyhow::ensure!(
        callback.starts_with(&format!("{site}/outpost.goauthentik.io/callback")),
        "not sent back to nginx: {callback}"
    );
    let res = b.get(&callback).send().await?;
    let set = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{cookie}=")))
        .ok_or_else(|| anyhow::anyhow!("the callback set no cookie ({})", res.status()))?;
    Ok(set.split(';').next().unwrap_or_default().to_string())
}
