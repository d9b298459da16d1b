//! Per-process caches for the OAuth2 endpoints: clients by client id (with their application,
//! scopes and opened secret), live tokens by digest (for introspection and userinfo only: the
//! grants always read the database), client-credentials service accounts and the installation
//! id; the brand of each host name (every page and flow request needs it) and flow plans
//! (every flow page and protocol sign-in plans one). Ward's own
//! revocations and admin writes clear the caches before they answer; any change in the
//! database that can affect an entry (providers, applications, mappings, keys, token revocation
//! or rotation, deleted sessions, deactivated or deleted users, brands, flows, stages and
//! their bindings, policy bindings) is announced by triggers
//! on the `ward_oauth2` channel, and every process listening drops its caches. An entry also
//! expires after a short time, so a missed notice costs seconds, not forever.
use crate::ssr::flows::plan::FlowPlan;
use crate::ssr::outposts::Outposted;
use crate::ssr::providers::clients::OAuthClient;
use crate::ssr::providers::proxy::sessions::CheckedSession;
use crate::types::brands::Brand;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

const CHANNEL: &str = "ward_oauth2";
const KEEP: Duration = Duration::from_secs(30);
/// A cache grows no larger than this; when full, it starts over.
const MAX: usize = 50_000;

/// A live access or refresh token as the database had it.
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub id: Uuid,
    pub kind: String,
    pub provider_id: Uuid,
    pub client_id: String,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    pub family: Uuid,
    pub scopes: Vec<String>,
    pub expires_at: time::OffsetDateTime,
    pub created_at: time::OffsetDateTime,
    /// When the login session behind it ends (None: no session, or no end).
    pub session_expires_at: Option<time::OffsetDateTime>,
}

impl LiveToken {
    /// Still usable now (a cached entry may outlive the token's or its session's end).
    pub fn is_live(&self) -> bool {
        let now = time::OffsetDateTime::now_utc();
        self.expires_at > now && self.session_expires_at.is_none_or(|s| s > now)
    }
}

struct Ttl<K, V> {
    map: Mutex<HashMap<K, (Instant, V)>>,
    max: usize,
}

impl<K: Eq + Hash, V: Clone> Ttl<K, V> {
    fn new() -> Self {
        Self::with_max(MAX)
    }

    fn with_max(max: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            max,
        }
    }

    fn get(&self, k: &K) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(k)
            .filter(|(at, _)| at.elapsed() < KEEP)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, k: K, v: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= self.max {
                map.clear();
            }
            map.insert(k, (Instant::now(), v));
        }
    }

    fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

/// The caches of one Ward process (one database).
pub struct Caches {
    clients: Ttl<String, Option<Arc<OAuthClient>>>,
    tokens: Ttl<Vec<u8>, Arc<LiveToken>>,
    service_accounts: Ttl<Uuid, Uuid>,
    install_id: OnceLock<Uuid>,
    brands: Ttl<String, Arc<Brand>>,
    plans: Ttl<String, Arc<FlowPlan>>,
    /// Proxy sessions by the digest of their cookie: a warm forward-auth check reads no SQL.
    proxy_sessions: Ttl<Vec<u8>, Arc<CheckedSession>>,
    /// What each outpost serves, by outpost id.
    outposts: Ttl<uuid::Uuid, Arc<Outposted>>,
    /// The embedded outpost's id.
    embedded: Mutex<Option<Uuid>>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            clients: Ttl::new(),
            tokens: Ttl::new(),
            service_accounts: Ttl::new(),
            install_id: OnceLock::new(),
            // Keyed by the Host a client sent: a few real names, so a small cache (made-up
            // hosts only churn it, and each entry holds up to 64 KiB of custom CSS).
            brands: Ttl::with_max(256),
            // Keyed by slug or id; only flows that exist are kept.
            plans: Ttl::with_max(1024),
            proxy_sessions: Ttl::new(),
            outposts: Ttl::with_max(64),
            embedded: Mutex::new(None),
        }
    }
}

