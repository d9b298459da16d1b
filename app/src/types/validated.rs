//! Validated values: parse once at the edge, then trust the type.
use serde::{Deserialize, Serialize};

/// Postgres text and jsonb cannot hold NUL: text with one is refused with this message.
pub const NUL_REFUSED: &str = "Remove the NUL character (\\0): it cannot be stored.";

pub fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    /// 1–150 characters: letters, digits and `@ . + - _` (authentik's rule).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Please enter a username.".into());
        }
        if s.chars().count() > 150 {
            return Err("Usernames have at most 150 characters.".into());
        }
        if !s
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        {
            return Err("Use only letters, digits and @ . + - _".into());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let invalid = || "Please enter a valid email address.".to_string();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        let labels_ok = domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty() || local.contains('@') || !domain.contains('.') || !labels_ok {
            return Err(invalid());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed for a new account: at least 8 characters, at most 1024 (bounded hashing cost).
pub fn check_new_password(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    if n < 8 {
        return Err("Use at least 8 characters.".into());
    }
    if p.len() > 1024 {
        return Err("Passwords have at most 1024 characters.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse(" akadmin ").map(|u| u.0),
            Ok("akadmin".into())
        );
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a b").is_err());
        assert!(Username::parse("<script>").is_err());
        assert!(Username::parse(&"x".repeat(151)).is_err());
        assert!(Username::parse("jane.doe+1@corp").is_ok());
    }

    #[test]
    fn emails() {
        assert!(Email::parse("a@example.com").is_ok());
        assert!(Email::parse("a@example").is_err());
        assert!(Email::parse("@example.com").is_err());
        assert!(Email::parse("a b@example.com").is_err());
        assert!(Email::parse("a@-x.com").is_err());
        assert!(Email::parse("a@b..com").is_err());
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough").is_ok());
        assert!(check_new_password(&"x".repeat(2000)).is_err());
    }

    proptest::proptest! {
        /// Any text: a value that parses again to itself, or a message; never a panic.
        #[test]
        fn parsing_never_panics_and_is_stable(raw in proptest::prelude::any::<String>()) {
            if let Ok(u) = Username::parse(&raw) {
                proptest::prop_assert!(u.0.chars().count() <= 150 && !u.0.chars().any(char::is_whitespace));
                proptest::prop_assert_eq!(Username::parse(&u.0), Ok(u.clone()));
            }
            if let Ok(e) = Email::parse(&raw) {
                proptest::prop_assert!(e.0.len() <= 254 && !e.0.chars().any(|c| c.is_whitespace() || c.is_control()));
                proptest::prop_assert_eq!(Email::parse(&e.0), Ok(e.clone()));
            }
            let _ = check_new_password(&raw);
            let _ = has_nul(&raw);
        }
    }
}
