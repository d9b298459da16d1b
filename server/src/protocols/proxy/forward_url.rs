//! The original URL a reverse proxy asks about (authentik's "forward URL", `fwd`), from the
//! headers each proxy sends. The caller hands in only headers it trusts (from trusted proxy
//! CIDRs); None means the proxy is misconfigured (500 "configuration error").
use axum::http::HeaderMap;
use url::Url;

/// The path prefix Envoy's ext_authz puts before the original path.
pub const ENVOY_PREFIX: &str = "/outpost.goauthentik.io/auth/envoy";

/// Traefik and Caddy: `{X-Forwarded-Proto}://{X-Forwarded-Host}{X-Forwarded-Uri}` (the Uri
/// holds the query).
pub fn traefik(headers: &HeaderMap) -> Option<Url> {
    compose(
        header(headers, "x-forwarded-proto")?,
        header(headers, "x-forwarded-host")?,
        header(headers, "x-forwarded-uri")?,
    )
}

/// Caddy's `forward_auth` sends what Traefik sends.
pub fn caddy(headers: &HeaderMap) -> Option<Url> {
    traefik(headers)
}

/// nginx: `X-Original-URL` (absolute; every documented snippet sets it), else
/// `X-Original-URI` (a path, as older Go outposts read it) on `host` with
/// `X-Forwarded-Proto` (default https).
pub fn nginx(headers: &HeaderMap, host: Option<&str>) -> Option<Url> {
    if let Some(original) = header(headers, "x-original-url") {
        let url = Url::parse(original).ok()?;
        return (web_scheme(url.scheme())
            && url.host_str().is_some_and(|h| !h.is_empty())
            && url.username().is_empty()
            && url.password().is_none())
        .then_some(url);
    }
    let path = header(headers, "x-original-uri")?;
    compose(scheme_or_https(headers), host?, path)
}

/// Envoy: the request path after [`ENVOY_PREFIX`] (empty: `/`), its query, on `host` with
/// `X-Forwarded-Proto` (default https, as authentik's Rust outpost).
pub fn envoy(
    headers: &HeaderMap,
    request_path: &str,
    query: Option<&str>,
    host: Option<&str>,
) -> Option<Url> {
    let rest = request_path.strip_prefix(ENVOY_PREFIX)?;
    // `/auth/envoyX` is another path, not envoy's prefix.
    let path = match rest {
        "" => "/",
        r if r.starts_with('/') => r,
        _ => return None,
    };
    let uri = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    compose(scheme_or_https(headers), host?, &uri)
}

/// One header's value as text; a header given twice is ambiguous, so it counts as missing.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?.to_str().ok()?.trim();
    (values.next().is_none() && !value.is_empty()).then_some(value)
}

fn scheme_or_https(headers: &HeaderMap) -> &str {
    header(headers, "x-forwarded-proto").unwrap_or("https")
}

fn web_scheme(scheme: &str) -> bool {
    scheme == "http" || scheme == "https"
}

