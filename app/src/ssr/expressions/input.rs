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
                (
                    "headers",
                    MontyObject::Dict(
                        http.headers
                            .iter()
                            .map(|(k, v)| {
                                (
                                    MontyObject::String(django_header_name(k)),
                                    convert::string(v),
                                )
                            })
                            .collect(),
                    ),
                ),
                ("query", strings(&http.query)),
                ("path", convert::string(&http.path)),
                ("method", convert::string(&http.method)),
                ("host", convert::string(&http.host)),
            ]),
        ),
    ])
}

/// Django's `request.headers` names: `user-agent` (as HTTP/2 sends it) and `USER-AGENT` both read
/// as `User-Agent`. Django also matches any case on lookup; the sandbox cannot dispatch
/// `__getitem__` to a class, so the names are given in the one case authentik documents.
fn django_header_name(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::django_header_name;

    #[test]
    fn header_names_read_as_django_gives_them() {
        for (sent, seen) in [
            ("user-agent", "User-Agent"),
            ("USER-AGENT", "User-Agent"),
            ("X-Forwarded-For", "X-Forwarded-For"),
            ("x_custom_thing", "X-Custom-Thing"),
            ("dnt", "Dnt"),
        ] {
            assert_eq!(django_header_name(sent), seen);
        }
    }
}
