//! `?next=` validation: only a path on this site, or a URL on Ward's own origin. This is the one
//! place that decides where Ward may send a browser (flows today; OAuth and proxy redirects later).
use url::Url;

/// Where to go after the flow. `own_origin` is e.g. `https://auth.example.com`.
/// Returns the safe target (an absolute path with its query), or None when `raw` points
/// anywhere else.
pub fn safe_next(raw: &str, own_origin: &str) -> Option<String> {
    let raw = raw.trim();
    // Browsers drop tabs and new lines inside URLs (`/\t/evil` becomes `//evil`); a backslash
    // is a slash to them. Neither has a place in a link Ward made.
    if raw.is_empty() || raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let base = Url::parse(own_origin).ok()?;
    // An absolute path is resolved against this site; anything else must be a full URL (a
    // relative reference like `evil.example` or `%2f%2fevil` is refused, not guessed at).
    let url = if raw.starts_with('/') {
        base.join(raw)
    } else {
        Url::parse(raw)
    }
    .ok()?;
    if url.origin() != base.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    // Decided on the normalised path: `/.//evil`, `/a/..//evil` and `/%2e//evil` all become
    // `//evil`, which a browser reads as another host.
    let target = path_and_query(&url);
    (!protocol_relative(&target)).then_some(target)
}

/// `//host`, `/\host`, or the same with the second slash percent-encoded (a proxy or a later
/// redirect that decodes the path would make it `//host`).
fn protocol_relative(target: &str) -> bool {
    let Some(rest) = target.as_bytes().strip_prefix(b"/") else {
        return true;
    };
    rest.starts_with(b"/")
        || rest.starts_with(b"\\")
        || rest
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"%2f") || p.eq_ignore_ascii_case(b"%5c"))
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    const O: &str = "https://auth.example.com";

    #[test]
    fn accepts_local_paths_and_own_origin() {
        let cases = [
            ("/if/admin/", "/if/admin/"),
            ("/", "/"),
            ("/a?b=c", "/a?b=c"),
            ("/a//b", "/a//b"),
            ("  /if/user/  ", "/if/user/"),
            (
                "/if/flow/x/?next=%2Fif%2Fuser%2F&a=1",
                "/if/flow/x/?next=%2Fif%2Fuser%2F&a=1",
            ),
            ("/a/../b/./c", "/b/c"),
            ("https://auth.example.com/if/user/", "/if/user/"),
            (
                "https://auth.example.com/if/user/?x=1&y=%2F",
                "/if/user/?x=1&y=%2F",
            ),
            ("HTTPS://AUTH.example.com/x#frag", "/x"),
            ("https://auth.example.com:443/x", "/x"),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .map(|(good, _)| (*good, safe_next(good, O)))
            .zip(cases.iter())
            .filter(|((_, got), (_, expected))| got.as_deref() != Some(*expected))
            .map(|(got, _)| got)
            .collect();
        assert!(wrong.is_empty(), "refused or changed: {wrong:?}");
    }

    #[test]
    fn refuses_everything_else() {
        let cases = [
            "",
            "   ",
            // Another site, or the own host on another scheme or port.
            "https://evil.example",
            "HTTPS://evil.example/",
            "http://auth.example.com/",
            "https://auth.example.com:8443/",
            "https://auth.example.com.evil.example/",
            // Userinfo: the host is what follows the `@`.
            "https://auth.example.com@evil.example/",
            "https://user:pw@auth.example.com/x",
            // Protocol-relative, also when it only appears after normalising.
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "/.//evil.example/",
            "/..//evil.example/",
            "/%2e//evil.example/",
            "/%2E%2E//evil.example/",
            "/a/..//evil.example",
            "https://auth.example.com/.//evil.example",
            "https://auth.example.com/a/..//evil.example",
            // Percent-encoded slashes and backslashes that a later decode would turn into `//`.
            "/%5cevil.example",
            "/%5C%5Cevil.example",
            "/%2f/evil.example",
            "/%2F%2Fevil.example",
            "%2f%2fevil.example",
            // Tabs and new lines, which browsers drop from URLs.
            "/\tevil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/x\n/y",
            "ja\nvascript:alert(1)",
            "java\tscript:alert(1)",
            // Other schemes.
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "http:evil",
            "https:evil.example",
            "http:/evil.example",
            // Relative references: only absolute paths are taken.
            "evil.example",
            "if/user/",
            "?next=/x",
        ];
        let let_through: Vec<_> = cases
            .iter()
            .filter_map(|bad| safe_next(bad, O).map(|got| (*bad, got)))
            .collect();
        assert!(let_through.is_empty(), "let through: {let_through:#?}");
    }

    proptest::proptest! {
        /// Whatever comes in: no panic, and anything let through is a plain path on this site.
        #[test]
        fn never_panics_and_only_yields_local_paths(
            raw in proptest::prelude::any::<String>(),
            tricky in "[/\\\\.%2eEfFcC5:@a-z\t\n ?#]{0,24}",
        ) {
            for input in [raw.as_str(), tricky.as_str(), &format!("{O}{tricky}")] {
                if let Some(got) = safe_next(input, O) {
                    proptest::prop_assert!(got.starts_with('/'), "{input:?} -> {got:?}");
                    proptest::prop_assert!(!got.starts_with("//") && !got.starts_with("/\\"), "{input:?} -> {got:?}");
                    proptest::prop_assert!(!got.chars().any(char::is_control), "{input:?} -> {got:?}");
                    // Idempotent: what Ward sends on passes the check again unchanged.
                    proptest::prop_assert_eq!(safe_next(&got, O), Some(got.clone()));
                }
            }
        }
    }
}
