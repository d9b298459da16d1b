//! A browser that passed a second factor (authentik's `last_auth_threshold`): a cookie of its
//! own, outliving the session (which a sign-in replaces), that names the user and when. It is
//! sealed with the instance key, so it can be neither read nor forged, nor moved to another
//! user; another browser never has it.
use crate::ssr::crypto::sealed;
use uuid::Uuid;

pub const COOKIE: &str = "ward_mfa";
const PURPOSE: &str = "mfa-browser";

/// The cookie's value for `user` passing at `now` (unix seconds).
pub fn token(secret_key: &str, user: Uuid, now: i64) -> String {
    let mut plain = user.as_bytes().to_vec();
    plain.extend_from_slice(&now.to_be_bytes());
    hex::encode(sealed::seal(secret_key, PURPOSE, &plain))
}

/// When `user` passed in this browser, if the cookie says so (and was sealed here).
pub fn passed_at(secret_key: &str, value: &str, user: Uuid) -> Option<i64> {
    if value.len() > 512 {
        return None;
    }
    let sealed = hex::decode(value).ok()?;
    let plain = sealed::open(secret_key, PURPOSE, &sealed).ok()?;
    let (who, when) = plain.split_at_checked(16)?;
    if who != user.as_bytes() {
        return None;
    }
    Some(i64::from_be_bytes(when.try_into().ok()?))
}

/// The `Set-Cookie` value keeping `token` for `max_age` seconds.
pub fn set_cookie(token: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// This cookie's value in a `Cookie` request header.
pub fn from_header(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then_some(value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a-test-secret-key-of-enough-length-0123456789";

    #[test]
    fn the_cookie_names_its_user_and_time() {
        let user = Uuid::new_v4();
        let value = token(KEY, user, 1_700_000_000);
        assert_eq!(passed_at(KEY, &value, user), Some(1_700_000_000));
        assert_eq!(passed_at(KEY, &value, Uuid::new_v4()), None);
        assert_eq!(
            passed_at("another-key-entirely-0123456789abcdef", &value, user),
            None
        );
        let header = format!("other=1; {COOKIE}={value}; x=y");
        assert_eq!(from_header(&header), Some(value.as_str()));
    }

    proptest::proptest! {
        /// Any cookie header or value: read or ignored, never a panic, never a pass.
        #[test]
        fn any_cookie_is_read_or_ignored(header in ".{0,200}", hexish in "[0-9a-f]{0,200}") {
            let user = Uuid::new_v4();
            if let Some(value) = from_header(&header) {
                proptest::prop_assert_eq!(passed_at(KEY, value, user), None);
            }
            proptest::prop_assert_eq!(passed_at(KEY, &hexish, user), None);
        }
    }
}
