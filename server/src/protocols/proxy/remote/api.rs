//! A remote outpost's calls to Ward: its configuration over the REST API with its token, its
//! reports, and the OAuth2 endpoints its providers' clients use (code exchange, introspection,
//! app passwords, revocation). Every answer is read defensively: a Ward that answers garbage
//! gives an error, never a panic.
use super::settings::RemoteSettings;
use app::ssr::outposts::{Outpost, Outposted, Served};
use app::ssr::providers::proxy::ProxySettings;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Ward refused the token: retrying will not help.
    #[error(
        "Ward refused AUTHENTIK_TOKEN ({0}): give the outpost's token from its deployment info"
    )]
    Refused(u16),
    /// The token reads more or less than one proxy outpost.
    #[error("{0}")]
    NotAnOutpost(String),
    /// Ward could not be reached or answered something unexpected: try again later.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    pub fn is_fatal(&self) -> bool {
        !matches!(self, ApiError::Unavailable(_))
    }
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::Unavailable(e.to_string())
}

/// What the outpost serves, with each provider's client secret.
pub struct Loaded {
    pub outposted: std::sync::Arc<Outposted>,
    pub secrets: HashMap<Uuid, String>,
    /// How often to load it again.
    pub refresh: Duration,
}

pub struct Api {
    http: reqwest::Client,
    /// `AUTHENTIK_HOST` without a trailing slash.
    base: String,
    token: String,
    /// This process, as its reports name it.
    pub uid: String,
    hostname: String,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The machine's name, for the admin's Outposts screen.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().chars().take(255).collect())
        .unwrap_or_default()
}

impl Api {
    pub fn new(settings: &RemoteSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(settings.insecure)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(format!("ward-outpost/{}", env!("CARGO_PKG_VERSION")))
            .build()?;
        let hostname = hostname();
        Ok(Self {
            http,
            base: settings.host.as_str().trim_end_matches('/').to_string(),
            token: settings.token.clone(),
            uid: format!("{hostname}-{}", &Uuid::new_v4().simple().to_string()[..8]),
            hostname,
        })
    }

    async fn get(&self, path: &str) -> Result<Value, ApiError> {
        let res = self
            .http
            .get(format!("{}/api/v3/{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(unavailable)?;
        let status = res.status();
        if status == 401 || status == 403 {
            return Err(ApiError::Refused(status.as_u16()));
        }
        if !status.is_success() {
            return Err(unavailable(format!("GET {path}: {status}")));
        }
        res.json().await.map_err(unavailable)
    }

    /// Every result of a paginated list.
    async fn list(&self, path: &str) -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::new();
        let mut page = 1u64;
        loop {
            let body = self
                .get(&format!("{path}?page={page}&page_size=1000"))
                .await?;
            let results = body
                .get("results")
                .and_then(Value::as_array)
                .ok_or_else(|| unavailable(format!("GET {path}: not a list")))?;
            out.extend(results.iter().cloned());
            let next = body
                .pointer("/pagination/next")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            // At most a hundred pages: a Ward answering in circles must not loop forever.
            if next <= page || page >= 100 {
                return Ok(out);
            }
            page = next;
        }
    }

    /// The outpost this token belongs to and the providers it serves.
    pub async fn load(&self) -> Result<Loaded, ApiError> {
        let outposts = self.list("outposts/instances/").await?;
        let [o] = outposts.as_slice() else {
            return Err(ApiError::NotAnOutpost(format!(
                "AUTHENTIK_TOKEN reads {} outposts, not one: give the outpost's own token",
                outposts.len()
            )));
        };
        let id = Uuid::parse_str(&text(o, "pk")).map_err(unavailable)?;
        if text(o, "type") != "proxy" {
            return Err(ApiError::NotAnOutpost(format!(
                "the outpost is of type {:?}; `ward outpost proxy` serves proxy outposts",
                text(o, "type")
            )));
        }
        let config = o.get("config").cloned().unwrap_or(Value::Null);
        let refresh = o
            .get("refresh_interval_s")
            .and_then(Value::as_u64)
            .unwrap_or(300)
            .clamp(10, 86_400);
        let outpost = Outpost {
            id,
            name: text(o, "name"),
            kind: "proxy".into(),
            managed: None,
            config,
        };
        let mut served = Vec::new();
        let mut secrets = HashMap::new();
        for p in self.list("outposts/proxy/").await? {
            match provider(&p) {
                Some((s, secret)) => {
                    secrets.insert(s.provider_id, secret);
                    served.push(s);
                }
                None => tracing::warn!(provider = %text(&p, "name"), "proxy provider skipped"),
            }
        }
        Ok(Loaded {
            outposted: std::sync::Arc::new(Outposted { outpost, served }),
            secrets,
            refresh: Duration::from_secs(refresh),
        })
    }

    /// Reports this instance running (or stopping) to Ward.
    pub async fn report(&self, outpost: Uuid, running: bool) -> Result<(), ApiError> {
        let res = self
            .http
            .post(format!(
                "{}/api/v3/outposts/instances/{outpost}/health/",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({
                "uid": self.uid,
                "hostname": self.hostname,
                "version": env!("CARGO_PKG_VERSION"),
                "running": running,
            }))
            .send()
            .await
            .map_err(unavailable)?;
        match res.status().as_u16() {
            204 => Ok(()),
            s @ (401 | 403) => Err(ApiError::Refused(s)),
            s => Err(unavailable(format!("report: {s}"))),
        }
    }

    /// POSTs a form to an OAuth2 endpoint; the JSON answer and whether it was a success.
    async fn oauth(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<(bool, Value), ApiError> {
        let res = self
            .http
            .post(format!("{}/application/o/{endpoint}/", self.base))
            .form(form)
            .send()
            .await
            .map_err(unavailable)?;
        let ok = res.status().is_success();
        // 4xx answers are the RFC's errors (a bad code, a bad password); 5xx is Ward's trouble.
        if res.status().is_server_error() {
            return Err(unavailable(format!("{endpoint}: {}", res.status())));
        }
        let body = res.json().await.map_err(unavailable)?;
        Ok((ok, body))
    }

    /// Redeems an authorization code: the token response, None when refused.
    pub async fn exchange(
        &self,
        client: (&str, &str),
        code: &str,
        redirect_uri: &str,
    ) -> Result<Option<Value>, ApiError> {
        let (ok, body) = self
            .oauth(
                "token",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", client.0),
                    ("client_secret", client.1),
                    ("code", code),
                    ("redirect_uri", redirect_uri),
                ],
            )
            .await?;
        Ok(ok.then_some(body))
    }

    /// RFC 7662: whether `token` is a live token of this client.
    pub async fn active(&self, client: (&str, &str), token: &str) -> Result<bool, ApiError> {
        let (ok, body) = self
            .oauth(
                "introspect",
                &[
                    ("client_id", client.0),
                    ("client_secret", client.1),
                    ("token", token),
                ],
            )
            .await?;
        if !ok {
            return Err(unavailable("introspection refused the outpost's client"));
        }
        Ok(body.get("active") == Some(&Value::Bool(true))
            && body.get("client_id").and_then(Value::as_str) == Some(client.0))
    }

    /// An access token for `username` with an app password (authentik's client-credentials
    /// grant with a username), None when refused.
    pub async fn app_password(
        &self,
        client: (&str, &str),
        username: &str,
        password: &str,
        scope: &str,
    ) -> Result<Option<String>, ApiError> {
        let (ok, body) = self
            .oauth(
                "token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", client.0),
                    ("client_secret", client.1),
                    ("username", username),
                    ("password", password),
                    ("scope", scope),
                ],
            )
            .await?;
        Ok(ok
            .then(|| text(&body, "access_token"))
            .filter(|t| !t.is_empty()))
    }

