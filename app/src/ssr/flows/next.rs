//! `?next=` validation: only a path on this site, or a URL on Ward's own origin.
use url::Url;

/// Where to go after the flow. `own_origin` is e.g. `https://auth.example.com`.
/// Returns the safe target (a path), or None when `raw` points anywhere else.
pub fn safe_next(raw: &str, own_origin: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    if raw.starts_with('/') && !raw.starts_with("//") {
        // Parse against our origin to normalise, then keep path + query only.
        let base = Url::parse(own_origin).ok()?;
        let url = base.join(raw).ok()?;
        return (url.origin() == base.origin()).then(|| path_and_query(&url));
    }
    let url = Url::parse(raw).ok()?;
    let own = Url::parse(own_origin).ok()?;
    (url.origin() == own.origin()).then(|| path_and_query(&url))
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
        assert_eq!(safe_next("/if/admin/", O).as_deref(), Some("/if/admin/"));
        assert_eq!(safe_next("/a?b=c", O).as_deref(), Some("/a?b=c"));
        assert_eq!(
            safe_next("https://auth.example.com/if/user/", O).as_deref(),
            Some("/if/user/")
        );
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "https://evil.example",
            "//evil.example/x",
            "/\\evil.example",
            "http://auth.example.com/",
            "https://auth.example.com.evil.example/",
            "javascript:alert(1)",
            "",
            "/x\n/y",
        ] {
            assert_eq!(safe_next(bad, O), None, "{bad}");
        }
    }
}
