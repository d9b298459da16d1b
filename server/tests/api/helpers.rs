use reqwest::cookie::{CookieStore, Jar};
use serde_json::Value;
use server::config::Config;
use server::startup::Application;
use sqlx::{Connection, PgPool};
use std::sync::Arc;

pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    pub jar: Arc<Jar>,
    pub client: reqwest::Client,
    pub metrics_port: Option<u16>,
    /// The SMTP settings of the app, for tests that run a worker themselves.
    pub email: Option<Arc<app::ssr::email::EmailConfig>>,
    /// The app's per-process caches, for tests that change the database behind its back (as
    /// another Ward process would; the change notice arrives a moment later).
    pub caches: Arc<app::ssr::oauth2::cache::Caches>,
}

pub const ADMIN_PASSWORD: &str = "correct horse battery";
/// The instance key of every test app (what secrets are sealed with).
pub const SECRET_KEY: &str = "test-secret-key-test-secret-key-0123456789";

/// Builds a test configuration: port 0, a fresh database, a throwaway data dir.
pub async fn test_config() -> Config {
    config("127.0.0.0/8,::1/128").await
}

async fn config(trusted: &str) -> Config {
    let base =
        std::env::var("DATABASE_URL").expect("DATABASE_URL (run the tests through `make test`)");
    let name = format!("ward_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to the scratch cluster");
    sqlx::query(&format!("create database {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&base).expect("DATABASE_URL");
    url.set_path(&name);
    config_for(url.as_str(), trusted)
}

/// A test configuration on an existing database (a second Ward on the same data).
pub fn config_for(database_url: &str, trusted: &str) -> Config {
    let url = url::Url::parse(database_url).expect("database URL");
    let name = url.path().trim_start_matches('/');
    let mut cfg = Config::from_env().expect("config");
    cfg.listen = "127.0.0.1:0".parse().expect("addr");
    cfg.database_url = Some(url.to_string());
    cfg.data_dir = std::env::temp_dir().join(name);
    // Tests drive workers themselves, so a background one would race them.
    cfg.worker = false;
    cfg.metrics_listen = Some("127.0.0.1:0".parse().expect("addr"));
    cfg.secret_key = server::config::SecretKey(SECRET_KEY.into());
    cfg.trusted_proxies = server::config::parse_cidrs(trusted).expect("cidrs");
    cfg.bootstrap_password = None;
    cfg.bootstrap_email = None;
    cfg.bootstrap_token = None;
    cfg
}

pub async fn spawn_app() -> TestApp {
    spawn_with(config("127.0.0.0/8,::1/128").await).await
}

/// A Ward whose trusted proxies do not include the test client.
pub async fn spawn_app_untrusting() -> TestApp {
    spawn_with(config("10.0.0.0/8").await).await
}

pub async fn spawn_with(cfg: Config) -> TestApp {
    serve(Application::build(cfg).await.expect("build app"))
}

/// Serves an application built by the test.
pub fn serve(app: Application) -> TestApp {
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.state().pool.clone();
    let metrics_port = app.metrics_port();
    let caches = app.state().oauth2.clone();
    tokio::spawn(app.run_until_stopped());
    let jar = Arc::new(Jar::default());
    TestApp {
        address,
        pool,
        client: client(&jar),
        jar,
        metrics_port,
        email: None,
        caches,
    }
}

pub fn client(jar: &Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// A second browser: same server, its own cookies.
    pub fn new_browser(&self) -> TestApp {
        let jar = Arc::new(Jar::default());
        TestApp {
            address: self.address.clone(),
            pool: self.pool.clone(),
            client: client(&jar),
            jar,
            metrics_port: self.metrics_port,
            email: self.email.clone(),
            caches: self.caches.clone(),
        }
    }

    /// A second browser whose requests come through the (trusted) test proxy from `ip`.
    pub fn browser_at(&self, ip: &str) -> TestApp {
        let jar = Arc::new(Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("X-Forwarded-For", ip.parse().expect("header value"));
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        TestApp {
            client,
            jar,
            ..self.new_browser()
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Posts `form` to the OAuth2 token endpoint: the status and the JSON answer.
    pub async fn token(&self, form: &[(&str, &str)]) -> (reqwest::StatusCode, Value) {
        let res = self
            .client
            .post(self.url("/application/o/token/"))
            .form(form)
            .send()
            .await
            .expect("token");
        let status = res.status();
        (status, res.json().await.expect("json"))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        // As a browser navigates: asking for HTML.
        self.client
            .get(self.url(path))
            .header("Accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("GET")
    }

    /// The body of a page fetched as a browser would.
    pub async fn html(&self, url: &str) -> String {
        let res = self
            .client
            .get(url)
            .header("Accept", "text/html")
            .send()
            .await
            .expect("GET");
        res.text().await.expect("html")
    }

    /// The session cookie's value, if any.
    pub fn session_cookie(&self) -> Option<String> {
        let url = self.address.parse().expect("url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix("ward_session="))
            .map(str::to_string)
    }

    /// Calls a server fn as the hydrated app does (form-encoded in, JSON out).
    pub async fn server_fn(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/-/fn/{endpoint}")))
            .header("Accept", "application/json")
            .header("Origin", &self.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("server fn")
    }

    /// Calls a JSON-input server fn (the admin and portal ones).
    pub async fn json_fn(&self, endpoint: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/-/fn/{endpoint}")))
            .header("Accept", "application/json")
            .header("Origin", &self.address)
            .json(&body)
            .send()
            .await
            .expect("server fn")
    }

    /// A JSON-input server fn that must succeed; its answer.
    pub async fn ok_fn(&self, endpoint: &str, body: Value) -> Value {
        let res = self.json_fn(endpoint, body).await;
        let status = res.status();
        let text = res.text().await.expect("body");
        assert_eq!(status, 200, "{endpoint}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    pub async fn load_flow(&self, slug: &str, query: &[(&str, &str)]) -> Value {
        let keys: Vec<String> = query.iter().map(|(k, _)| format!("query[{k}]")).collect();
        let mut form = vec![("slug", slug)];
        form.extend(
            keys.iter()
                .map(String::as_str)
                .zip(query.iter().map(|(_, v)| *v)),
        );
        let res = self.server_fn("flow/load", &form).await;
        assert_eq!(res.status(), 200, "load_flow");
        res.json().await.expect("json")
    }

    pub async fn submit(&self, slug: &str, fields: &[(&str, &str)]) -> Value {
        let keys: Vec<String> = fields.iter().map(|(k, _)| format!("fields[{k}]")).collect();
        let mut form = vec![("slug", slug)];
        form.extend(
            keys.iter()
                .map(String::as_str)
                .zip(fields.iter().map(|(_, v)| *v)),
        );
        let res = self.server_fn("flow/submit", &form).await;
        assert_eq!(res.status(), 200, "submit_flow");
        res.json().await.expect("json")
    }

    /// Runs initial setup as `akadmin`.
    pub async fn setup_admin(&self) {
        self.load_flow("initial-setup", &[]).await;
        let view = self
            .submit(
                "initial-setup",
                &[
                    ("username", "akadmin"),
                    ("email", "admin@example.com"),
                    ("password", ADMIN_PASSWORD),
                    ("password_repeat", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    }

    /// Signs in through the default authentication flow; returns the final view.
    pub async fn login(&self, uid: &str, password: &str) -> Value {
        self.login_with(uid, password, &[]).await
    }

    /// Signs in with the flow opened with `query` (e.g. a `next`).
    pub async fn login_with(&self, uid: &str, password: &str, query: &[(&str, &str)]) -> Value {
        self.load_flow("default-authentication-flow", query).await;
        let view = self
            .submit("default-authentication-flow", &[("uid_field", uid)])
            .await;
        assert_eq!(view["challenge"]["component"], "password", "{view}");
        self.submit("default-authentication-flow", &[("password", password)])
            .await
    }

    pub async fn logout(&self) -> reqwest::Response {
        self.get("/if/flow/default-invalidation-flow/").await
    }

    /// Creates a plain (non-admin) user directly in the database.
    pub async fn create_user(&self, username: &str, password: &str) -> uuid::Uuid {
        use app::ssr::{crypto::password, users};
        use app::types::validated::{Email, Username};
        let hash = password::hash(password.into()).await.expect("hash");
        users::create(
            &self.pool,
            users::NewUser {
                username: Username::parse(username).expect("username"),
                email: Some(Email::parse(&format!("{username}@example.com")).expect("email")),
                name: format!("{username} Example"),
                password_hash: Some(hash),
            },
        )
        .await
        .expect("create user")
    }

    pub async fn events(&self, action: &str) -> Vec<(String, Option<String>, Value)> {
        sqlx::query_as::<_, (String, Option<String>, Value)>(
            "select username, host(client_ip), context from events where action = $1 order by created_at",
        )
        .bind(action)
        .fetch_all(&self.pool)
        .await
        .expect("events")
    }
}

/// The key of the bootstrap API token of `spawn_api`'s akadmin.
pub const ADMIN_TOKEN: &str = "ward-test-bootstrap-token-0123456789";

/// A Ward installed the automated way: akadmin with a password and an API token.
pub async fn spawn_api() -> TestApp {
    let mut cfg = test_config().await;
    cfg.bootstrap_password = Some(ADMIN_PASSWORD.into());
    cfg.bootstrap_email = Some("admin@example.com".into());
    cfg.bootstrap_token = Some(ADMIN_TOKEN.into());
    spawn_with(cfg).await
}

impl TestApp {
    /// A REST call with a bearer token (None: anonymous, or the session of this client).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let mut req = self
            .client
            .request(method, self.url(&format!("/api/v3{path}")));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("api request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        (status, json)
    }

    /// An admin API call that must succeed; returns the body.
    pub async fn admin_api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let (status, json) = self.api(method, path, Some(ADMIN_TOKEN), body).await;
        assert!(status.is_success(), "{path}: {status} {json}");
        json
    }

    /// A plain user with an API token of their own; returns (user id, key).
    pub async fn user_with_token(&self, username: &str) -> (uuid::Uuid, String) {
        let id = self.create_user(username, "user password 123").await;
        let key = app::ssr::tokens::create(
            &self.pool,
            id,
            app::ssr::tokens::Intent::Api,
            &format!("{username}-token"),
            None,
            None,
        )
        .await
        .expect("token");
        (id, key)
    }
}

/// An OAuth2 error answer (RFC 6749 §5.2): 400, this `error`, a description, and no token.
pub fn assert_refused(answer: &(reqwest::StatusCode, Value), error: &str, what: &str) {
    let (status, body) = answer;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some(error)),
        "{what}: {body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{what}: {body}"
    );
    assert!(body.get("access_token").is_none(), "{what}: {body}");
}
