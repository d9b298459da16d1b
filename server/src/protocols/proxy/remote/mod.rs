//! `ward outpost proxy`: a remote outpost, as authentik's proxy outpost container. It serves the
//! outpost endpoints (and proxy mode) on its own port for the providers Ward assigned to it,
//! loads that configuration over Ward's API with its token, keeps signed-in sessions in memory
//! so they keep working while Ward is briefly unreachable, checks them against Ward's
//! introspection so a revoked session or deactivated user is refused within a minute, and
//! reports itself every 30 seconds for the admin's Outposts screen.
mod api;
mod sessions;
mod settings;

pub use api::{ApiError, provider};
pub use settings::RemoteSettings;

use super::backend::{Backend, NewCookie, Notice};
use super::header_auth::{self, Credential};
use super::{routes, serve};
use crate::protocols::oauth2::token::payload;
use crate::protocols::oauth2::validity;
use api::{Api, Loaded};
use app::ssr::crypto::secret;
use app::ssr::outposts::{Outposted, Served};
use app::ssr::providers::proxy::OUTPOST_SCOPES;
use app::ssr::providers::proxy::sessions::{CheckedSession, ProxySession};
use axum::http::{HeaderMap, StatusCode};
use ipnetwork::IpNetwork;
use serde_json::Value;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// How often the outpost reports itself and checks its sessions with Ward.
const HEARTBEAT: Duration = Duration::from_secs(30);
/// How long a header-authenticated request is trusted before Ward is asked again.
const HEADER_TRUST_SECS: i64 = 60;

#[derive(Clone)]
pub struct Remote(Arc<Inner>);

struct Inner {
    api: Api,
    trusted: Vec<IpNetwork>,
    /// Seals sign-in states: this process's own, as its sessions are.
    state_key: String,
    /// `AUTHENTIK_HOST_BROWSER`, else `AUTHENTIK_HOST`, without a trailing slash.
    browser_host: String,
    loaded: RwLock<Arc<Loaded>>,
    sessions: sessions::Store,
}

impl Remote {
    fn loaded(&self) -> Arc<Loaded> {
        self.0
            .loaded
            .read()
            .map(|l| l.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The client id and secret of provider `p`.
    fn client(&self, p: &Served) -> (String, String) {
        let secret = self
            .loaded()
            .secrets
            .get(&p.provider_id)
            .cloned()
            .unwrap_or_default();
        (p.client_id.clone(), secret)
    }

    fn outpost_id(&self) -> Uuid {
        self.loaded().outposted.outpost.id
    }

    /// A session for the claims and access token Ward gave, ending at the token's end.
    fn session(
        p: &Served,
        claims: serde_json::Map<String, Value>,
        token: &str,
        ttl: i64,
    ) -> Arc<CheckedSession> {
        Arc::new(CheckedSession {
            session: ProxySession {
                id: Uuid::new_v4(),
                provider_id: p.provider_id,
                // Ward's user ids are not given to outposts; the claims name the user.
                user_id: Uuid::nil(),
                session_id: None,
                claims,
                token: token.to_string(),
                expires_at: OffsetDateTime::now_utc() + time::Duration::seconds(ttl),
            },
            // Ward's authorize and token endpoints refused anyone its policies refuse.
            refused: None,
        })
    }

    /// Reloads the configuration, reports and checks every session; until `stop`.
    async fn maintain(self) {
        let mut last_load = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            if last_load.elapsed() >= self.loaded().refresh {
                match self.0.api.load().await {
                    Ok(l) => {
                        *self.0.loaded.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(l);
                        last_load = tokio::time::Instant::now();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not reload the outpost's configuration")
                    }
                }
            }
            if let Err(e) = self.0.api.report(self.outpost_id(), true).await {
                tracing::warn!(error = %e, "could not report to Ward");
            }
            self.recheck().await;
        }
    }

    /// Drops the sessions whose token Ward says is no longer live; keeps them all while Ward
    /// cannot be asked.
    async fn recheck(&self) {
        let loaded = self.loaded();
        for (key, s) in self.0.sessions.live() {
            let Some(p) = loaded
                .outposted
                .served
                .iter()
                .find(|p| p.provider_id == s.session.provider_id)
            else {
                // The provider is no longer this outpost's.
                self.0.sessions.remove(&key);
                continue;
            };
            let (id, secret) = self.client(p);
            match self.0.api.active((&id, &secret), &s.session.token).await {
                Ok(true) => {}
                Ok(false) => {
                    self.0.sessions.remove(&key);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not check sessions with Ward");
                    return;
                }
            }
        }
    }
}

impl Backend for Remote {
    fn trusted_proxies(&self) -> &[IpNetwork] {
        &self.0.trusted
    }

