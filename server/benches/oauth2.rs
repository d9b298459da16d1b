//! OAuth2/OIDC throughput on this machine, printed beside issue 14's targets: Argon2 hashes/s,
//! full password logins/s (authorize + login pages + token, code + PKCE), client-credentials
//! grants/s (ES256), userinfo and introspection requests/s. The load comes from this same
//! process over HTTP, so it shares the cores with Ward and PostgreSQL.
//! Run by `make bench` against a scratch cluster (DATABASE_URL).
mod common;

use base64::Engine;
use common::{Scratch, admin, flow, location};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const SECRET: &str = "bench-client-secret-0123456789-0123456789";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
const PASSWORD: &str = "bench user password 123";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (scratch, cfg) = Scratch::create().await?;
    let app = server::startup::Application::build(cfg).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.state().pool.clone();
    tokio::spawn(app.run_until_stopped());
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

    let client_id = setup(&address, &pool).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    let addr = Arc::new(address.clone());
    let id = Arc::new(client_id.clone());
    // A shared VM's speed drifts from one second to the next: the Argon2 rate and the login
    // rate are measured in alternation (three rounds each) and compared as averages. Enough
    // browsers at once that Argon2 (one run per core) is never idle while the others wait on
    // the network and the database.
    let (mut hashes, mut logins) = (0.0, 0.0);
    for _ in 0..3 {
        hashes += rate(Duration::from_secs(3), cores, |_| async {
            app::ssr::crypto::password::hash(PASSWORD.into())
                .await
                .is_ok()
        })
        .await
            / 3.0;
        logins += rate(Duration::from_secs(6), cores * 8, {
            let (http, addr, id) = (http.clone(), addr.clone(), id.clone());
            move |i| {
                let (http, addr, id) = (http.clone(), addr.clone(), id.clone());
                async move {
                    login(&http, &addr, &id, &format!("bench{}", i % 50))
                        .await
                        .is_ok()
                }
            }
        })
        .await
            / 3.0;
    }

    let cc = {
        let (http, addr, id) = (http.clone(), addr.clone(), id.clone());
        rate(Duration::from_secs(6), 16, move |_| {
            let (http, addr, id) = (http.clone(), addr.clone(), id.clone());
            async move {
                let res = http
                    .post(format!("{addr}/application/o/token/"))
                    .basic_auth(id.as_str(), Some(SECRET))
                    .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
                    .send()
                    .await;
                matches!(res, Ok(r) if r.status() == 200)
            }
        })
        .await
    };

    let token = Arc::new(
        token_for(&http, &address, &client_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no access token"))?,
    );
    let userinfo = {
        let (http, addr, token) = (http.clone(), addr.clone(), token.clone());
        rate(Duration::from_secs(6), 16, move |_| {
            let (http, addr, token) = (http.clone(), addr.clone(), token.clone());
            async move {
                let res = http
                    .get(format!("{addr}/application/o/userinfo/"))
                    .bearer_auth(token.as_str())
                    .send()
                    .await;
                matches!(res, Ok(r) if r.status() == 200)
            }
        })
        .await
    };
    let introspection = {
        let (http, addr, token, id) = (http.clone(), addr.clone(), token.clone(), id.clone());
        rate(Duration::from_secs(6), 16, move |_| {
            let (http, addr, token, id) = (http.clone(), addr.clone(), token.clone(), id.clone());
            async move {
                let res = http
                    .post(format!("{addr}/application/o/introspect/"))
                    .basic_auth(id.as_str(), Some(SECRET))
                    .form(&[("token", token.as_str())])
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 200 => {
                        r.json::<Value>().await.is_ok_and(|v| v["active"] == true)
                    }
                    _ => false,
                }
            }
        })
        .await
    };

    let floor = {
        let (http, addr) = (http.clone(), addr.clone());
        rate(Duration::from_secs(4), 16, move |_| {
            let (http, addr) = (http.clone(), addr.clone());
            async move {
                let res = http.get(format!("{addr}/-/health/live/")).send().await;
                matches!(res, Ok(r) if r.status() == 200)
            }
        })
        .await
    };
    println!("oauth2: {cores} cores; load generated in the same process");
    println!(
        "http_floor_per_s: {floor:.0} (GET /-/health/live/ through the same client: the ceiling here)"
    );
    println!("argon2_hashes_per_s: {hashes:.1}");
    println!(
        "password_logins_per_s: {logins:.1} (target >= 0.85 x argon2 = {:.1}; ratio {:.2})",
        0.85 * hashes,
        logins / hashes.max(0.001)
    );
    println!("client_credentials_per_s: {cc:.0} (ES256; target >= 2000)");
    println!("userinfo_per_s: {userinfo:.0}");
    println!("introspection_per_s: {introspection:.0} (target >= 20000)");
    pool.close().await;
    scratch.drop().await?;
    Ok(())
}

