//! `skip_path_regex` ("Unauthenticated Paths"): requests that pass without signing in.
//! As authentik, each non-blank line is one regular expression searched **unanchored**
//! (Go `regexp.MatchString`, Rust `Regex::is_match`): admins write `^/api/` to anchor, and a
//! config such as `/public/` matches anywhere in the path, as it does for authentik.
use super::ProxyMode;
use regex::{Regex, RegexBuilder};
use url::Url;

/// A provider's skip patterns, compiled once per configuration.
#[derive(Clone, Debug, Default)]
pub struct SkipPaths {
    patterns: Vec<Regex>,
    /// `forward_domain` tests the whole URL (one provider serves many hosts); the other modes
    /// test the path.
    whole_url: bool,
}

impl SkipPaths {
    /// Compiles each non-blank line. The API refuses invalid lines; one that slips through
    /// (an older row) is skipped with a warning, as authentik does, never matched.
    pub fn compile(text: &str, mode: ProxyMode) -> Self {
        let patterns = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .filter_map(|line| {
                RegexBuilder::new(line)
                    .size_limit(1 << 20)
                    .build()
                    .inspect_err(|e| tracing::warn!(pattern = line, error = %e, "skip_path_regex line skipped"))
                    .ok()
            })
            .collect();
        SkipPaths {
            patterns,
            whole_url: mode == ProxyMode::ForwardDomain,
        }
    }

    /// Whether an unauthenticated request for `url` (the forward URL, never another header)
    /// may pass. The path is the URL's normalised one (dot segments resolved, still
    /// percent-encoded), so `/public/../admin` is tested as `/admin`.
    pub fn allows(&self, url: &Url) -> bool {
        let subject = if self.whole_url {
            url.as_str()
        } else {
            url.path()
        };
        self.patterns.iter().any(|p| p.is_match(subject))
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn lines_are_searched_unanchored_on_the_path() {
        let skip = SkipPaths::compile("^/api/\n\n  /public/  \n", ProxyMode::ForwardSingle);
        assert!(skip.allows(&url("https://app/api/v1")));
        assert!(skip.allows(&url("https://app/x/public/y")));
        assert!(!skip.allows(&url("https://app/v1/api/")));
        assert!(!skip.allows(&url("https://app/admin")));
        // The query is not part of the path.
        assert!(!skip.allows(&url("https://app/admin?x=/api/")));
        assert!(!skip.allows(&url("https://app/api/../admin")));
    }

    #[test]
    fn domain_mode_tests_the_whole_url() {
        let skip = SkipPaths::compile(r"^https://public\.example\.com/", ProxyMode::ForwardDomain);
        assert!(skip.allows(&url("https://public.example.com/x")));
        assert!(!skip.allows(&url("https://private.example.com/x")));
        let path_only = SkipPaths::compile(r"^https://public\.example\.com/", ProxyMode::Proxy);
        assert!(!path_only.allows(&url("https://public.example.com/x")));
    }

    #[test]
    fn invalid_lines_are_skipped_and_match_nothing() {
        let skip = SkipPaths::compile("(\n^/ok", ProxyMode::Proxy);
        assert!(skip.allows(&url("https://app/ok")));
        assert!(!skip.allows(&url("https://app/(")));
        assert!(SkipPaths::compile("(\n  \n", ProxyMode::Proxy).is_empty());
        assert!(!SkipPaths::default().allows(&url("https://app/")));
    }

    proptest! {
        #[test]
        fn garbage_patterns_and_paths_never_panic(text in ".{0,200}", path in ".{0,200}") {
            let skip = SkipPaths::compile(&text, ProxyMode::ForwardDomain);
            if let Ok(u) = Url::parse(&format!("https://app.example.com/{path}")) {
                let _ = skip.allows(&u);
            }
        }
    }
}
