//! Real reverse proxies in front of Ward's forward auth: Debian's nginx (`auth_request`) and
//! Caddy (`forward_auth`), each configured with authentik's documented snippet, in front of an
//! echo app that answers with the headers it received. Each proxy runs from a directory of its
//! own on a port of its own (no admin endpoint, no system paths), so tests run in parallel; it
//! is killed when the test drops it. `scripts/setup.sh --e2e` installs both.
use crate::helpers::TestApp;
use axum::extract::{Request, State};
use reqwest::Response;
use reqwest::cookie::Jar;
use serde_json::{Value, json};
use server::protocols::proxy::cookie::cookie_name;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "alice password 123";

/// The protected application: it answers every request with the request's headers as JSON
/// (`{"method", "uri", "headers": {name: [values]}}`) and counts what reached it.
pub struct Echo {
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Echo {
    pub async fn start() -> Echo {
        let hits = Arc::new(AtomicUsize::new(0));
        let router = axum::Router::new().fallback(echo).with_state(hits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind echo");
        let addr = listener.local_addr().expect("echo addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Echo { addr, hits }
    }

    /// Requests that reached the application so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn echo(State(hits): State<Arc<AtomicUsize>>, req: Request) -> axum::Json<Value> {
    hits.fetch_add(1, Ordering::SeqCst);
    let mut headers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, value) in req.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.entry(name.as_str()).or_default().push(value);
    }
    axum::Json(json!({
        "method": req.method().as_str(),
        "uri": req.uri().to_string(),
        "headers": headers,
    }))
}

/// What the echo app saw of header `name` (its values joined by ", "), if it came at all.
pub fn seen(echoed: &Value, name: &str) -> Option<String> {
    let values = echoed["headers"][name.to_ascii_lowercase()].as_array()?;
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A browser for the proxy's host names: they resolve to 127.0.0.1 without DNS (the URL's
/// port is used). It talks to Ward itself too, so it can sign in there.
pub fn browser(app: &TestApp, hosts: &[&str]) -> TestApp {
    let jar = Arc::new(Jar::default());
    let mut builder = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none());
    for host in hosts {
        builder = builder.resolve(host, SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    TestApp {
        client: builder.build().expect("client"),
        jar,
        ..app.new_browser()
    }
}

pub async fn get(b: &TestApp, url: &str, extra: &[(&str, &str)]) -> Response {
    let mut req = b.client.get(url).header("Accept", "text/html");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req.send().await.expect(url)
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The `Set-Cookie` of cookie `name` in a response ("" when there is none).
pub fn set_cookie(res: &Response, name: &str) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_default()
        .to_string()
}

/// The value a `Set-Cookie` sets.
pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// A proxy provider for the application `slug` on the embedded outpost (`settings` name its
/// `external_host`: the proxy's address); browsers sign in at the test app itself.
pub struct Protected {
    pub client_id: String,
    pub cookie: String,
    pub application: Value,
}

pub async fn protect(app: &TestApp, slug: &str, settings: Value) -> Protected {
    let flow = |slug: &'static str| async move {
        app.admin_api(
            reqwest::Method::GET,
            &format!("/flows/instances/{slug}/"),
            None,
        )
        .await["pk"]
            .clone()
    };
    let mut body = json!({
        "name": format!("{slug} proxy"),
        "authorization_flow": flow("default-provider-authorization-implicit-consent").await,
        "invalidation_flow": flow("default-provider-invalidation-flow").await,
        "mode": "forward_single",
    });
    if let (Value::Object(b), Value::Object(s)) = (&mut body, settings) {
        b.extend(s);
    }
    let provider = app
        .admin_api(reqwest::Method::POST, "/providers/proxy/", Some(body))
        .await;
    let pk: uuid::Uuid = provider["pk"].as_str().expect("pk").parse().expect("uuid");
    let application = app
        .admin_api(
            reqwest::Method::POST,
            "/core/applications/",
            Some(json!({ "name": slug, "slug": slug, "provider": pk })),
        )
        .await;
    app::ssr::outposts::assign_to_embedded(&app.pool, pk)
        .await
        .expect("assign");
    sqlx::query(
        "update outposts set config = jsonb_set(config, '{authentik_host}', to_jsonb($1::text))
          where managed = 'goauthentik.io/outposts/embedded'",
    )
    .bind(&app.address)
    .execute(&app.pool)
    .await
    .expect("authentik_host");
    app.caches.clear();
    let client_id = provider["client_id"]
        .as_str()
        .expect("client id")
        .to_string();
    Protected {
        cookie: cookie_name(&client_id),
        client_id,
        application,
    }
}

/// A browser at Ward's authorize endpoint signs in as `user` and comes back through the
/// proxy's `/outpost.goauthentik.io/callback`: the callback's answer.
pub async fn sign_in_at_ward(b: &TestApp, authorize: &str, user: &str) -> Response {
    let to = url::Url::parse(authorize).expect("authorize URL");
    assert_eq!(to.path(), "/application/o/authorize/", "{authorize}");
    let back = crate::oauth2_oidc::authorize_as(b, authorize, user, PASSWORD).await;
    assert_eq!(back.path(), "/outpost.goauthentik.io/callback", "{back}");
    b.client.get(back.as_str()).send().await.expect("callback")
}

/// One running nginx or Caddy; killed, and its directory removed, on drop.
pub struct Peer {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

impl Peer {
    /// `http://host:port` + `path`.
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port)
    }

    /// The proxy's logs, for failure messages.
    pub fn logs(&self) -> String {
        ["error.log", "stderr"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until `host` answers `/outpost.goauthentik.io/ping` through the proxy (Ward's
    /// 204): Err(logs) when the process ended first.
    async fn ready(&mut self, host: &str) -> Result<(), String> {
        let client = reqwest::Client::builder()
            .resolve(host, SocketAddr::from(([127, 0, 0, 1], 0)))
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let ping = self.url(host, "/outpost.goauthentik.io/ping");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.child.try_wait().expect("wait").is_some() {
                return Err(self.logs());
            }
            if let Ok(res) = client.get(&ping).send().await {
                let status = res.status();
                assert_eq!(status, 204, "{ping} through the proxy: {}", self.logs());
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "{ping} never answered: {}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on now (bound, then released; [`launch`] retries if taken since).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn fresh_dir(kind: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ward-{kind}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("proxy dir");
    dir
}

/// Starts the proxy `command(dir, port)` builds on `port`, else on a free port, retrying on
/// another port when the one picked was taken in between; ready once `host` answers through it.
async fn launch(
    kind: &str,
    host: &str,
    port: Option<u16>,
    command: impl Fn(&Path, u16) -> Command,
) -> Peer {
    for _ in 0..5 {
        let dir = fresh_dir(kind);
        let port = port.unwrap_or_else(free_port);
        let mut cmd = command(&dir, port);
        cmd.stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).expect("stdout"))
            .stderr(std::fs::File::create(dir.join("stderr")).expect("stderr"));
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{kind} (scripts/setup.sh --e2e installs it): {e}"));
        let mut peer = Peer { child, dir, port };
        match peer.ready(host).await {
            Ok(()) => return peer,
            Err(logs) if logs.to_ascii_lowercase().contains("address already in use") => continue,
            Err(logs) => panic!("{kind} did not start: {logs}"),
        }
    }
    panic!("{kind}: no free port after 5 tries")
}

/// A program from the system: on PATH, else where Debian puts it.
fn program(name: &str) -> String {
    ["/usr/sbin", "/usr/bin"]
        .iter()
        .map(|d| format!("{d}/{name}"))
        .find(|p| Path::new(p).exists())
        .unwrap_or_else(|| name.to_string())
}

/// Where nginx's `@goauthentik_proxy_signin` sends a browser: `/start` on the host it asked
/// for (authentik's default), or on a sign-in host (its domain-level variant).
#[derive(Clone, Copy)]
pub enum StartAt<'a> {
    SameHost,
    Host(&'a str),
}

const NGINX_CONF: &str = r#"# One nginx per test: single process, every path inside this directory.
daemon off;
master_process off;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log info;
events { worker_connections 256; }
http {
    access_log @DIR@/access.log;
    client_body_temp_path @DIR@/client_body;
    proxy_temp_path @DIR@/proxy;
    fastcgi_temp_path @DIR@/fastcgi;
    uwsgi_temp_path @DIR@/uwsgi;
    scgi_temp_path @DIR@/scgi;

    # authentik's standalone nginx snippet from here on.
    # Upgrade WebSocket if requested, otherwise use keepalive
    map $http_upgrade $connection_upgrade_keepalive {
        default upgrade;
        ''      '';
    }
    # Preserve an explicit Host header, including a non-standard port.
    map $http_host $ak_http_host {
        default $http_host;
        ''      $host;
    }
@SERVERS@
}
"#;

const NGINX_SERVER: &str = r#"
    server {
        listen 127.0.0.1:@PORT@;
        server_name @HOST@;
        proxy_buffers 8 16k;
        proxy_buffer_size 32k;

        location / {
            proxy_pass http://@ECHO@;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade_keepalive;

            auth_request     /outpost.goauthentik.io/auth/nginx;
            error_page       401 = @goauthentik_proxy_signin;
            auth_request_set $auth_cookie $upstream_http_set_cookie;
            add_header       Set-Cookie $auth_cookie;

            # translate headers from the outposts back to the actual upstream
            auth_request_set $authentik_username $upstream_http_x_authentik_username;
            auth_request_set $authentik_groups $upstream_http_x_authentik_groups;
            auth_request_set $authentik_entitlements $upstream_http_x_authentik_entitlements;
            auth_request_set $authentik_email $upstream_http_x_authentik_email;
            auth_request_set $authentik_name $upstream_http_x_authentik_name;
            auth_request_set $authentik_uid $upstream_http_x_authentik_uid;

            proxy_set_header X-authentik-username $authentik_username;
            proxy_set_header X-authentik-groups $authentik_groups;
            proxy_set_header X-authentik-entitlements $authentik_entitlements;
            proxy_set_header X-authentik-email $authentik_email;
            proxy_set_header X-authentik-name $authentik_name;
            proxy_set_header X-authentik-uid $authentik_uid;
        }

        # all requests to /outpost.goauthentik.io must be accessible without authentication
        location /outpost.goauthentik.io {
            proxy_pass              @WARD@/outpost.goauthentik.io;
            proxy_set_header        Host $ak_http_host;
            proxy_set_header        X-Original-URL $scheme://$ak_http_host$request_uri;
            add_header              Set-Cookie $auth_cookie;
            auth_request_set        $auth_cookie $upstream_http_set_cookie;
            proxy_pass_request_body off;
            proxy_set_header        Content-Length "";
        }

        # Special location for when the /auth endpoint returns a 401,
        # redirect to the /start URL which initiates SSO
        location @goauthentik_proxy_signin {
            internal;
            add_header Set-Cookie $auth_cookie;
            return 302 @START@/outpost.goauthentik.io/start?rd=$scheme://$ak_http_host$request_uri;
        }
    }
"#;

/// nginx with one server block per name in `hosts`, in front of `echo`, forwarding
/// `/outpost.goauthentik.io` to the Ward at `ward`.
pub async fn nginx(ward: &str, echo: &Echo, hosts: &[&str], start: StartAt<'_>) -> Peer {
    nginx_at(None, ward, echo, hosts, start).await
}

/// A port for a proxy started later with [`nginx_at`] (free now).
pub fn reserve_port() -> u16 {
    free_port()
}

/// [`nginx`] on `port` when given (its URL must be known before it starts).
pub async fn nginx_at(
    port: Option<u16>,
    ward: &str,
    echo: &Echo,
    hosts: &[&str],
    start: StartAt<'_>,
) -> Peer {
    let first = hosts.first().expect("a host");
    launch("nginx", first, port, |dir, port| {
        let start = match start {
            StartAt::SameHost => String::new(),
            StartAt::Host(h) => format!("http://{h}:{port}"),
        };
        let servers: String = hosts
            .iter()
            .map(|h| {
                NGINX_SERVER
                    .replace("@PORT@", &port.to_string())
                    .replace("@HOST@", h)
                    .replace("@ECHO@", &echo.addr.to_string())
                    .replace("@WARD@", ward)
                    .replace("@START@", &start)
            })
            .collect();
        let d = dir.to_str().expect("utf-8 dir");
        let conf = NGINX_CONF
            .replace("@DIR@", d)
            .replace("@SERVERS@", &servers);
        std::fs::write(dir.join("nginx.conf"), conf).expect("nginx.conf");
        let mut cmd = Command::new(program("nginx"));
        cmd.arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"));
        cmd
    })
    .await
}

const CADDYFILE: &str = r#"{
	# No admin endpoint (it would be localhost:2019 for every test) and no certificates.
	admin off
	auto_https off
}

http://@HOST@:@PORT@ {
	bind 127.0.0.1
	# authentik's Caddy snippet from here on.
	# directive execution order is only as stated if enclosed with route.
	route {
		# always forward outpost path to actual outpost
		reverse_proxy /outpost.goauthentik.io/* @WARD@

		# forward authentication to outpost
		forward_auth @WARD@ {
			uri /outpost.goauthentik.io/auth/caddy

			# capitalization of the headers is important, otherwise they will be empty
			copy_headers X-Authentik-Username X-Authentik-Groups X-Authentik-Entitlements X-Authentik-Email X-Authentik-Name X-Authentik-Uid X-Authentik-Jwt X-Authentik-Meta-Jwks X-Authentik-Meta-Outpost X-Authentik-Meta-Provider X-Authentik-Meta-App X-Authentik-Meta-Version

			# optional, in this config trust all private ranges, should probably be set to the outposts IP
			trusted_proxies private_ranges
		}

		# actual site configuration below
		reverse_proxy @ECHO@
	}
}
"#;

/// Caddy serving `host` in front of `echo`, asking the Ward at `ward`.
pub async fn caddy(ward: &str, echo: &Echo, host: &str) -> Peer {
    launch("caddy", host, None, |dir, port| {
        let conf = CADDYFILE
            .replace("@PORT@", &port.to_string())
            .replace("@HOST@", host)
            .replace("@ECHO@", &echo.addr.to_string())
            .replace("@WARD@", ward);
        std::fs::write(dir.join("Caddyfile"), conf).expect("Caddyfile");
        let mut cmd = Command::new(program("caddy"));
        cmd.arg("run")
            .arg("--config")
            .arg(dir.join("Caddyfile"))
            .arg("--adapter")
            .arg("caddyfile")
            // Caddy keeps its state under these: inside the directory, never the user's.
            .env("HOME", dir)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"));
        cmd
    })
    .await
}
