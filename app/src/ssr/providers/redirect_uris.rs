//! Redirect URIs as authentik stores them: `{matching_mode: strict|regex, url}`. Strict is
//! byte-for-byte equality (RFC 9700 §4.1.3: no normalising, so `https://APP/cb`, a trailing
//! slash, `..`, a query, userinfo or a fragment never match `https://app/cb`); a regex must
//! match the whole URI, and only when the admin chose one.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectUri {
    #[serde(default = "strict")]
    pub matching_mode: String,
    pub url: String,
    /// authentik 2026.5: `authorization` (default) or `logout` (a `post_logout_redirect_uri`).
    #[serde(default = "authorization")]
    pub redirect_uri_type: String,
}

fn strict() -> String {
    "strict".into()
}
fn authorization() -> String {
    "authorization".into()
}

/// Schemes a browser must never be sent to, whatever an admin's regex says.
const FORBIDDEN_SCHEMES: [&str; 3] = ["javascript", "data", "vbscript"];

impl RedirectUri {
    /// Why the entry cannot be saved, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if !["strict", "regex"].contains(&self.matching_mode.as_str()) {
            return Some("matching_mode is strict or regex.".into());
        }
        if !["authorization", "logout"].contains(&self.redirect_uri_type.as_str()) {
            return Some("redirect_uri_type is authorization or logout.".into());
        }
        if self.url.is_empty() || self.url.len() > 2000 || self.url.contains('\0') {
            return Some("Give a URL of at most 2000 characters.".into());
        }
        if self.matching_mode == "regex" {
            return regex::Regex::new(&anchored(&self.url))
                .err()
                .map(|_| format!("Invalid Regex Pattern: {}", self.url));
        }
        match url::Url::parse(&self.url) {
            Err(_) => Some(format!("{} is not an absolute URL.", self.url)),
            Ok(u) if FORBIDDEN_SCHEMES.contains(&u.scheme()) => {
                Some(format!("The {} scheme is not allowed.", u.scheme()))
            }
            // RFC 6749 §3.1.2: the endpoint URI must not include a fragment.
            Ok(u) if u.fragment().is_some() => {
                Some("A redirect URI cannot have a fragment (#…).".into())
            }
            Ok(_) => None,
        }
    }

    fn matches(&self, given: &str) -> bool {
        match self.matching_mode.as_str() {
            "strict" => self.url == given,
            "regex" => regex::Regex::new(&anchored(&self.url)).is_ok_and(|r| r.is_match(given)),
            _ => false,
        }
    }
}

/// The whole URI must match, as Python's `re.fullmatch` does for authentik.
fn anchored(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}

/// Whether `given` is one of the provider's URIs of `kind` (`authorization` or `logout`).
/// A URI with a forbidden scheme or a fragment is refused before any entry is consulted.
pub fn allowed(entries: &[RedirectUri], kind: &str, given: &str) -> bool {
    let Ok(parsed) = url::Url::parse(given) else {
        return false;
    };
    if FORBIDDEN_SCHEMES.contains(&parsed.scheme()) || parsed.fragment().is_some() {
        return false;
    }
    entries
        .iter()
        .filter(|e| e.redirect_uri_type == kind)
        .any(|e| e.matches(given))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strict_entry(url: &str) -> RedirectUri {
        RedirectUri {
            matching_mode: "strict".into(),
            url: url.into(),
            redirect_uri_type: "authorization".into(),
        }
    }

    #[test]
    fn strict_matching_takes_the_exact_uri_only() {
        let entries = [strict_entry("https://app/cb")];
        assert!(allowed(&entries, "authorization", "https://app/cb"));
        for variant in [
            "https://app/cb/",
            "https://APP/cb",
            "https://app/cb/../x",
            "https://app/cb?x=1",
            "https://app@evil/cb",
            "https://app/cb#x",
            "http://app/cb",
            "https://app/cb ",
            "https://app:443/cb",
        ] {
            assert!(!allowed(&entries, "authorization", variant), "{variant}");
        }
        assert!(!allowed(&entries, "logout", "https://app/cb"));
    }

    #[test]
    fn regex_entries_match_whole_uris_and_never_dangerous_schemes() {
        let entries = [RedirectUri {
            matching_mode: "regex".into(),
            url: r"https://[a-z]+\.example\.com/cb".into(),
            redirect_uri_type: "authorization".into(),
        }];
        assert!(allowed(
            &entries,
            "authorization",
            "https://app.example.com/cb"
        ));
        assert!(!allowed(
            &entries,
            "authorization",
            "https://app.example.com/cb.evil.com"
        ));
        assert!(!allowed(
            &entries,
            "authorization",
            "https://evil/?https://app.example.com/cb"
        ));
        let any = [RedirectUri {
            matching_mode: "regex".into(),
            url: ".*".into(),
            redirect_uri_type: "authorization".into(),
        }];
        assert!(!allowed(&any, "authorization", "javascript:alert(1)"));
        assert!(!allowed(&any, "authorization", "data:text/html,hi"));
    }

    #[test]
    fn entries_that_cannot_work_are_refused_with_a_reason() {
        let bad_regex = RedirectUri {
            matching_mode: "regex".into(),
            url: "(".into(),
            redirect_uri_type: "authorization".into(),
        };
        assert!(
            bad_regex
                .problem()
                .expect("refused")
                .contains("Invalid Regex")
        );
        assert!(strict_entry("/relative").problem().is_some());
        assert!(strict_entry("https://app/cb#frag").problem().is_some());
        assert!(strict_entry("javascript:alert(1)").problem().is_some());
        assert!(strict_entry("https://app/cb").problem().is_none());
        assert!(strict_entry("com.example.app:/oauth").problem().is_none());
    }

    proptest! {
        #[test]
        fn garbage_never_panics(url in ".{0,300}", given in ".{0,300}", regex in any::<bool>()) {
            let entry = RedirectUri {
                matching_mode: if regex { "regex".into() } else { "strict".into() },
                url,
                redirect_uri_type: "authorization".into(),
            };
            let _ = entry.problem();
            let _ = allowed(std::slice::from_ref(&entry), "authorization", &given);
        }
    }
}
