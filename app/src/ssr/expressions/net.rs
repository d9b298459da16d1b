//! The host side of `ip_address` / `ip_network`: parsing and membership in Rust, with the
//! flags Python's `ipaddress` offers, so the prelude's classes only hold the answers.
use super::convert::{dict, string};
use ipnetwork::IpNetwork;
use monty_types::{ExcType, MontyException, MontyObject};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub fn address(text: &str) -> Result<MontyObject, MontyException> {
    let ip = parse_address(text)?;
    Ok(dict([
        ("version", MontyObject::Int(version(&ip))),
        ("int", int(&ip)),
        ("text", string(&ip.to_string())),
        ("is_private", MontyObject::Bool(is_private(&ip))),
        ("is_global", MontyObject::Bool(is_global(&ip))),
        ("is_loopback", MontyObject::Bool(ip.is_loopback())),
        ("is_link_local", MontyObject::Bool(is_link_local(&ip))),
        ("is_multicast", MontyObject::Bool(ip.is_multicast())),
    ]))
}

pub fn network(text: &str, strict: bool) -> Result<MontyObject, MontyException> {
    let net = parse_network(text, strict)?;
    let (first, last) = (net.network(), last(&net));
    Ok(dict([
        ("version", MontyObject::Int(version(&first))),
        ("prefixlen", MontyObject::Int(i64::from(net.prefix()))),
        ("int", int(&first)),
        ("text", string(&format!("{first}/{}", net.prefix()))),
        (
            "is_private",
            MontyObject::Bool(is_private(&first) && is_private(&last)),
        ),
        (
            "is_global",
            MontyObject::Bool(is_global(&first) && is_global(&last)),
        ),
    ]))
}

fn parse_address(text: &str) -> Result<IpAddr, MontyException> {
    text.trim().parse().map_err(|_| {
        value_error(format!(
            "{text:?} does not appear to be an IPv4 or IPv6 address"
        ))
    })
}

fn parse_network(text: &str, strict: bool) -> Result<IpNetwork, MontyException> {
    let invalid = || {
        value_error(format!(
            "{text:?} does not appear to be an IPv4 or IPv6 network"
        ))
    };
    let net: IpNetwork = text.trim().parse().map_err(|_| invalid())?;
    if net.ip() != net.network() {
        if strict {
            return Err(value_error(format!("{text} has host bits set")));
        }
        return IpNetwork::new(net.network(), net.prefix()).map_err(|_| invalid());
    }
    Ok(net)
}

fn last(net: &IpNetwork) -> IpAddr {
    match net {
        IpNetwork::V4(n) => IpAddr::V4(n.broadcast()),
        IpNetwork::V6(n) => {
            let host_bits = 128 - u32::from(n.prefix());
            let mask = if host_bits == 0 {
                0
            } else {
                u128::MAX >> (128 - host_bits)
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) | mask))
        }
    }
}

fn value_error(message: String) -> MontyException {
    MontyException::new(ExcType::ValueError, Some(message))
}

fn version(ip: &IpAddr) -> i64 {
    if ip.is_ipv4() { 4 } else { 6 }
}

fn int(ip: &IpAddr) -> MontyObject {
    match ip {
        IpAddr::V4(v4) => MontyObject::Int(i64::from(u32::from(*v4))),
        IpAddr::V6(v6) => {
            let n = u128::from(*v6);
            i64::try_from(n).map_or_else(|_| MontyObject::BigInt(n.into()), MontyObject::Int)
        }
    }
}

fn is_link_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// Python's `is_private`: the IANA special-purpose ranges that are not globally reachable.
fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_private(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_private(&v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || first & 0xfe00 == 0xfc00
                || first & 0xffc0 == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8)
                || (first == 0x0100 && v6.segments()[1..4] == [0, 0, 0])
        }
    }
}

fn v4_private(v4: &Ipv4Addr) -> bool {
    let [a, b, c, d] = v4.octets();
    a == 0
        || v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_documentation()
        || (a == 192 && b == 0 && c == 0 && (d < 8 || d == 170 || d == 171))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

/// Python's `is_global`: not private and not the shared address space (100.64.0.0/10).
fn is_global(ip: &IpAddr) -> bool {
    let shared =
        matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 100 && v4.octets()[1] & 0xc0 == 64);
    !is_private(ip) && !shared
}
