//! Per-process caches for the OAuth2 endpoints: clients by client id (with their application,
//! scopes and opened secret), client-credentials service accounts and the installation id.
//! Tokens are not cached: revocation must hold at once. Any change that can affect a client
//! (providers, applications, mappings, keys, deleted users) is announced by database triggers on
//! the `ward_oauth2` channel; every process listening drops its caches. An entry also expires
//! after a short time, so a missed notice costs seconds, not forever.
use crate::ssr::providers::clients::OAuthClient;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

const CHANNEL: &str = "ward_oauth2";
const KEEP: Duration = Duration::from_secs(30);
/// A cache grows no larger than this; when full, it starts over.
const MAX: usize = 50_000;

struct Ttl<K, V> {
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Ttl<K, V> {
    fn new() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
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
            if map.len() >= MAX {
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
    service_accounts: Ttl<Uuid, Uuid>,
    install_id: OnceLock<Uuid>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            clients: Ttl::new(),
            service_accounts: Ttl::new(),
            install_id: OnceLock::new(),
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

    /// Drops every cached client.
    pub fn clear(&self) {
        self.clients.clear();
        self.service_accounts.clear();
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