/// Successful operations per second: `workers` tasks calling `op` for `period`.
async fn rate<F, Fut>(period: Duration, workers: usize, op: F) -> f64
where
    F: Fn(u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (op, done, failed) = (op.clone(), done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = w as u64;
            while start.elapsed() < period {
                if op(i).await {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                i += workers as u64;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let failures = failed.load(Ordering::Relaxed);
    if failures > 0 {
        eprintln!("bench: {failures} failed operations");
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// An ES256 key, an OAuth2 provider (implicit consent) and its application, and 50 users.
async fn setup(address: &str, pool: &sqlx::PgPool) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let key = admin(
        &http,
        address,
        "/crypto/certificatekeypairs/generate/",
        json!({ "common_name": "bench-es256", "validity_days": 30, "alg": "ecdsa" }),
    )
    .await?;
    let provider = admin(
        &http,
        address,
        "/providers/oauth2/",
        json!({
            "name": "bench",
            "authorization_flow": flow(&http, address, "default-provider-authorization-implicit-consent").await?,
            "invalidation_flow": flow(&http, address, "default-provider-invalidation-flow").await?,
            "redirect_uris": [{ "matching_mode": "strict", "url": REDIRECT }],
            "signing_key": key["pk"],
            "client_secret": SECRET,
        }),
    )
    .await?;
    admin(
        &http,
        address,
        "/core/applications/",
        json!({ "name": "Bench", "slug": "bench", "provider": provider["pk"] }),
    )
    .await?;
    let hash = app::ssr::crypto::password::hash(PASSWORD.into()).await?;
    for i in 0..50 {
        sqlx::query("insert into users (id, username, email, name, password_hash) values ($1, $2, $3, $4, $5)")
            .bind(uuid::Uuid::new_v4())
            .bind(format!("bench{i}"))
            .bind(format!("bench{i}@example.com"))
            .bind(format!("Bench {i}"))
            .bind(hash.0.as_str())
            .execute(pool)
            .await?;
    }
    Ok(provider["client_id"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// A browser's cookies for one sign-in. The browsers share one connection pool, as a real
/// browser keeps its connections open; only the cookies are each browser's own.
#[derive(Default)]
struct Jar(std::collections::BTreeMap<String, String>);

impl Jar {
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let Some((pair, attrs)) = v
                .to_str()
                .ok()
                .map(|s| s.split_once(';').unwrap_or((s, "")))
            else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if value.is_empty() || attrs.to_ascii_lowercase().contains("max-age=0") {
                self.0.remove(name.trim());
            } else {
                self.0.insert(name.trim().to_string(), value.to_string());
            }
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let req = if self.0.is_empty() {
            req
        } else {
            req.header("cookie", self.header())
        };
        let res = req.send().await?;
        self.keep(&res);
        Ok(res)
    }
}

/// One browser's whole sign-in: authorize, the login flow, back to authorize, the token.
async fn login(
    http: &reqwest::Client,
    address: &str,
    client_id: &str,
    user: &str,
) -> anyhow::Result<()> {
    let mut jar = Jar::default();
    let verifier = format!(
        "{}-verifier-0123456789-0123456789",
        uuid::Uuid::new_v4().simple()
    );
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("state", "bench"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let authorize = format!("/application/o/authorize/?{query}");
    let res = jar.send(http.get(format!("{address}{authorize}"))).await?;
    anyhow::ensure!(
        location(&res)?.starts_with("/if/flow/"),
        "not sent to login"
    );
    let slug = "default-authentication-flow";
    for fields in [
        vec![("slug", slug), ("query[next]", authorize.as_str())],
        vec![("slug", slug), ("fields[uid_field]", user)],
        vec![("slug", slug), ("fields[password]", PASSWORD)],
    ] {
        let endpoint = if fields[1].0.starts_with("query") {
            "flow/load"
        } else {
            "flow/submit"
        };
        let res = jar
            .send(
                http.post(format!("{address}/-/fn/{endpoint}"))
                    .header("Accept", "application/json")
                    .form(&fields),
            )
            .await?;
        anyhow::ensure!(res.status() == 200, "{endpoint}: {}", res.status());
    }
    let res = jar.send(http.get(format!("{address}{authorize}"))).await?;
    let back = url::Url::parse(&location(&res)?)?;
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow::anyhow!("no code: {back}"))?;
    let res = http
        .post(format!("{address}/application/o/token/"))
        .basic_auth(client_id, Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "token: {}", res.status());
    Ok(())
}

async fn token_for(
    http: &reqwest::Client,
    address: &str,
    client_id: &str,
) -> anyhow::Result<Option<String>> {
    let v: Value = http
        .post(format!("{address}/application/o/token/"))
        .basic_auth(client_id, Some(SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "openid profile"),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(v["access_token"].as_str().map(str::to_string))
}
