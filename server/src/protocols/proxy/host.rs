//! Which proxy provider a request is for, from its host (authentik's `lookup_app`): the one
//! whose external host it is, else the `forward_domain` provider with the longest cookie
//! domain the host is under. No match is a 400; there is no "only provider" fallback, which
//! would sign a stranger host in against it.
use app::ssr::providers::proxy::{ProxyMode, bare_cookie_domain, host_is_under};
use url::Url;

/// What the lookup needs of one provider.
#[derive(Clone, Copy, Debug)]
pub struct HostRoute<'a> {
    pub external_host: &'a Url,
    pub mode: ProxyMode,
    pub cookie_domain: &'a str,
}

/// The index in `routes` of the provider for `host` (a `Host` value: name, optional port).
pub fn provider_for_host(host: &str, routes: &[HostRoute<'_>]) -> Option<usize> {
    let (name, port) = split_host(host)?;
    if let Some(i) = routes
        .iter()
        .position(|r| is_external_host(r.external_host, &name, port))
    {
        return Some(i);
    }
    routes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.mode == ProxyMode::ForwardDomain)
        .map(|(i, r)| (i, bare_cookie_domain(r.cookie_domain)))
        .filter(|(_, domain)| host_is_under(&name, domain))
        .max_by_key(|(_, domain)| domain.len())
        .map(|(i, _)| i)
}

/// The host name (lower case) and port of a `Host` header value; None when it is not one.
fn split_host(host: &str) -> Option<(String, Option<u16>)> {
    if host.is_empty()
        || host
            .chars()
            .any(|c| "/\\?#@ ".contains(c) || c.is_control())
    {
        return None;
    }
    let url = Url::parse(&format!("http://{host}/")).ok()?;
    let name = url.host_str()?.to_ascii_lowercase();
    // `Url` drops port 80 for http; keep what the header said.
    let port = match host.rsplit_once(':') {
        Some((_, p)) if !host.ends_with(']') => Some(p.parse().ok()?),
        _ => None,
    };
    Some((name, port))
}

/// A port left out on either side is the scheme's default (a `Host` without a port is on
/// the default port, so it is not `http://other:8080`).
fn is_external_host(external: &Url, name: &str, port: Option<u16>) -> bool {
    let same_port = match port {
        None => external.port().is_none(),
        Some(p) => Some(p) == external.port_or_known_default(),
    };
    same_port
        && external
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn the_exact_external_host_wins_then_the_longest_cookie_domain() {
        let (app, auth, deep, other) = (
            url("https://app.example.com"),
            url("https://auth.example.com"),
            url("https://auth.corp.example.com"),
            url("http://other.test:8080"),
        );
        let routes = [
            HostRoute {
                external_host: &app,
                mode: ProxyMode::ForwardSingle,
                cookie_domain: "",
            },
            HostRoute {
                external_host: &auth,
                mode: ProxyMode::ForwardDomain,
                cookie_domain: "example.com",
            },
            HostRoute {
                external_host: &deep,
                mode: ProxyMode::ForwardDomain,
                cookie_domain: ".corp.example.com",
            },
            HostRoute {
                external_host: &other,
                mode: ProxyMode::Proxy,
                cookie_domain: "",
            },
        ];
        let pick = |h| provider_for_host(h, &routes);
        assert_eq!(pick("app.example.com"), Some(0));
        assert_eq!(pick("APP.example.com:443"), Some(0));
        assert_eq!(pick("app.example.com:8443"), Some(1));
        assert_eq!(pick("wiki.example.com"), Some(1));
        assert_eq!(pick("example.com"), Some(1));
        assert_eq!(pick("git.corp.example.com"), Some(2));
        assert_eq!(pick("other.test:8080"), Some(3));
        assert_eq!(pick("other.test"), None);
        assert_eq!(pick("badexample.com"), None);
        assert_eq!(pick("example.com.evil"), None);
        assert_eq!(pick(""), None);
        assert_eq!(pick("app.example.com/x"), None);
        assert_eq!(pick("evil@app.example.com"), None);
    }

    #[test]
    fn single_host_modes_never_match_by_cookie_domain() {
        let app = url("https://app.example.com");
        let routes = [HostRoute {
            external_host: &app,
            mode: ProxyMode::ForwardSingle,
            cookie_domain: "example.com",
        }];
        assert_eq!(provider_for_host("wiki.example.com", &routes), None);
    }

    proptest! {
        #[test]
        fn garbage_hosts_never_panic(host in ".{0,100}") {
            let app = url("https://app.example.com");
            let routes = [HostRoute { external_host: &app, mode: ProxyMode::ForwardDomain, cookie_domain: "example.com" }];
            if let Some(i) = provider_for_host(&host, &routes) {
                prop_assert_eq!(i, 0);
            }
        }
    }
}
