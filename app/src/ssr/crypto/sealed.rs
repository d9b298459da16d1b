//! Secrets sealed at rest (e.g. certificate private keys): AES-256-GCM under a key derived from
//! the instance secret and a purpose, so a database dump alone reveals nothing and a blob sealed
//! for one purpose cannot be opened as another.
//!
//! Layout: `version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`.
use crate::ssr::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

const VERSION: u8 = 1;
const SALT: &[u8] = b"ward-sealed-v1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

fn cipher(secret_key: &str, purpose: &str) -> Aes256Gcm {
    let mut key = Key::<Aes256Gcm>::default();
    Hkdf::<Sha256>::new(Some(SALT), secret_key.as_bytes())
        .expand(purpose.as_bytes(), &mut key)
        // HKDF-SHA256 fails only above 8160 bytes of output; we ask for 32.
        .expect("HKDF-SHA256 yields 32 bytes");
    Aes256Gcm::new(&key)
}

/// Seals `plaintext` for `purpose`. Two seals of the same plaintext differ (random nonce).
///
/// # Panics
/// Only for a plaintext over AES-GCM's 64 GiB limit; callers seal small secrets.
pub fn seal(secret_key: &str, purpose: &str, plaintext: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    // The version byte is authenticated too, so it cannot be swapped to change how we read the rest.
    let sealed = cipher(secret_key, purpose)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &[VERSION],
            },
        )
        .expect("AES-GCM seals anything under 64 GiB");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Opens what `seal` produced with the same key and purpose. Any mismatch or tampering is an
/// internal error (the cause is not told apart: it would only help an attacker).
pub fn open(secret_key: &str, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>> {
    let failed = || Error::internal(format!("sealed {purpose} could not be opened"));
    let (&version, rest) = sealed.split_first().ok_or_else(failed)?;
    if version != VERSION || rest.len() < NONCE_LEN + TAG_LEN {
        return Err(failed());
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    cipher(secret_key, purpose)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &[VERSION],
            },
        )
        .map_err(|_| failed())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-secret-key-test-secret-key-0123456789";

    #[test]
    fn round_trip() {
        let sealed = seal(KEY, "certificate-key", b"the secret");
        assert_eq!(sealed[0], VERSION);
        assert!(!sealed.windows(10).any(|w| w == b"the secret"));
        assert_eq!(
            open(KEY, "certificate-key", &sealed).expect("open"),
            b"the secret"
        );
        assert_eq!(open(KEY, "x", &seal(KEY, "x", b"")).expect("empty"), b"");
    }

    #[test]
    fn wrong_key_fails() {
        let sealed = seal(KEY, "certificate-key", b"the secret");
        assert!(open("another-key", "certificate-key", &sealed).is_err());
    }

    #[test]
    fn wrong_purpose_fails() {
        let sealed = seal(KEY, "certificate-key", b"the secret");
        assert!(open(KEY, "smtp-password", &sealed).is_err());
    }

    #[test]
    fn any_flipped_byte_fails() {
        let sealed = seal(KEY, "certificate-key", b"the secret");
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(open(KEY, "certificate-key", &bad).is_err(), "byte {i}");
        }
        assert!(open(KEY, "certificate-key", &sealed[..sealed.len() - 1]).is_err());
        assert!(open(KEY, "certificate-key", &[]).is_err());
        assert!(open(KEY, "certificate-key", &[VERSION]).is_err());
    }

    #[test]
    fn seals_of_the_same_plaintext_differ() {
        let a = seal(KEY, "certificate-key", b"the secret");
        let b = seal(KEY, "certificate-key", b"the secret");
        assert_ne!(a, b);
    }
}
