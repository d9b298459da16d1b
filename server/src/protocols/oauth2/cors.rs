//! CORS for the endpoints browser apps (single-page apps, public clients with PKCE) call from
//! their own origin, as authentik's `cors_allow`: the token endpoint, userinfo and discovery
//! answer an `Origin` that is the origin of one of the client's redirect URIs with that origin,
//! `Access-Control-Allow-Credentials: true` and `Vary: Origin`; a preflight (`OPTIONS`) also gets
//! `Access-Control-Allow-Methods` and the headers it asked for. Any other origin gets no CORS
//! header, which is no error: the browser keeps the answer from the page.
//!
//! Stricter than authentik where that cannot break a working app: a preflight, which names no
//! client, is allowed for an origin that some client registered (authentik: any origin), and a
//! regex redirect URI stands for an origin only when its scheme and host are written literally
//! (as authentik reads it; `https://.*\.example\.com/cb` stands for none). Looser where the
//! answer is public anyway: discovery documents (authentik: registered origins only) and the
//! JWKS (authentik: `*`) go to any other origin with `*`, never with credentials.
use app::ssr::AppState;
use app::ssr::providers::clients::OAuthClient;
use app::ssr::providers::redirect_uris::RedirectUri;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;

/// What authentik allows after a preflight.
const METHODS: &str = "GET, POST, OPTIONS";

/// The `Origin` a browser sends: `http(s)://host[:port]`, exactly as browsers serialize it
/// (lowercase, no default port, no path). `null` and anything else is no origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    text: String,
    origin: url::Origin,
}

impl Origin {
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > 300 {
            return None;
        }
        let url = url::Url::parse(text).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        // A host name browsers send (after IDNA): letters, digits, `-`, `_` and dots.
        if let Some(url::Host::Domain(d)) = url.host()
            && !d
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return None;
        }
        let origin = url.origin();
        (origin.ascii_serialization() == text).then(|| Self {
            text: text.to_string(),
            origin,
        })
    }

    /// The request's one `Origin` header, if it is an origin.
    pub fn of(request: &HeaderMap) -> Option<Self> {
        let mut all = request.get_all(header::ORIGIN).iter();
        let (Some(v), None) = (all.next(), all.next()) else {
            return None;
        };
        Self::parse(v.to_str().ok()?)
    }

    /// Whether this is the origin of one of `entries` (authentik compares scheme, host and
    /// port of each redirect URI).
    pub fn registered_in(&self, entries: &[RedirectUri]) -> bool {
        entries
            .iter()
            .filter_map(origin_of)
            .any(|o| o == self.origin)
    }
}

