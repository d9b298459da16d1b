//! Email codes (authentik's email authenticator): six digits mailed through the email queue,
//! good for a few minutes, once. A code lives only in the flow that asked for it, as a digest
//! with its expiry, so nothing about it is stored once the flow ends.
use crate::ssr::Result;
use crate::ssr::crypto::secret;
use crate::types::directory::Saved;
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use uuid::Uuid;

/// Wrong codes one sent code survives; then a new one must be asked for.
const TRIES: u8 = 5;
/// How long a person waits before asking for another code.
pub const RESEND_AFTER: i64 = 30;

/// A code that was sent and waits to be entered.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingCode {
    /// The device it was sent for; None while a new address is being enrolled.
    pub device: Option<Uuid>,
    pub email: String,
    digest: Vec<u8>,
    /// Unix seconds.
    sent: i64,
    expires: i64,
    tries: u8,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    Valid,
    Wrong,
    /// Expired, or too many wrong tries: ask for a new code.
    Stale,
}

impl PendingCode {
    /// A new code for `email`, good for `ttl` seconds from `now`: the pending state and the code.
    pub fn new(device: Option<Uuid>, email: &str, ttl: i64, now: i64) -> (Self, String) {
        let code = secret::random_string(b"0123456789", 6);
        let pending = Self {
            device,
            email: email.to_string(),
            digest: secret::digest(&code),
            sent: now,
            expires: now.saturating_add(ttl),
            tries: 0,
        };
        (pending, code)
    }

    /// Whether the code can still be entered at `now`.
    pub fn live(&self, now: i64) -> bool {
        now < self.expires && self.tries < TRIES
    }

    /// Whether another code may be sent at `now` (so a button cannot flood a mailbox).
    pub fn may_resend(&self, now: i64) -> bool {
        now >= self.sent.saturating_add(RESEND_AFTER)
    }

    /// Checks `given` at `now`. A valid code must then be dropped by the caller (single use).
    pub fn check(&mut self, given: &str, now: i64) -> Check {
        if !self.live(now) {
            return Check::Stale;
        }
        let typed: String = given.chars().filter(|c| !c.is_whitespace()).collect();
        if secret::constant_time_eq(&secret::digest(&typed), &self.digest) {
            return Check::Valid;
        }
        self.tries = self.tries.saturating_add(1);
        Check::Wrong
    }
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// `jane@example.com` as `j•••@example.com`: enough to recognise, not to harvest.
pub fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

/// What the mail says and where it goes.
pub struct Mail<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub site: &'a str,
    pub subject: &'a str,
    pub template: &'a str,
    pub code: &'a str,
    pub ttl: i64,
}

/// Queues the mail; a bad address is a field error on `field`.
pub async fn send(db: impl PgExecutor<'_>, field: &str, mail: Mail<'_>) -> Result<Saved<i64>> {
    let mut vars = serde_json::Map::new();
    vars.insert("name".into(), mail.name.into());
    vars.insert("site".into(), mail.site.into());
    vars.insert("code".into(), mail.code.into());
    vars.insert("minutes".into(), ((mail.ttl + 59) / 60).into());
    crate::ssr::email::queue(db, field, mail.to, mail.subject, mail.template, vars).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_good_until_it_expires() {
        let (mut pending, code) = PendingCode::new(None, "a@example.com", 600, 1_000);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(pending.clone().check(&code, 1_599), Check::Valid);
        assert_eq!(pending.check(&code, 1_600), Check::Stale);
    }

    #[test]
    fn wrong_codes_use_up_the_code() {
        let (mut pending, code) = PendingCode::new(None, "a@example.com", 600, 0);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..TRIES {
            assert_eq!(pending.check(wrong, 1), Check::Wrong);
        }
        assert_eq!(pending.check(&code, 1), Check::Stale);
    }

    #[test]
    fn spaces_in_a_typed_code_do_not_matter() {
        let (mut pending, code) = PendingCode::new(None, "a@example.com", 600, 0);
        let spaced = format!(" {} {} ", &code[..3], &code[3..]);
        assert_eq!(pending.check(&spaced, 1), Check::Valid);
    }

    #[test]
    fn another_code_waits_a_little() {
        let (pending, _) = PendingCode::new(None, "a@example.com", 600, 100);
        assert!(!pending.may_resend(100 + RESEND_AFTER - 1));
        assert!(pending.may_resend(100 + RESEND_AFTER));
    }

    #[test]
    fn addresses_are_masked() {
        assert_eq!(masked("jane@example.com"), "j•••@example.com");
        assert_eq!(masked("nobody"), "•••");
    }

    proptest::proptest! {
        /// Whatever is typed: a verdict, never a panic; and never valid unless it is the code.
        #[test]
        fn any_typed_code_gets_a_verdict(given in ".{0,40}") {
            let (mut pending, code) = PendingCode::new(None, "a@example.com", 600, 0);
            let typed: String = given.chars().filter(|c| !c.is_whitespace()).collect();
            let verdict = pending.check(&given, 1);
            proptest::prop_assert_eq!(verdict == Check::Valid, typed == code);
        }
    }
}
