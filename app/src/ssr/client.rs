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

/// The client's address. From a trusted proxy, X-Forwarded-For is read right to left (every
/// header line, as HAProxy may send several): entries that are not addresses are skipped, and the
/// first address that is not itself a trusted proxy is the client; the left-most address when all
/// are trusted. Anything left of the client may be forged, so it is never looked at. From any
/// other peer, or without a usable header, the peer's address.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let mut leftmost = None;
    for hop in forwarded_for(headers).into_iter().rev() {
        if !is_trusted(hop, trusted) {
            return hop;
        }
        leftmost = Some(hop);
    }
    leftmost.unwrap_or(peer)
}

/// Every parsable X-Forwarded-For address, left to right, over all header lines.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|line| line.to_str().ok())
        .flat_map(|line| line.split(','))
        .filter_map(hop_address)
        .collect()
}

/// One X-Forwarded-For entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]` or
/// `[2001:db8::1]:5678`; IPv4-mapped IPv6 as IPv4. None for anything else (`unknown`, ...).
fn hop_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .unwrap_or(entry)
                .parse::<IpAddr>()
        })
        .ok()?;
    Some(canonical(ip))
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
        lines(&[xff])
    }

    /// One X-Forwarded-For header line per item.
    fn lines(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for line in xff {
            h.append("x-forwarded-for", line.parse().expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    /// The client as seen behind the trusted proxy 10.0.0.2 (trusting 10.0.0.0/8).
    fn behind_proxy(h: &HeaderMap) -> IpAddr {
        client_ip(ip("10.0.0.2"), h, &nets(&["10.0.0.0/8"]))
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
    fn every_header_line_counts_haproxy_style() {
        // The client sent its own header line; the proxy added the real address as another.
        assert_eq!(behind_proxy(&lines(&["6.6.6.6", "1.2.3.4"])), ip("1.2.3.4"));
        assert_eq!(
            behind_proxy(&lines(&["6.6.6.6, 1.2.3.4", "10.0.0.7"])),
            ip("1.2.3.4")
        );
    }

    #[test]
    fn forged_leftmost_entry_behind_a_trusted_proxy_is_ignored() {
        assert_eq!(
            behind_proxy(&headers("10.0.0.99, 6.6.6.6, 1.2.3.4, 10.0.0.7")),
            ip("1.2.3.4")
        );
        // A client claiming to be a trusted proxy itself does not get past its own address.
        assert_eq!(behind_proxy(&headers("10.0.0.5, 1.2.3.4")), ip("1.2.3.4"));
    }

    #[test]
    fn garbage_entries_are_skipped() {
        for xff in [
            "1.2.3.4, unknown",
            "garbage, 1.2.3.4",
            "1.2.3.4, , 10.0.0.7,",
            "1.2.3.4,\t,999.1.1.1, 10.0.0.7",
            "1.2.3.4, _hidden, 10.0.0.7",
            "1.2.3.4:5678",
            "::ffff:1.2.3.4",
        ] {
            assert_eq!(behind_proxy(&headers(xff)), ip("1.2.3.4"), "{xff}");
        }
        for (xff, expected) in [
            ("[2001:db8::1]:443, 10.0.0.7", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("2001:db8::1", "2001:db8::1"),
            // Nothing usable: the peer.
            ("unknown, garbage", "10.0.0.2"),
            ("", "10.0.0.2"),
            // Every hop a trusted proxy: the left-most one.
            ("10.0.0.5, 10.0.0.7", "10.0.0.5"),
        ] {
            assert_eq!(behind_proxy(&headers(xff)), ip(expected), "{xff}");
        }
    }

    #[test]
    fn mapped_ipv6_peer_matches_ipv4_cidr() {
        assert!(is_trusted(
            "::ffff:127.0.0.1".parse().expect("ip"),
            &nets(&["127.0.0.0/8"])
        ));
    }

    proptest::proptest! {
        /// Any header bytes from any peer: no panic; the answer is the peer, or (behind a
        /// trusted proxy) an address that appears in the header.
        #[test]
        fn any_forwarded_header_is_survived(
            raw in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40), 0..3),
            tricky in proptest::collection::vec("[0-9a-f:.\\[\\], ]{0,30}", 0..3),
            trusted_peer in proptest::prelude::any::<bool>(),
        ) {
            let mut h = HeaderMap::new();
            for line in raw.into_iter().chain(tricky.into_iter().map(String::into_bytes)) {
                if let Ok(v) = axum::http::HeaderValue::from_bytes(&line) {
                    h.append("x-forwarded-for", v.clone());
                    h.append("x-forwarded-host", v.clone());
                    h.append("x-forwarded-proto", v);
                }
            }
            let peer = if trusted_peer { ip("10.0.0.2") } else { ip("203.0.113.9") };
            let got = client_ip(peer, &h, &nets(&["10.0.0.0/8"]));
            let listed = forwarded_for(&h);
            proptest::prop_assert!(got == peer || (trusted_peer && listed.contains(&got)));
            let _ = origin(SocketAddr::new(peer, 443), &h, &nets(&["10.0.0.0/8"]));
        }
    }
}