/// The origin a redirect URI stands for: a strict one's; a regex's only when it starts with a
/// literal `http(s)://host[:port]` (no regex syntax before the path).
fn origin_of(entry: &RedirectUri) -> Option<url::Origin> {
    let url = match entry.matching_mode.as_str() {
        "strict" => url::Url::parse(&entry.url).ok()?,
        "regex" => {
            let (scheme, rest) = entry.url.split_once("://")?;
            let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
            let literal = !authority.is_empty()
                && authority
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
            if !literal {
                return None;
            }
            url::Url::parse(&format!("{scheme}://{authority}/")).ok()?
        }
        _ => return None,
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some(url.origin()).filter(url::Origin::is_tuple)
}

/// Who may read an endpoint's answers from another origin.
#[derive(Clone, Copy)]
pub enum Audience<'a> {
    /// The origins of these redirect URIs, with credentials; no one else.
    Registered(&'a [RedirectUri]),
    /// Those origins with credentials, any other origin without (a public document).
    RegisteredElseAnyone(&'a [RedirectUri]),
    /// Any origin, without credentials.
    Anyone,
}

impl<'a> Audience<'a> {
    /// The origins of `client`'s redirect URIs (none when the request names no known client).
    pub fn client(client: Option<&'a OAuthClient>) -> Self {
        Self::Registered(client.map_or(&[], |c| &c.settings.redirect_uris))
    }
}

/// Adds the CORS headers the request earns to `res`; whether it earned any.
pub fn allow(request: &HeaderMap, audience: Audience<'_>, res: &mut Response) -> bool {
    let headers = res.headers_mut();
    let entries = match audience {
        Audience::Registered(e) | Audience::RegisteredElseAnyone(e) => {
            // The answer depends on the Origin: caches must keep one per origin.
            headers.append(header::VARY, HeaderValue::from_static("Origin"));
            e
        }
        Audience::Anyone => &[],
    };
    let registered = Origin::of(request).filter(|o| o.registered_in(entries));
    match (registered, audience) {
        (Some(origin), _) => {
            let Ok(v) = HeaderValue::from_str(&origin.text) else {
                return false;
            };
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        (None, Audience::Registered(_)) => return false,
        (None, _) => {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
    }
    true
}

/// The answer to a preflight (`OPTIONS`): authentik's empty token response, with the methods
/// and the asked-for headers when the origin may call.
fn preflight(request: &HeaderMap, audience: Audience<'_>) -> Response {
    let mut res = Json(serde_json::json!({})).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if allow(request, audience, &mut res) {
        let headers = res.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(METHODS),
        );
        if let Some(asked) = requested_headers(request) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
        }
    }
    res
}

/// `Access-Control-Request-Headers` when it is a list of header names (authentik allows
/// whatever is asked; Ward only echoes what is well-formed).
fn requested_headers(request: &HeaderMap) -> Option<HeaderValue> {
    let value = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS)?;
    let text = value.to_str().ok()?;
    let token = |name: &str| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    (text.len() <= 1024 && text.split(',').all(|n| token(n.trim()))).then(|| value.clone())
}

/// The redirect URIs of every client, for preflights, which name none.
async fn every_client(pool: &PgPool) -> Vec<RedirectUri> {
    let rows = sqlx::query_scalar::<_, serde_json::Value>(
        "select coalesce(p.config->'redirect_uris', '[]'::jsonb)
           from providers p join applications a on a.provider_id = p.id
          where p.kind = 'oauth2' and p.client_id is not null",
    )
    .fetch_all(pool)
    .await;
    match rows {
        Ok(rows) => rows
            .into_iter()
            .flat_map(|v| serde_json::from_value::<Vec<RedirectUri>>(v).unwrap_or_default())
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "cors: redirect URIs unreadable");
            Vec::new()
        }
    }
}

/// `OPTIONS` at the token and userinfo endpoints: origins some client registered.
/// Anyone may call.
pub async fn preflight_clients(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let entries = match Origin::of(&headers) {
        Some(_) => every_client(&state.pool).await,
        None => Vec::new(),
    };
    preflight(&headers, Audience::Registered(&entries))
}

/// `OPTIONS` at the discovery documents: registered origins with credentials, others without.
/// Anyone may call.
pub async fn preflight_public(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let entries = match Origin::of(&headers) {
        Some(_) => every_client(&state.pool).await,
        None => Vec::new(),
    };
    preflight(&headers, Audience::RegisteredElseAnyone(&entries))
}

