//! Who is on the other end of a request: the client IP, believed from X-Forwarded-For only
//! when the direct peer is a trusted proxy.
use axum::http::HeaderMap;
use ipnetwork::IpNetwork;
use std::net::{IpAddr, SocketAddr};

#[derive(Clone, Debug)]
pub struct ClientInfo {
    pub ip: IpAddr,
    pub user_agent: String,
}

impl ClientInfo {
    pub fn from_request(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> Self {
        let user_agent = headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(512)
            .collect();
        Self {
            ip: client_ip(peer.ip(), headers, trusted),
            user_agent,
        }
    }
}

pub fn is_trusted(peer: IpAddr, trusted: &[IpNetwork]) -> bool {
    let peer = canonical(peer);
    trusted.iter().any(|net| net.contains(peer))
}

/// The client's address: the right-most X-Forwarded-For entry that is not itself a trusted
/// proxy, when the peer is trusted; the peer's address otherwise or when the header is unparsable.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let Some(value) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) else {
        return peer;
    };
    let mut hops = Vec::new();
    for part in value.split(',') {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) => hops.push(canonical(ip)),
            Err(_) => return peer,
        }
    }
    hops.into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip, trusted))
        .unwrap_or(peer)
}

/// This site's origin as the browser sees it: X-Forwarded-Proto/-Host count only from a
/// trusted proxy.
pub fn origin(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let via_proxy = is_trusted(peer.ip(), trusted);
    let proto = via_proxy
        .then(|| header("x-forwarded-proto"))
        .flatten()
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    let host = via_proxy
        .then(|| header("x-forwarded-host"))
        .flatten()
        .or_else(|| header("host"))
        .unwrap_or("localhost");
    format!("{proto}://{host}")
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().expect("header"));
        h
    }

    fn nets(s: &[&str]) -> Vec<IpNetwork> {
        s.iter().map(|n| n.parse().expect("cidr")).collect()
    }

    #[test]
    fn untrusted_peer_header_ignored() {
        let ip = client_ip(
            "203.0.113.9".parse().expect("ip"),
            &headers("1.2.3.4"),
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(ip, "203.0.113.9".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn trusted_peer_header_used_skipping_trusted_hops() {
        let ip = client_ip(
            "10.0.0.2".parse().expect("ip"),
            &headers("1.2.3.4, 10.0.0.7"),
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(ip, "1.2.3.4".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn unparsable_header_falls_back_to_peer() {
        let ip = client_ip(
            "10.0.0.2".parse().expect("ip"),
            &headers("garbage"),
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(ip, "10.0.0.2".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn mapped_ipv6_peer_matches_ipv4_cidr() {
        assert!(is_trusted(
            "::ffff:127.0.0.1".parse().expect("ip"),
            &nets(&["127.0.0.0/8"])
        ));
    }
}