/// `scheme://host` + `path_and_query`, refusing anything that would move the host: a list
/// (`a, b`), userinfo, a path or query inside the host, a path not starting with `/`.
fn compose(scheme: &str, host: &str, path_and_query: &str) -> Option<Url> {
    let scheme = scheme.to_ascii_lowercase();
    if !web_scheme(&scheme)
        || host.is_empty()
        || host
            .chars()
            .any(|c| "/\\?#@,".contains(c) || c.is_whitespace() || c.is_control())
        || !path_and_query.starts_with('/')
        || path_and_query.chars().any(char::is_control)
    {
        return None;
    }
    let url = Url::parse(&format!("{scheme}://{host}{path_and_query}")).ok()?;
    url.host_str().is_some_and(|h| !h.is_empty()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn traefik_and_caddy_join_proto_host_and_uri() {
        let h = headers(&[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "app.example.com"),
            ("x-forwarded-uri", "/a/b?c=d"),
        ]);
        let url = traefik(&h).expect("url");
        assert_eq!(url.as_str(), "https://app.example.com/a/b?c=d");
        assert_eq!(caddy(&h), Some(url));
        let port = headers(&[
            ("x-forwarded-proto", "HTTP"),
            ("x-forwarded-host", "app.example.com:8443"),
            ("x-forwarded-uri", "/"),
        ]);
        assert_eq!(
            traefik(&port).expect("url").as_str(),
            "http://app.example.com:8443/"
        );
    }

    #[test]
    fn traefik_without_a_header_or_with_a_bad_one_is_a_configuration_error() {
        let full = [
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "app.example.com"),
            ("x-forwarded-uri", "/"),
        ];
        for missing in 0..3 {
            let partial: Vec<_> = full
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != missing)
                .map(|(_, p)| *p)
                .collect();
            assert!(traefik(&headers(&partial)).is_none(), "{missing}");
        }
        for (name, value) in [
            ("x-forwarded-proto", "javascript"),
            ("x-forwarded-host", "evil.com@app.example.com"),
            ("x-forwarded-host", "app.example.com/x"),
            ("x-forwarded-host", "a.com, b.com"),
            ("x-forwarded-uri", "no-slash"),
        ] {
            let mut h = headers(&full);
            h.insert(name, HeaderValue::from_str(value).expect("value"));
            assert!(traefik(&h).is_none(), "{name}: {value}");
        }
        let mut twice = headers(&full);
        twice.append("x-forwarded-host", HeaderValue::from_static("evil.com"));
        assert!(traefik(&twice).is_none());
    }

    #[test]
    fn a_double_slash_uri_stays_on_the_forwarded_host() {
        let h = headers(&[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "app.example.com"),
            ("x-forwarded-uri", "//evil.com/x"),
        ]);
        assert_eq!(
            traefik(&h).and_then(|u| u.host_str().map(str::to_string)),
            Some("app.example.com".into())
        );
    }

    #[test]
    fn nginx_prefers_the_original_url_then_the_original_uri() {
        let both = headers(&[
            ("x-original-url", "https://app.example.com/x?y=1"),
            ("x-original-uri", "/other"),
        ]);
        assert_eq!(
            nginx(&both, Some("ignored")).expect("url").as_str(),
            "https://app.example.com/x?y=1"
        );
        let uri = headers(&[("x-original-uri", "/p?q=1"), ("x-forwarded-proto", "http")]);
        assert_eq!(
            nginx(&uri, Some("app.example.com")).expect("url").as_str(),
            "http://app.example.com/p?q=1"
        );
        assert_eq!(
            nginx(
                &headers(&[("x-original-uri", "/p")]),
                Some("app.example.com")
            )
            .expect("url")
            .as_str(),
            "https://app.example.com/p"
        );
        assert!(nginx(&headers(&[("x-original-uri", "/p")]), None).is_none());
        assert!(nginx(&HeaderMap::new(), Some("app.example.com")).is_none());
        for bad in [
            "/relative",
            "javascript:alert(1)",
            "https://u:p@app.example.com/",
            "not a url",
        ] {
            assert!(
                nginx(&headers(&[("x-original-url", bad)]), Some("h")).is_none(),
                "{bad}"
            );
        }
    }

    #[test]
    fn envoy_takes_the_path_after_its_prefix_and_the_host() {
        let none = HeaderMap::new();
        let url = envoy(
            &none,
            "/outpost.goauthentik.io/auth/envoy/a/b",
            Some("c=d"),
            Some("app.example.com"),
        );
        assert_eq!(
            url.expect("url").as_str(),
            "https://app.example.com/a/b?c=d"
        );
        let root = envoy(&none, ENVOY_PREFIX, None, Some("app.example.com"));
        assert_eq!(root.expect("url").as_str(), "https://app.example.com/");
        let http = headers(&[("x-forwarded-proto", "http")]);
        assert_eq!(
            envoy(
                &http,
                "/outpost.goauthentik.io/auth/envoy/",
                None,
                Some("app.example.com")
            )
            .expect("url")
            .as_str(),
            "http://app.example.com/"
        );
        assert!(
            envoy(
                &none,
                "/outpost.goauthentik.io/auth/envoyx",
                None,
                Some("a")
            )
            .is_none()
        );
        assert!(envoy(&none, "/elsewhere", None, Some("a")).is_none());
        assert!(envoy(&none, ENVOY_PREFIX, None, None).is_none());
    }

    proptest! {
        #[test]
        fn garbage_headers_never_panic_and_never_leave_the_host(
            proto in ".{0,20}", host in ".{0,60}", uri in ".{0,120}", path in ".{0,120}"
        ) {
            let mut h = HeaderMap::new();
            for (name, value) in [
                ("x-forwarded-proto", &proto),
                ("x-forwarded-host", &host),
                ("x-forwarded-uri", &uri),
                ("x-original-url", &uri),
                ("x-original-uri", &uri),
            ] {
                if let Ok(v) = HeaderValue::from_str(value) {
                    h.insert(name, v);
                }
            }
            for url in [traefik(&h), nginx(&h, Some(&host)), envoy(&h, &path, Some(&uri), Some(&host))]
                .into_iter()
                .flatten()
            {
                prop_assert!(url.scheme() == "http" || url.scheme() == "https");
                prop_assert!(url.host_str().is_some_and(|h| !h.is_empty()));
                prop_assert!(url.username().is_empty());
            }
        }
    }
}
