//! The outpost session cookie's name.
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

/// `authentik_proxy_` and the first 8 hex characters of SHA-256(client id), as authentik
/// names it (Go `application.go`, Rust `cookie.rs`): stable per provider, so cookies of
/// providers sharing a domain never collide, and the client id is not disclosed.
pub fn cookie_name(client_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(client_id.as_bytes()));
    format!("authentik_proxy_{}", &digest[..8])
}

/// The value of cookie `name` in the request's `Cookie` headers (the first one sent).
pub fn read<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// How the cookie is scoped: its domain (domain-level mode) and whether it needs https.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    pub domain: Option<&'a str>,
    pub secure: bool,
}

/// `Set-Cookie` for `name=value` living `max_age` seconds (0: delete it): HttpOnly,
/// SameSite=Lax (the browser comes back from the sign-in by a top-level redirect), on `/`.
pub fn set(name: &str, value: &str, max_age: i64, scope: Scope<'_>) -> String {
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax");
    if let Some(d) = scope.domain.filter(|d| !d.is_empty()) {
        c.push_str("; Domain=");
        c.push_str(d.trim_start_matches('.'));
    }
    if scope.secure {
        c.push_str("; Secure");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::any;

    #[test]
    fn the_cookie_is_found_among_others_and_set_with_its_scope() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            "a=1; authentik_proxy_x=v.1".parse().expect("h"),
        );
        h.append(
            header::COOKIE,
            "authentik_proxy_x=second".parse().expect("h"),
        );
        assert_eq!(read(&h, "authentik_proxy_x"), Some("v.1"));
        assert_eq!(read(&h, "authentik_proxy"), None);
        let plain = set(
            "n",
            "v",
            60,
            Scope {
                domain: None,
                secure: false,
            },
        );
        assert_eq!(plain, "n=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
        let wide = set(
            "n",
            "",
            0,
            Scope {
                domain: Some(".example.com"),
                secure: true,
            },
        );
        assert_eq!(
            wide,
            "n=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Domain=example.com; Secure"
        );
    }

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

        #[test]
        fn garbage_cookie_headers_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut h = HeaderMap::new();
            if let Ok(v) = axum::http::HeaderValue::from_bytes(&raw) {
                h.insert(header::COOKIE, v);
            }
            let _ = read(&h, "authentik_proxy_948fe603");
        }
    }
}