/// `OPTIONS` at the JWKS: any origin, without credentials. Anyone may call.
pub async fn preflight_anyone(headers: HeaderMap) -> Response {
    preflight(&headers, Audience::Anyone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(mode: &str, url: &str) -> RedirectUri {
        RedirectUri {
            matching_mode: mode.into(),
            url: url.into(),
            redirect_uri_type: "authorization".into(),
        }
    }

    fn origin(text: &str) -> Origin {
        Origin::parse(text).expect(text)
    }

    #[test]
    fn origins_are_what_browsers_send() {
        for ok in [
            "https://app.example.com",
            "http://127.0.0.1:5173",
            "http://[::1]:8080",
            "https://xn--bcher-kva.example",
        ] {
            assert!(Origin::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "null",
            "",
            "https://app.example.com/",
            "https://app.example.com/cb",
            "https://APP.example.com",
            "HTTPS://app.example.com",
            "https://app.example.com:443",
            "https://user@app.example.com",
            "https://app.example.com?x",
            "file:///etc/passwd",
            "chrome-extension://abc",
            "https://*",
            " https://app.example.com",
        ] {
            assert!(Origin::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_redirect_uri_stands_for_its_origin() {
        let entries = [entry("strict", "https://app.example.com:443/callback?x=1")];
        assert!(origin("https://app.example.com").registered_in(&entries));
        for other in [
            "http://app.example.com",
            "https://app.example.com:8443",
            "https://evil.example.com",
            "https://example.com",
        ] {
            assert!(!origin(other).registered_in(&entries), "{other}");
        }
        let spa = [entry("strict", "http://localhost:5173/")];
        assert!(origin("http://localhost:5173").registered_in(&spa));
        assert!(!origin("http://localhost:5174").registered_in(&spa));
        // A native app's scheme is no origin.
        let native = [entry("strict", "com.example.app:/oauth")];
        assert!(!origin("https://app.example.com").registered_in(&native));
    }

    #[test]
    fn a_regex_stands_for_an_origin_only_when_written_literally() {
        let literal = [entry("regex", "https://app.example.com/.*")];
        assert!(origin("https://app.example.com").registered_in(&literal));
        // `.` is no wildcard here: the host is read as written, as authentik does.
        assert!(!origin("https://appxexample.com").registered_in(&literal));
        for pattern in [
            r"https://.*\.example\.com/cb",
            r"https://app\.example\.com/cb",
            "https://app.example.com(/.*)?",
            "https?://app.example.com/cb",
            "(?i)https://app.example.com/cb",
            "https://app.example.com|https://evil.example/cb",
        ] {
            let entries = [entry("regex", pattern)];
            for o in [
                "https://app.example.com",
                "https://app",
                "https://evil.example",
            ] {
                assert!(!origin(o).registered_in(&entries), "{pattern} / {o}");
            }
        }
    }

    #[test]
    fn only_registered_origins_get_credentials() {
        let entries = [entry("strict", "https://spa.example/cb")];
        let mut req = HeaderMap::new();
        req.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://spa.example"),
        );
        let mut res = Response::default();
        assert!(allow(&req, Audience::Registered(&entries), &mut res));
        assert_eq!(
            res.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://spa.example"
        );
        assert_eq!(
            res.headers()[header::ACCESS_CONTROL_ALLOW_CREDENTIALS],
            "true"
        );
        assert_eq!(res.headers()[header::VARY], "Origin");

        req.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        let mut res = Response::default();
        assert!(!allow(&req, Audience::Registered(&entries), &mut res));
        assert!(
            !res.headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        );
        let mut res = Response::default();
        assert!(allow(
            &req,
            Audience::RegisteredElseAnyone(&entries),
            &mut res
        ));
        assert_eq!(res.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert!(
            !res.headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
        );

        // Two Origin headers are no origin.
        req.append(
            header::ORIGIN,
            HeaderValue::from_static("https://spa.example"),
        );
        let mut res = Response::default();
        assert!(!allow(&req, Audience::Registered(&entries), &mut res));
    }

    #[test]
    fn preflights_echo_only_well_formed_header_lists() {
        let mut req = HeaderMap::new();
        req.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("authorization,content-type, dpop"),
        );
        assert!(requested_headers(&req).is_some());
        for bad in ["a,,b", "", "x y", "a:b", "a,(b)"] {
            req.insert(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                HeaderValue::from_static(bad),
            );
            assert!(requested_headers(&req).is_none(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn garbage_never_panics(text in ".{0,400}", bytes in proptest::collection::vec(any::<u8>(), 0..200), url in ".{0,200}") {
            let _ = Origin::parse(&text);
            let mut req = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_bytes(&bytes) {
                req.insert(header::ORIGIN, v.clone());
                req.insert(header::ACCESS_CONTROL_REQUEST_HEADERS, v);
            }
            let _ = requested_headers(&req);
            let entries = [entry("strict", &url), entry("regex", &url)];
            let mut res = Response::default();
            let _ = allow(&req, Audience::Registered(&entries), &mut res);
            let _ = preflight(&req, Audience::RegisteredElseAnyone(&entries));
        }

        #[test]
        fn a_parsed_origin_is_echoed_as_sent(host in "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){0,2}", port in proptest::option::of(1u16..)) {
            let text = match port {
                Some(p) => format!("https://{host}:{p}"),
                None => format!("https://{host}"),
            };
            if let Some(o) = Origin::parse(&text) {
                prop_assert_eq!(o.text, text);
            }
        }
    }
}