    fn state_key(&self) -> &str {
        &self.0.state_key
    }

    fn browser_host(&self, outposted: &Outposted) -> String {
        outposted
            .outpost
            .browser_host()
            .unwrap_or_else(|| self.0.browser_host.clone())
    }

    async fn outposted(&self) -> app::ssr::Result<Arc<Outposted>> {
        Ok(self.loaded().outposted.clone())
    }

    async fn session(
        &self,
        p: &Served,
        cookie: &str,
    ) -> app::ssr::Result<Option<Arc<CheckedSession>>> {
        Ok(self
            .0
            .sessions
            .get(&secret::digest(cookie))
            .filter(|s| s.session.provider_id == p.provider_id))
    }

    async fn header_session(
        &self,
        _peer: SocketAddr,
        _headers: &HeaderMap,
        p: &Served,
        value: &str,
    ) -> app::ssr::Result<Option<Arc<CheckedSession>>> {
        let key = secret::digest(&format!("{}\n{value}", p.provider_id));
        if let Some(hit) = self.0.sessions.get(&key) {
            return Ok(Some(hit));
        }
        let (id, client_secret) = self.client(p);
        let client = (id.as_str(), client_secret.as_str());
        let unavailable = |e: ApiError| app::ssr::Error::internal(e);
        let token = match header_auth::parse(value) {
            Some(Credential::Bearer(t)) => {
                if !self.0.api.active(client, &t).await.map_err(unavailable)? {
                    return Ok(None);
                }
                t
            }
            Some(Credential::Basic { username, password }) => {
                let scope = OUTPOST_SCOPES.join(" ");
                match self
                    .0
                    .api
                    .app_password(client, &username, &password, &scope)
                    .await
                    .map_err(unavailable)?
                {
                    Some(t) => t,
                    None => return Ok(None),
                }
            }
            None => return Ok(None),
        };
        let Some(claims) = payload(&token) else {
            return Ok(None);
        };
        let ends = claims
            .get("exp")
            .and_then(Value::as_i64)
            .map(|exp| exp - OffsetDateTime::now_utc().unix_timestamp())
            .unwrap_or(0)
            .min(HEADER_TRUST_SECS);
        if ends <= 0 {
            return Ok(None);
        }
        let checked = Self::session(p, claims, &token, ends);
        self.0.sessions.put(key, checked.clone());
        Ok(Some(checked))
    }

