//! The OAuth `state` of a proxy sign-in: sealed (encrypted and authenticated with the
//! instance key), naming the provider, where to go afterwards, when it expires, and a nonce
//! that must equal the one in the browser's proxy cookie — so a code can only be redeemed by
//! the browser that started the sign-in (login CSRF).
use app::ssr::crypto::{sealed, secret};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const PURPOSE: &str = "proxy sign-in state";
/// A sign-in has this long between `/start` and `/callback`.
pub const TTL_SECS: i64 = 15 * 60;
/// The proxy cookie's value while a sign-in is under way: this prefix and the nonce.
const PENDING: &str = "pending.";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The provider.
    pub p: Uuid,
    /// Where to send the browser afterwards (checked again on the way out).
    pub rd: String,
    /// Unix time it expires.
    pub exp: i64,
    pub nonce: String,
}

impl SignIn {
    pub fn new(provider: Uuid, rd: String) -> Self {
        SignIn {
            p: provider,
            rd,
            exp: time::OffsetDateTime::now_utc().unix_timestamp() + TTL_SECS,
            nonce: secret::random_token(16),
        }
    }

    /// The `state` parameter.
    pub fn seal(&self, secret_key: &str) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(sealed::seal(secret_key, PURPOSE, &json))
    }

    /// The cookie value that binds this sign-in to the browser.
    pub fn cookie_value(&self) -> String {
        format!("{PENDING}{}", self.nonce)
    }

    /// The sign-in a `state` stands for, if Ward sealed it, it has not expired and the
    /// browser's cookie holds its nonce.
    pub fn open(state: &str, secret_key: &str, cookie: Option<&str>) -> Option<Self> {
        if state.len() > 4096 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(state.as_bytes()).ok()?;
        let json = sealed::open(secret_key, PURPOSE, &raw).ok()?;
        let s: SignIn = serde_json::from_slice(&json).ok()?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let expected = s.cookie_value();
        let bound =
            cookie.is_some_and(|c| secret::constant_time_eq(c.as_bytes(), expected.as_bytes()));
        (s.exp > now && bound).then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &str = "a-test-secret-key-that-is-long-enough-0123456789";

    #[test]
    fn only_the_browser_holding_the_nonce_opens_an_unexpired_state() {
        let s = SignIn::new(Uuid::new_v4(), "https://app.test/x".into());
        let state = s.seal(KEY);
        let cookie = s.cookie_value();
        assert_eq!(SignIn::open(&state, KEY, Some(&cookie)), Some(s.clone()));
        assert_eq!(SignIn::open(&state, KEY, None), None);
        assert_eq!(SignIn::open(&state, KEY, Some("pending.other")), None);
        assert_eq!(
            SignIn::open(
                &state,
                "another-key-entirely-0123456789abcdef",
                Some(&cookie)
            ),
            None
        );
        let mut old = s.clone();
        old.exp = 1;
        assert_eq!(
            SignIn::open(&old.seal(KEY), KEY, Some(&old.cookie_value())),
            None
        );
        let mut tampered = state.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert_eq!(SignIn::open(&tampered, KEY, Some(&cookie)), None);
    }

    proptest! {
        #[test]
        fn garbage_states_never_open(state in ".{0,600}", cookie in ".{0,60}") {
            prop_assert_eq!(SignIn::open(&state, KEY, Some(&cookie)), None);
        }
    }
}
