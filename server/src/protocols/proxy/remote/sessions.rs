//! A remote outpost's signed-in sessions, in memory: they keep working while Ward is briefly
//! unreachable. Keys are SHA-256 digests of the cookie's random value (or of an
//! `Authorization` header), so a memory dump holds no usable cookie. Bounded: when full,
//! ended sessions go first, then everything (people sign in again rather than the outpost
//! running out of memory).
use app::ssr::crypto::secret;
use app::ssr::providers::proxy::sessions::CheckedSession;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const MAX: usize = 100_000;

#[derive(Default)]
pub struct Store {
    map: Mutex<HashMap<Vec<u8>, Arc<CheckedSession>>>,
}

impl Store {
    /// The live session stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<Arc<CheckedSession>> {
        let map = self.map.lock().ok()?;
        map.get(key).filter(|s| s.session.is_live()).cloned()
    }

    pub fn put(&self, key: Vec<u8>, session: Arc<CheckedSession>) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX {
                map.retain(|_, s| s.session.is_live());
            }
            if map.len() >= MAX {
                map.clear();
            }
            map.insert(key, session);
        }
    }

    /// Stores a new cookie session; the cookie's value.
    pub fn create(&self, session: Arc<CheckedSession>) -> String {
        let value = secret::random_token(32);
        self.put(secret::digest(&value), session);
        value
    }

    pub fn remove(&self, key: &[u8]) -> Option<Arc<CheckedSession>> {
        self.map.lock().ok()?.remove(key)
    }

    /// Every stored session, ended ones dropped first.
    pub fn live(&self) -> Vec<(Vec<u8>, Arc<CheckedSession>)> {
        let Ok(mut map) = self.map.lock() else {
            return Vec::new();
        };
        map.retain(|_, s| s.session.is_live());
        map.iter().map(|(k, s)| (k.clone(), s.clone())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::ssr::providers::proxy::sessions::ProxySession;
    use time::{Duration, OffsetDateTime};
    use uuid::Uuid;

    fn session(ends_in: Duration) -> Arc<CheckedSession> {
        Arc::new(CheckedSession {
            session: ProxySession {
                id: Uuid::new_v4(),
                provider_id: Uuid::new_v4(),
                user_id: Uuid::nil(),
                session_id: None,
                claims: Default::default(),
                token: "t".into(),
                expires_at: OffsetDateTime::now_utc() + ends_in,
            },
            refused: None,
        })
    }

    #[test]
    fn a_cookie_finds_its_live_session_only() {
        let store = Store::default();
        let value = store.create(session(Duration::minutes(5)));
        assert!(store.get(&secret::digest(&value)).is_some());
        assert!(store.get(&secret::digest("another")).is_none());
        let ended = store.create(session(Duration::seconds(-1)));
        assert!(store.get(&secret::digest(&ended)).is_none());
        assert_eq!(store.live().len(), 1, "the ended session is dropped");
        store.remove(&secret::digest(&value));
        assert!(store.get(&secret::digest(&value)).is_none());
    }
}
