//! Random secrets and their at-rest digests.
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A URL-safe random secret of `bytes` bytes of entropy, hex-encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// What is stored for a token: its SHA-256. Tokens have 256 bits of entropy, so a fast hash is
/// enough, and it lets us look a token up by its digest.
pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_digest_is_stable() {
        let a = random_token(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token(32));
        assert!(constant_time_eq(&digest(&a), &digest(&a)));
        assert!(!constant_time_eq(&digest(&a), &digest("other")));
    }
}