impl Caches {
    /// A client looked up before (Some(None): known not to exist).
    pub fn client(&self, client_id: &str) -> Option<Option<Arc<OAuthClient>>> {
        self.clients.get(&client_id.to_string())
    }

    pub fn put_client(&self, client_id: &str, client: Option<Arc<OAuthClient>>) {
        self.clients.put(client_id.to_string(), client);
    }

    /// A live token looked up before, by digest.
    pub fn token(&self, digest: &[u8]) -> Option<Arc<LiveToken>> {
        self.tokens.get(&digest.to_vec()).filter(|t| t.is_live())
    }

    pub fn put_token(&self, digest: Vec<u8>, token: Arc<LiveToken>) {
        self.tokens.put(digest, token);
    }

    /// Drops every cached token (after a revocation, before answering).
    pub fn clear_tokens(&self) {
        self.tokens.clear();
    }

    pub fn service_account(&self, provider: Uuid) -> Option<Uuid> {
        self.service_accounts.get(&provider)
    }

    pub fn put_service_account(&self, provider: Uuid, user: Uuid) {
        self.service_accounts.put(provider, user);
    }

    pub fn install_id(&self) -> Option<Uuid> {
        self.install_id.get().copied()
    }

    pub fn put_install_id(&self, id: Uuid) {
        let _ = self.install_id.set(id);
    }

    /// The brand resolved before for this host name.
    pub fn brand(&self, host: &str) -> Option<Arc<Brand>> {
        self.brands.get(&host.to_string())
    }

    pub fn put_brand(&self, host: &str, brand: Arc<Brand>) {
        self.brands.put(host.to_string(), brand);
    }

    /// The plan of flow `key` (its slug or id) loaded before.
    pub fn plan(&self, key: &str) -> Option<Arc<FlowPlan>> {
        self.plans.get(&key.to_string())
    }

    pub fn put_plan(&self, key: &str, plan: Arc<FlowPlan>) {
        self.plans.put(key.to_string(), plan);
    }

    /// A proxy session looked up before, by the digest of its cookie.
    pub fn proxy_session(&self, digest: &[u8]) -> Option<Arc<CheckedSession>> {
        self.proxy_sessions
            .get(&digest.to_vec())
            .filter(|s| s.session.is_live())
    }

    pub fn put_proxy_session(&self, digest: Vec<u8>, session: Arc<CheckedSession>) {
        self.proxy_sessions.put(digest, session);
    }

    pub fn outposted(&self, outpost: Uuid) -> Option<Arc<Outposted>> {
        self.outposts.get(&outpost)
    }

    pub fn put_outposted(&self, outpost: Uuid, served: Arc<Outposted>) {
        self.outposts.put(outpost, served);
    }

    /// The embedded outpost's id, once known (it never changes).
    pub fn embedded_outpost(&self) -> Option<Uuid> {
        *self.embedded.lock().ok()?
    }

    pub fn put_embedded_outpost(&self, id: Uuid) {
        if let Ok(mut e) = self.embedded.lock() {
            *e = Some(id);
        }
    }

    /// Drops every cached entry.
    pub fn clear(&self) {
        self.proxy_sessions.clear();
        self.outposts.clear();
        self.plans.clear();
        self.clients.clear();
        self.tokens.clear();
        self.service_accounts.clear();
        self.brands.clear();
    }
}

/// Listens for changes and clears `caches` on each, until the task is dropped. A lost
/// connection clears them too, and listening starts again.
pub async fn listen(pool: sqlx::PgPool, caches: Arc<Caches>) {
    loop {
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if listener.listen(CHANNEL).await.is_ok() {
                    caches.clear();
                    while listener.recv().await.is_ok() {
                        caches.clear();
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "oauth2 cache listener cannot connect"),
        }
        caches.clear();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
