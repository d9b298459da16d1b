//! Argon2id password hashes. Each run takes ~19 MiB and a core for a while, so runs take a slot
//! of a semaphore sized to the CPU count: a flood of sign-ins queues here instead of filling
//! memory, and a request that cannot get a slot within [`SLOT_WAIT`] gets [`Error::Busy`].
use crate::ssr::{Error, Result};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a hash or check may wait for a free slot.
pub const SLOT_WAIT: Duration = Duration::from_secs(5);

static SLOTS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Runs `work` on the blocking pool once a slot is free.
async fn in_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let _slot = tokio::time::timeout(SLOT_WAIT, SLOTS.acquire())
        .await
        .map_err(|_| Error::Busy)?
        .map_err(Error::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(Error::internal)
}

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

/// Runs `work` on Argon2's working memory for one run, given back to the OS when it ends.
/// glibc serves an allocation above its largest mmap threshold (32 MiB on 64-bit) with a mapping
/// of its own and unmaps it on free; a smaller one, once such a block has been freed, comes from
/// the per-thread arenas, which keep it (200 concurrent sign-ins then held 668 MiB although two
/// ran at a time). So the run reserves 33 MiB and touches only the blocks it uses: the untouched
/// rest costs no memory. Other allocators return blocks this large to the OS as well.
fn with_memory<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    const RESERVE_BLOCKS: usize = 33 * 1024;
    let mut memory: Vec<Block> = Vec::with_capacity(blocks.max(RESERVE_BLOCKS));
    memory.resize(blocks, Block::default());
    work(&mut memory)
}

fn hash_sync(password: &str) -> Result<PasswordHashString> {
    let failed = |e: &dyn std::fmt::Display| Error::internal(format!("hashing failed: {e}"));
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| failed(&e))?;
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_memory(params.block_count(), |memory| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, memory)
    })
    .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(PasswordHashString(phc.to_string()))
}

/// Whether `password` gives the stored PHC hash (any Argon2 variant and cost); false for a hash
/// that does not parse.
fn verify_sync(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let version = parsed.version.unwrap_or(0x13);
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Version::try_from(version),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let ran = with_memory(params.block_count(), |memory| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, memory)
    });
    // Output compares in constant time.
    ran.is_ok() && Output::new(&out).is_ok_and(|computed| computed == expected)
}

pub async fn hash(password: String) -> Result<PasswordHashString> {
    in_slot(move || hash_sync(&password)).await?
}

/// Checks `password` against `stored`; with no stored hash (unknown user, or no password set)
/// it still does the same work and answers false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    in_slot(move || {
        let (phc, real) = match stored {
            Some(h) => (h, true),
            None => (DUMMY_HASH.clone(), false),
        };
        verify_sync(&password, &phc) && real
    })
    .await
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

    #[test]
    fn hashes_made_elsewhere_still_verify() {
        // The argon2 crate's own hasher (another cost and variant) and ours agree both ways.
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let params = Params::new(8 * 1024, 3, 1, None).expect("params");
        let theirs = Argon2::new(Algorithm::Argon2i, Version::V0x13, params)
            .hash_password(b"pw", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_sync("pw", &theirs));
        assert!(!verify_sync("px", &theirs));
        let ours = hash_sync("pw").expect("hash").0;
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(Argon2::default().verify_password(b"pw", &parsed).is_ok());
        assert!(!verify_sync("pw", "$argon2id$v=19$m=19456,t=2,p=1$garbage"));
        assert!(!verify_sync("pw", "not a hash"));
    }
}