    /// RFC 7009: revokes a token (sign out); failures are only logged.
    pub async fn revoke(&self, client: (&str, &str), token: &str) {
        let form = [
            ("client_id", client.0),
            ("client_secret", client.1),
            ("token", token),
        ];
        if let Err(e) = self.oauth("revoke", &form).await {
            tracing::warn!(error = %e, "could not revoke the signed-out session's token");
        }
    }
}

/// A provider from `outposts/proxy/` (authentik's `ProxyOutpostConfig`) as the endpoints serve
/// it, with its client secret; None when it lacks what serving needs.
pub fn provider(v: &Value) -> Option<(Served, String)> {
    let id = Uuid::parse_str(v.get("pk")?.as_str()?).ok()?;
    let client_id = v.get("client_id")?.as_str()?.to_string();
    let secret = text(v, "client_secret");
    let mut settings = Map::new();
    for key in [
        "mode",
        "external_host",
        "internal_host",
        "internal_host_ssl_validation",
        "skip_path_regex",
        "basic_auth_enabled",
        "basic_auth_user_attribute",
        "basic_auth_password_attribute",
        "intercept_header_auth",
        "cookie_domain",
    ] {
        if let Some(x) = v.get(key).filter(|x| !x.is_null()) {
            settings.insert(key.into(), x.clone());
        }
    }
    if let Some(secs) = v.get("access_token_validity").and_then(Value::as_f64)
        && secs.is_finite()
        && secs >= 1.0
    {
        let secs = secs.min(1e9) as i64;
        settings.insert(
            "access_token_validity".into(),
            json!(format!("seconds={secs}")),
        );
    }
    let settings: ProxySettings = serde_json::from_value(Value::Object(settings)).ok()?;
    let served = Served::new(
        id,
        text(v, "name"),
        client_id,
        settings,
        text(v, "assigned_application_slug"),
        text(v, "assigned_application_name"),
    )?;
    Some((served, secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_proxy_outpost_config_becomes_a_served_provider() {
        let v = json!({
            "pk": "5f1c6a8e-2b9d-4c1e-9a3f-0d2e4b6c8a1f", "name": "Whoami",
            "client_id": "abc", "client_secret": "s3cret",
            "mode": "forward_single", "external_host": "https://app.example.com",
            "internal_host": "", "skip_path_regex": "^/public/", "cookie_domain": "",
            "access_token_validity": 600.0, "intercept_header_auth": true,
            "assigned_application_slug": "whoami", "assigned_application_name": "Who am I",
            "certificate": null,
        });
        let (s, secret) = provider(&v).expect("served");
        assert_eq!(secret, "s3cret");
        assert_eq!(s.app_slug, "whoami");
        assert_eq!(s.external_url.host_str(), Some("app.example.com"));
        assert_eq!(s.settings.access_token_validity, "seconds=600");
        assert!(
            s.skip
                .allows(&url::Url::parse("https://app.example.com/public/x").expect("url"))
        );
        assert!(provider(&json!({ "pk": "nope", "client_id": "abc" })).is_none());
        let mut no_host = v.clone();
        no_host["external_host"] = json!("not a url");
        assert!(provider(&no_host).is_none());
    }

    proptest! {
        #[test]
        fn garbage_configs_never_panic(mode in ".{0,20}", host in ".{0,60}", validity in any::<f64>()) {
            let v = json!({
                "pk": Uuid::new_v4().to_string(), "client_id": "c", "mode": mode,
                "external_host": host, "access_token_validity": validity,
            });
            let _ = provider(&v);
        }
    }
}
