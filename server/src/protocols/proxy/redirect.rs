//! Where the outpost may send a browser after signing in: the `rd` of `/start` and the
//! forward URL put in the state. authentik's `checkRedirectParam`, closed where it is open
//! (CVE class of spec §11.7): a dot boundary on the cookie domain, http(s) only, no
//! `//host`, backslashes, userinfo or control characters.
use app::ssr::providers::proxy::{ProxyMode, bare_cookie_domain, host_is_under};
use url::Url;

/// The provider's side of the check.
#[derive(Clone, Copy, Debug)]
pub struct RedirectScope<'a> {
    pub mode: ProxyMode,
    pub external_host: &'a Url,
    pub cookie_domain: &'a str,
}

/// `rd` as a URL the provider may redirect to, or None (the caller then falls back to the
/// external host). A bare path is taken on the external host.
pub fn redirect_target(rd: &str, scope: RedirectScope<'_>) -> Option<Url> {
    // Browsers read `\` as `/` and drop tabs and newlines: `/\evil.com` and `//evil.com`
    // are other hosts to them, whatever a parser says.
    if rd.is_empty()
        || rd.contains('\\')
        || rd.chars().any(|c| c.is_control() || c.is_whitespace())
        || rd.starts_with("//")
    {
        return None;
    }
    let url = if rd.starts_with('/') {
        scope.external_host.join(rd).ok()?
    } else {
        Url::parse(rd).ok()?
    };
    if !(url.scheme() == "http" || url.scheme() == "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    let host = url.host_str()?;
    let allowed = match scope.mode {
        // Same host and port as the external host (a port left out is the scheme's).
        ProxyMode::Proxy | ProxyMode::ForwardSingle => {
            Some(host) == scope.external_host.host_str()
                && url.port_or_known_default() == scope.external_host.port_or_known_default()
        }
        ProxyMode::ForwardDomain => host_is_under(host, &bare_cookie_domain(scope.cookie_domain)),
    };
    allowed.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(mode: ProxyMode, external: &str, domain: &str, rd: &str) -> Option<String> {
        let external = Url::parse(external).expect("external");
        redirect_target(
            rd,
            RedirectScope {
                mode,
                external_host: &external,
                cookie_domain: domain,
            },
        )
        .map(String::from)
    }

    #[test]
    fn single_host_modes_stay_on_the_external_host() {
        for mode in [ProxyMode::Proxy, ProxyMode::ForwardSingle] {
            let ok = |rd| check(mode, "https://app.example.com", "", rd);
            assert_eq!(
                ok("https://app.example.com/x?y=1").as_deref(),
                Some("https://app.example.com/x?y=1")
            );
            assert_eq!(
                ok("https://app.example.com:443/").as_deref(),
                Some("https://app.example.com/")
            );
            assert_eq!(ok("/p?q").as_deref(), Some("https://app.example.com/p?q"));
            for bad in [
                "https://evil.com/",
                "https://app.example.com.evil.com/",
                "https://app.example.com:8443/",
                "http://app.example.com/",
                "https://user@app.example.com/",
                "//evil.com/",
                "/\\evil.com",
                "javascript:alert(1)",
                "data:text/html,x",
                "https://app.example.com/\nx",
                "",
                "relative",
            ] {
                assert_eq!(ok(bad), None, "{mode:?} {bad}");
            }
        }
    }

    #[test]
    fn domain_mode_takes_hosts_under_the_cookie_domain_at_a_dot() {
        let ok = |rd| {
            check(
                ProxyMode::ForwardDomain,
                "https://auth.company",
                ".company",
                rd,
            )
        };
        assert!(ok("https://app.company/x").is_some());
        assert!(ok("http://deep.app.company:8080/").is_some());
        assert!(ok("https://company/").is_some());
        assert_eq!(ok("/back").as_deref(), Some("https://auth.company/back"));
        for bad in [
            "https://evilcompany/",
            "https://company.evil/",
            "ftp://app.company/",
            "https://a@app.company/",
        ] {
            assert_eq!(ok(bad), None, "{bad}");
        }
        assert_eq!(
            check(
                ProxyMode::ForwardDomain,
                "https://auth.company",
                "",
                "https://auth.company/"
            ),
            None
        );
    }

    proptest! {
        #[test]
        fn garbage_never_panics_and_never_leaves_the_scope(rd in ".{0,200}", mode in 0..3usize) {
            let mode = [ProxyMode::Proxy, ProxyMode::ForwardSingle, ProxyMode::ForwardDomain][mode];
            if let Some(u) = check(mode, "https://app.example.com", "example.com", &rd) {
                let u = Url::parse(&u).expect("answer is a URL");
                prop_assert!(u.scheme() == "http" || u.scheme() == "https");
                let host = u.host_str().unwrap_or_default();
                prop_assert!(host == "app.example.com" || host.ends_with(".example.com") || host == "example.com");
            }
        }
    }
}
