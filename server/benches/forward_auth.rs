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
mod common;

use common::{Scratch, admin, flow, location};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// One wrk run: requests/s, the 99th percentile latency, and answers that were not 2xx/3xx
/// or failed at the socket.
#[derive(Clone, Copy, Debug)]
struct Run {
    rps: f64,
    p99_ms: f64,
    bad: u64,
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

/// `wrk` on `url` with `headers`: a short warm-up, then the timed run.
async fn wrk(url: &str, headers: &[String]) -> anyhow::Result<Run> {
    let mut last = None;
    for secs in [WARMUP_SECONDS, SECONDS] {
        let mut cmd = tokio::process::Command::new("wrk");
        cmd.args(["-t", THREADS, "-c", CONNECTIONS, "--latency"])
            .arg(format!("-d{secs}s"));
        for h in headers {
            cmd.arg("-H").arg(h);
        }
        let out = cmd
            .arg(url)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| anyhow::anyhow!("wrk (scripts/setup.sh --bench installs it): {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        anyhow::ensure!(
            out.status.success(),
            "wrk {url}: {}{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        last = Some(parse_wrk(&text).ok_or_else(|| anyhow::anyhow!("wrk said: {text}"))?);
    }
    last.ok_or_else(|| anyhow::anyhow!("no wrk run"))
}

/// Requests/sec, the `99%` latency line and the error counts of wrk's `--latency` output.
fn parse_wrk(text: &str) -> Option<Run> {
    let mut rps = None;
    let mut p99_ms = None;
    let mut bad = 0;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            rps = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("99%") {
            p99_ms = millis(v.trim());
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            bad += v.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            bad += v
                .split(',')
                .filter_map(|kv| kv.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Some(Run {
        rps: rps?,
        p99_ms: p99_ms?,
        bad,
    })
}

/// wrk's latency ("812.00us", "2.31ms", "1.02s", "2.00m") in milliseconds.
fn millis(v: &str) -> Option<f64> {
    let split = v.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = v.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
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

/// Ports of the three server blocks.
struct Ports {
    /// auth_request → Ward, over kept-alive upstream connections.
    ward: u16,
    /// auth_request → `return 204`.
    ceiling: u16,
    /// auth_request → Ward with authentik's snippet as documented.
    snippet: u16,
}

/// One nginx (master and `auto` workers, in the foreground) serving from a directory of its
/// own; stopped, and the directory removed, on drop.
struct Nginx {
    child: Child,
    dir: PathBuf,
    ports: Ports,
}

const NGINX_CONF: &str = r#"# The benchmark's nginx: every path inside this directory, no access log.
daemon off;
worker_processes auto;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path @DIR@/client_body;
    proxy_temp_path @DIR@/proxy;
    fastcgi_temp_path @DIR@/fastcgi;
    uwsgi_temp_path @DIR@/uwsgi;
    scgi_temp_path @DIR@/scgi;
    root @DIR@/www;
    map $http_host $ak_http_host {
        default $http_host;
        ''      $host;
    }

    upstream ward {
        server 127.0.0.1:@WARD_PORT@;
        keepalive 64;
    }

    # (1) authentik's snippet, with kept-alive connections to Ward.
    server {
        listen 127.0.0.1:@WARD@;
        location / {
            auth_request     /outpost.goauthentik.io/auth/nginx;
            error_page       401 = @goauthentik_proxy_signin;
            auth_request_set $auth_cookie $upstream_http_set_cookie;
            add_header       Set-Cookie $auth_cookie;
            auth_request_set $authentik_username $upstream_http_x_authentik_username;
            auth_request_set $authentik_groups $upstream_http_x_authentik_groups;
            auth_request_set $authentik_email $upstream_http_x_authentik_email;
            auth_request_set $authentik_name $upstream_http_x_authentik_name;
            auth_request_set $authentik_uid $upstream_http_x_authentik_uid;
            # A static file has no upstream to pass these to: they go back to the client,
            # where the benchmark checks them.
            add_header X-authentik-username $authentik_username;
            add_header X-authentik-groups $authentik_groups;
            add_header X-authentik-email $authentik_email;
            add_header X-authentik-name $authentik_name;
            add_header X-authentik-uid $authentik_uid;
        }
        location /outpost.goauthentik.io {
            proxy_pass              http://ward/outpost.goauthentik.io;
            proxy_http_version      1.1;
            proxy_set_header        Connection "";
            proxy_set_header        Host $ak_http_host;
            proxy_set_header        X-Original-URL $scheme://$ak_http_host$request_uri;
            add_header              Set-Cookie $auth_cookie;
            auth_request_set        $auth_cookie $upstream_http_set_cookie;
            proxy_pass_request_body off;
            proxy_set_header        Content-Length "";
        }
        location @goauthentik_proxy_signin {
            internal;
            add_header Set-Cookie $auth_cookie;
            return 302 /outpost.goauthentik.io/start?rd=$scheme://$ak_http_host$request_uri;
        }
    }

    # (2) The ceiling: the same file behind a check that costs nothing.
    server {
        listen 127.0.0.1:@CEILING@;
        location / {
            auth_request /auth;
        }
        location = /auth {
            internal;
            return 204;
        }
    }

    # (1') authentik's snippet as documented: HTTP/1.0, a new connection per check.
    server {
        listen 127.0.0.1:@SNIPPET@;
        location / {
            auth_request     /outpost.goauthentik.io/auth/nginx;
            error_page       401 = @goauthentik_proxy_signin;
            auth_request_set $authentik_username $upstream_http_x_authentik_username;
            add_header X-authentik-username $authentik_username;
        }
        location /outpost.goauthentik.io {
            proxy_pass              http://127.0.0.1:@WARD_PORT@/outpost.goauthentik.io;
            proxy_set_header        Host $ak_http_host;
            proxy_set_header        X-Original-URL $scheme://$ak_http_host$request_uri;
            proxy_pass_request_body off;
            proxy_set_header        Content-Length "";
        }
        location @goauthentik_proxy_signin {
            internal;
            return 302 /outpost.goauthentik.io/start?rd=$scheme://$ak_http_host$request_uri;
        }
    }
}
"#;

/// A port nobody listens on now (bound, then released; [`Nginx::start`] retries if taken).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A program from the system: where Debian puts it, else on PATH.
fn program(name: &str) -> String {
    ["/usr/sbin", "/usr/bin"]
        .iter()
        .map(|d| format!("{d}/{name}"))
        .find(|p| Path::new(p).exists())
        .unwrap_or_else(|| name.to_string())
}

impl Nginx {
    async fn start(ward_port: u16) -> anyhow::Result<Nginx> {
        for _ in 0..5 {
            let dir = std::env::temp_dir().join(format!(
                "ward-bench-nginx-{}",
                uuid::Uuid::new_v4().simple()
            ));
            std::fs::create_dir_all(dir.join("www"))?;
            // A small page, as a static asset or an app's index would be.
            std::fs::write(
                dir.join("www").join(FILE.trim_start_matches('/')),
                format!(
                    "<!doctype html><title>bench</title>{}\n",
                    "<p>x</p>".repeat(64)
                ),
            )?;
            let ports = Ports {
                ward: free_port()?,
                ceiling: free_port()?,
                snippet: free_port()?,
            };
            let d = dir
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("non-UTF-8 dir"))?;
            let conf = NGINX_CONF
                .replace("@DIR@", d)
                .replace("@WARD_PORT@", &ward_port.to_string())
                .replace("@WARD@", &ports.ward.to_string())
                .replace("@CEILING@", &ports.ceiling.to_string())
                .replace("@SNIPPET@", &ports.snippet.to_string());
            std::fs::write(dir.join("nginx.conf"), conf)?;
            let child = nginx_command(&dir)
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(dir.join("stdout"))?)
                .stderr(std::fs::File::create(dir.join("stderr"))?)
                .spawn()
                .map_err(|e| {
                    anyhow::anyhow!("nginx (scripts/setup.sh --bench installs it): {e}")
                })?;
            let mut nginx = Nginx { child, dir, ports };
            match nginx.ready().await {
                Ok(()) => return Ok(nginx),
                Err(logs) if logs.contains("Address already in use") => continue,
                Err(logs) => anyhow::bail!("nginx did not start: {logs}"),
            }
        }
        anyhow::bail!("nginx: no free ports after 5 tries")
    }

    fn logs(&self) -> String {
        ["error.log", "stderr"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until every server block answers (anything: the file needs a cookie);
    /// Err(logs) when nginx ended first.
    async fn ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(15);
        for port in [self.ports.ward, self.ports.ceiling, self.ports.snippet] {
            let url = format!("http://127.0.0.1:{port}/outpost.goauthentik.io/ping");
            loop {
                if self.child.try_wait().map_err(|e| e.to_string())?.is_some() {
                    return Err(self.logs());
                }
                if http.get(&url).send().await.is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("{url} never answered: {}", self.logs()));
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        Ok(())
    }
}

fn nginx_command(dir: &Path) -> Command {
    let mut cmd = Command::new(program("nginx"));
    cmd.arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"));
    cmd
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // The master stops its workers; killing it outright would leave them running.
        let stopped = nginx_command(&self.dir)
            .args(["-s", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
