//! Argon2id password hashes. Hashing is CPU-heavy, so it runs on the blocking pool.
use crate::ssr::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

/// A PHC-format argon2id hash. Never printed.
#[derive(Clone)]
pub struct PasswordHashString(pub String);

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString(<redacted>)")
    }
}

/// A hash of nothing anybody knows: verified against when the user is unknown, so an unknown
/// user costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_sync("ward-timing-equaliser")
        .map(|h| h.0)
        .unwrap_or_default()
});

fn hash_sync(password: &str) -> Result<PasswordHashString> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| PasswordHashString(h.to_string()))
        .map_err(|e| Error::internal(format!("hashing failed: {e}")))
}

pub async fn hash(password: String) -> Result<PasswordHashString> {
    tokio::task::spawn_blocking(move || hash_sync(&password))
        .await
        .map_err(Error::internal)?
}

/// Checks `password` against `stored`; with no stored hash (unknown user, or no password set)
/// it still does the same work and answers false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let (phc, real) = match stored {
            Some(h) => (h, true),
            None => (DUMMY_HASH.clone(), false),
        };
        let ok = PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && real
    })
    .await
    .map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("correct horse".into()).await.expect("hash");
        assert!(h.0.starts_with("$argon2id$"));
        assert!(
            verify("correct horse".into(), Some(h.0.clone()))
                .await
                .expect("verify")
        );
        assert!(!verify("wrong".into(), Some(h.0)).await.expect("verify"));
        assert!(
            !verify("ward-timing-equaliser".into(), None)
                .await
                .expect("verify")
        );
    }
}
