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

/// A random key of `chars` letters and digits (about 5.95 bits each), for API tokens.
pub fn random_key(chars: usize) -> String {
    random_string(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        chars,
    )
}

/// `chars` symbols drawn uniformly from `alphabet` (at most 256 symbols, all ASCII).
pub fn random_string(alphabet: &[u8], chars: usize) -> String {
    // Bytes at or above the largest multiple of the alphabet's size are dropped, so every
    // symbol is equally likely.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(chars);
    let mut buf = [0u8; 64];
    while out.len() < chars {
        rand::rngs::OsRng.fill_bytes(&mut buf);
        for b in buf.iter().filter(|b| usize::from(**b) < limit) {
            if out.len() == chars {
                break;
            }
            out.push(char::from(alphabet[usize::from(*b) % alphabet.len()]));
        }
    }
    out
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
        let k = random_key(60);
        assert_eq!(k.len(), 60);
        assert!(k.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(k, random_key(60));
        let a = random_token(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token(32));
        assert!(constant_time_eq(&digest(&a), &digest(&a)));
        assert!(!constant_time_eq(&digest(&a), &digest("other")));
    }
}
