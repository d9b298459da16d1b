//! `_ward_input`: the caller's context as the plain dicts the prelude wraps into authentik's
//! objects.
use super::context::Context;
use super::{convert, net};
use monty_types::MontyObject;
use serde_json::Value;

/// `_ward_input` (the context as plain dicts for the prelude to wrap) and `_ward_known_ips`
/// (addresses parsed before the run: the body's literals, compiled once, and the client's).
pub fn inputs(ctx: &Context, literal_ips: &[(String, MontyObject)]) -> [MontyObject; 2] {
    let client_ip = ctx
        .http
        .remote_addr
        .as_deref()
        .and_then(|a| net::address(a).ok());
    let client = match (&ctx.http.remote_addr, &client_ip) {
        (Some(addr), Some(ip)) => Some((format!("a{addr}"), ip.clone())),
        _ => None,
    };
    let known = MontyObject::Dict(
        literal_ips
            .iter()
            .cloned()
            .chain(client)
            .map(|(k, v)| (MontyObject::String(k), v))
            .collect(),
    );
    [input(ctx, client_ip.unwrap_or(MontyObject::None)), known]
}

fn input(ctx: &Context, client_ip: MontyObject) -> MontyObject {
    let http = &ctx.http;
    let mut meta: Vec<(String, MontyObject)> = http
        .headers
        .iter()
        .map(|(k, v)| {
            let key = format!("HTTP_{}", k.to_ascii_uppercase().replace('-', "_"));
            (key, convert::string(v))
        })
        .collect();
    if let Some(addr) = &http.remote_addr {
        meta.push(("REMOTE_ADDR".into(), convert::string(addr)));
    }
    let strings = |map: &std::collections::BTreeMap<String, String>| {
        convert::dict(map.iter().map(|(k, v)| (k.as_str(), convert::string(v))))
    };
    let optional = |v: &Option<Value>| v.as_ref().map_or(MontyObject::None, convert::from_json);
    convert::dict([
        (
            "user",
            ctx.user.as_ref().map_or(MontyObject::None, convert::user),
        ),
        (
            "pending_user",
            ctx.pending_user
                .as_ref()
                .map_or(MontyObject::None, convert::user),
        ),
        ("application", optional(&ctx.application)),
        ("obj", optional(&ctx.obj)),
        ("context", convert::from_map(&ctx.context)),
        ("client_ip", client_ip),
        (
            "http_request",
            convert::dict([
                (
                    "meta",
                    convert::dict(meta.iter().map(|(k, v)| (k.as_str(), v.clone()))),
                ),
                ("headers", strings(&http.headers)),
                ("query", strings(&http.query)),
                ("path", convert::string(&http.path)),
                ("method", convert::string(&http.method)),
                ("host", convert::string(&http.host)),
            ]),
        ),
    ])
}
