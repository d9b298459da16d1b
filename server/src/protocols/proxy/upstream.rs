//! Proxy mode: Ward itself forwards a signed-in request to the provider's `internal_host`,
//! streaming both bodies, passing websocket (and any HTTP/1.1) upgrades through, and replacing
//! whatever `X-authentik-*` headers the client sent with the identity it signed in as.
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use url::Url;

/// The two clients proxy mode forwards with: one validating upstream certificates, one not
/// (`internal_host_ssl_validation: false`, for self-signed internal services).
pub struct Clients {
    validating: reqwest::Client,
    trusting: reqwest::Client,
}

impl Clients {
    pub fn new() -> Self {
        let build = |accept_invalid: bool| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .danger_accept_invalid_certs(accept_invalid)
                .build()
                .unwrap_or_default()
        };
        Clients {
            validating: build(false),
            trusting: build(true),
        }
    }

    pub fn get(&self, validate: bool) -> &reqwest::Client {
        if validate {
            &self.validating
        } else {
            &self.trusting
        }
    }
}

impl Default for Clients {
    fn default() -> Self {
        Self::new()
    }
}

/// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1); `Upgrade` and
/// `Connection` are set again for an upgrade.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The upstream URL for a request path and query on `internal` (its own path is a prefix).
pub fn target(internal: &Url, path_and_query: &str) -> Option<Url> {
    let base = internal.as_str().trim_end_matches('/');
    let path = if path_and_query.starts_with('/') {
        path_and_query
    } else {
        return None;
    };
    Url::parse(&format!("{base}{path}")).ok()
}

/// The request headers the upstream gets: the client's, less hop-by-hop headers and any
/// `X-authentik-*` it sent, plus `identity` and the forwarding headers.
pub fn upstream_headers(
    incoming: &HeaderMap,
    identity: &HeaderMap,
    peer: SocketAddr,
    proto: &str,
) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in incoming {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n) || n.starts_with("x-authentik-") || n == "x-forwarded-for" {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    for (name, value) in identity {
        out.insert(name.clone(), value.clone());
    }
    let xff = match incoming
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        Some(prior) => format!("{prior}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&xff) {
        out.insert(HeaderName::from_static("x-forwarded-for"), v);
    }
    if let Some(host) = incoming.get(header::HOST) {
        out.insert(HeaderName::from_static("x-forwarded-host"), host.clone());
    }
    if let Ok(v) = HeaderValue::from_str(proto) {
        out.insert(HeaderName::from_static("x-forwarded-proto"), v);
    }
    out
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
}

/// Forwards `req` to `to` with `headers`; the upstream's answer, streamed.
pub async fn forward(
    client: &reqwest::Client,
    to: Url,
    mut req: Request,
    mut headers: HeaderMap,
) -> Response {
    let upgrade = is_upgrade(req.headers()).then(|| {
        if let Some(u) = req.headers().get(header::UPGRADE) {
            headers.insert(header::UPGRADE, u.clone());
        }
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        hyper::upgrade::on(&mut req)
    });
    let method = req.method().clone();
    let body = reqwest::Body::wrap_stream(req.into_body().into_data_stream());
    let sent = client
        .request(method, to)
        .headers(headers)
        .body(body)
        .send()
        .await;
    let res = match sent {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "proxy upstream unreachable");
            return (StatusCode::BAD_GATEWAY, "the application is unreachable").into_response();
        }
    };
    let status = res.status();
    let mut answer_headers = HeaderMap::new();
    for (name, value) in res.headers() {
        let switching = status == StatusCode::SWITCHING_PROTOCOLS;
        if !switching && HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        answer_headers.append(name.clone(), value.clone());
    }
    if status == StatusCode::SWITCHING_PROTOCOLS {
        let Some(client_side) = upgrade else {
            return (
                StatusCode::BAD_GATEWAY,
                "the application switched protocols unasked",
            )
                .into_response();
        };
        tokio::spawn(async move {
            let (Ok(upstream), Ok(client)) = (res.upgrade().await, client_side.await) else {
                return;
            };
            let mut upstream = upstream;
            let mut client = TokioIo::new(client);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        });
        let mut out = Response::new(Body::empty());
        *out.status_mut() = status;
        *out.headers_mut() = answer_headers;
        return out;
    }
    let mut out = Response::new(Body::from_stream(res.bytes_stream()));
    *out.status_mut() = status;
    *out.headers_mut() = answer_headers;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_path_goes_under_the_internal_host_and_forged_identity_is_dropped() {
        let internal = Url::parse("http://app.internal:8080/base/").expect("url");
        assert_eq!(
            target(&internal, "/x/y?q=1").map(|u| u.to_string()),
            Some("http://app.internal:8080/base/x/y?q=1".into())
        );
        assert_eq!(target(&internal, "x"), None);
        let mut incoming = HeaderMap::new();
        incoming.insert("x-authentik-username", HeaderValue::from_static("mallory"));
        incoming.insert("X-Authentik-Groups", HeaderValue::from_static("admins"));
        incoming.insert(header::HOST, HeaderValue::from_static("app.example.com"));
        incoming.insert(header::CONNECTION, HeaderValue::from_static("close"));
        incoming.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        incoming.insert("accept", HeaderValue::from_static("text/html"));
        let mut identity = HeaderMap::new();
        identity.insert(
            "x-authentik-email",
            HeaderValue::from_static("a@example.com"),
        );
        let peer: SocketAddr = "192.0.2.7:5000".parse().expect("peer");
        let out = upstream_headers(&incoming, &identity, peer, "https");
        assert_eq!(out.get("x-authentik-username"), None);
        assert_eq!(out.get("x-authentik-groups"), None);
        assert_eq!(
            out.get("x-authentik-email").map(|v| v.as_bytes()),
            Some(&b"a@example.com"[..])
        );
        assert_eq!(out.get("connection"), None);
        assert_eq!(
            out.get("accept").map(|v| v.as_bytes()),
            Some(&b"text/html"[..])
        );
        assert_eq!(
            out.get("x-forwarded-for").map(|v| v.as_bytes()),
            Some(&b"10.0.0.1, 192.0.2.7"[..])
        );
        assert_eq!(
            out.get("x-forwarded-host").map(|v| v.as_bytes()),
            Some(&b"app.example.com"[..])
        );
        assert_eq!(
            out.get("x-forwarded-proto").map(|v| v.as_bytes()),
            Some(&b"https"[..])
        );
    }

    proptest! {
        #[test]
        fn any_path_is_a_url_under_the_internal_host_or_nothing(path in ".{0,200}") {
            let internal = Url::parse("http://app.internal:8080").expect("url");
            if let Some(u) = target(&internal, &path) {
                prop_assert_eq!(u.host_str(), Some("app.internal"));
                prop_assert_eq!(u.port(), Some(8080));
            }
        }
    }
}
