//! The outpost session cookie's name.
use sha2::{Digest, Sha256};

/// `authentik_proxy_` and the first 8 hex characters of SHA-256(client id), as authentik
/// names it (Go `application.go`, Rust `cookie.rs`): stable per provider, so cookies of
/// providers sharing a domain never collide, and the client id is not disclosed.
pub fn cookie_name(client_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(client_id.as_bytes()));
    format!("authentik_proxy_{}", &digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_authentiks_hash_prefix() {
        // sha256("client") = 948fe603f61dc036b5c596dc09fe3ce3f3d30dc90f024c85f3c82db2ccab679d
        assert_eq!(cookie_name("client"), "authentik_proxy_948fe603");
        assert_eq!(cookie_name(""), "authentik_proxy_e3b0c442");
        assert_ne!(cookie_name("a"), cookie_name("b"));
    }

    proptest::proptest! {
        #[test]
        fn any_client_id_gives_a_cookie_safe_name(id in ".{0,300}") {
            let name = cookie_name(&id);
            proptest::prop_assert_eq!(name.len(), "authentik_proxy_".len() + 8);
            proptest::prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        }
    }
}