    async fn sign_in(
        &self,
        _peer: SocketAddr,
        _headers: &HeaderMap,
        _outposted: &Outposted,
        p: &Served,
        code: &str,
        redirect_uri: &str,
    ) -> app::ssr::Result<Option<NewCookie>> {
        let (id, client_secret) = self.client(p);
        let answer = self
            .0
            .api
            .exchange((&id, &client_secret), code, redirect_uri)
            .await
            .map_err(app::ssr::Error::internal)?;
        let Some(answer) = answer else {
            return Ok(None);
        };
        let field = |k: &str| answer.get(k).and_then(Value::as_str);
        // The ID token came straight from Ward's token endpoint over the connection the
        // outpost opened (OIDC Core 3.1.3.7): its audience is checked, not its signature.
        let (Some(access), Some(claims)) =
            (field("access_token"), field("id_token").and_then(payload))
        else {
            return Err(app::ssr::Error::internal(
                "the code exchange gave no ID token",
            ));
        };
        let audience = match claims.get("aud") {
            Some(Value::String(a)) => a == &id,
            Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(id.as_str())),
            _ => false,
        };
        if !audience {
            return Err(app::ssr::Error::internal(
                "the ID token is for another client",
            ));
        }
        let ttl = validity(&p.settings.access_token_validity, 3600);
        let value = self
            .0
            .sessions
            .create(Self::session(p, claims, access, ttl));
        Ok(Some(NewCookie {
            value,
            max_age: ttl,
        }))
    }

    async fn sign_out(&self, cookie: &str) -> app::ssr::Result<()> {
        if let Some(s) = self.0.sessions.remove(&secret::digest(cookie)) {
            let loaded = self.loaded();
            if let Some(p) = loaded
                .outposted
                .served
                .iter()
                .find(|p| p.provider_id == s.session.provider_id)
            {
                let (id, client_secret) = self.client(p);
                self.0
                    .api
                    .revoke((&id, &client_secret), &s.session.token)
                    .await;
            }
        }
        Ok(())
    }

    async fn record(&self, peer: SocketAddr, _headers: &HeaderMap, notice: Notice<'_>) {
        match notice {
            Notice::ConfigurationError(what) => {
                tracing::warn!(peer = %peer, "configuration error: {what}");
            }
            Notice::AccessDenied { p, .. } => {
                tracing::warn!(peer = %peer, provider = %p.name, "access denied");
            }
        }
    }
}

/// Loads the configuration, retrying while Ward is unreachable; a refused token ends it.
async fn first_load(api: &Api) -> anyhow::Result<Loaded> {
    loop {
        match api.load().await {
            Ok(l) => return Ok(l),
            Err(e) if e.is_fatal() => return Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "Ward is not reachable yet; trying again in 5 seconds");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

async fn no_provider() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "no provider serves this host")
}

/// Runs the outpost until `stop`; then tells Ward it stopped.
pub async fn run(
    settings: RemoteSettings,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let api = Api::new(&settings)?;
    let mut stop = Box::pin(stop);
    let loaded = tokio::select! {
        l = first_load(&api) => l?,
        () = &mut stop => return Ok(()),
    };
    let browser = settings.host_browser.as_ref().unwrap_or(&settings.host);
    let remote = Remote(Arc::new(Inner {
        api,
        trusted: settings.trusted_proxies.clone(),
        state_key: secret::random_token(32),
        browser_host: browser.as_str().trim_end_matches('/').to_string(),
        loaded: RwLock::new(Arc::new(loaded)),
        sessions: sessions::Store::default(),
    }));
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {} (AUTHENTIK_LISTEN__HTTP): {e}",
                settings.listen
            )
        })?;
    {
        let o = remote.loaded();
        tracing::info!(
            outpost = %o.outposted.outpost.name,
            providers = o.outposted.served.len(),
            "outpost serving; {settings}"
        );
    }
    if let Err(e) = remote.0.api.report(remote.outpost_id(), true).await {
        tracing::warn!(error = %e, "could not report to Ward");
    }
    let maintenance = tokio::spawn(remote.clone().maintain());
    let app = routes::<Remote>()
        .fallback(no_provider)
        .layer(axum::middleware::from_fn_with_state(
            remote.clone(),
            serve::by_host::<Remote>,
        ))
        .with_state(remote.clone());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await?;
    maintenance.abort();
    if let Err(e) = remote.0.api.report(remote.outpost_id(), false).await {
        tracing::warn!(error = %e, "could not tell Ward the outpost stopped");
    }
    Ok(())
}
