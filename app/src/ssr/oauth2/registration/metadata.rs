//! Client metadata of a registration request (RFC 7591 §2, OIDC RP-Initiated and Back-Channel
//! Logout), checked against what the registering provider allows. Metadata Ward does not know
//! is ignored, as §2 asks; every field it knows is validated, and a refusal names the RFC 7591
//! §3.2.2 error (`invalid_redirect_uri` or `invalid_client_metadata`).
use crate::ssr::providers::redirect_uris::RedirectUri;
use serde_json::{Map, Value};
use std::net::IpAddr;

/// The largest request body read.
pub const MAX_BODY: usize = 64 * 1024;
/// The most values a list (redirect URIs, grant types …) may hold.
const MAX_ITEMS: usize = 20;
/// A provider name holds 150 characters (the provider's name is the client's).
const MAX_NAME: usize = 150;
/// Grants a registered client never gets, whatever its provider allows (RFC 9700 §2.1.2,
/// §2.4; hybrid is implicit too).
const REFUSED_GRANTS: [&str; 3] = ["implicit", "hybrid", "password"];

pub const AUTHORIZATION_CODE: &str = "authorization_code";
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

/// How the client authenticates at the token endpoint; `None` makes it a public client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    None,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::ClientSecretBasic, Self::ClientSecretPost, Self::None]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// Valid metadata, with defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    pub client_name: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub auth_method: AuthMethod,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
}

/// Why a registration request is refused (RFC 7591 §3.2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    RedirectUri(String),
    ClientMetadata(String),
}

impl Invalid {
    pub fn error(&self) -> &'static str {
        match self {
            Self::RedirectUri(_) => "invalid_redirect_uri",
            Self::ClientMetadata(_) => "invalid_client_metadata",
        }
    }

    pub fn description(&self) -> &str {
        match self {
            Self::RedirectUri(d) | Self::ClientMetadata(d) => d,
        }
    }
}

fn meta(d: impl Into<String>) -> Invalid {
    Invalid::ClientMetadata(d.into())
}

/// A field's value; JSON null counts as absent.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn text(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Invalid> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(meta(format!("{name} must be a string."))),
    }
}

fn list(
    obj: &Map<String, Value>,
    name: &str,
    bad: fn(String) -> Invalid,
) -> Result<Option<Vec<String>>, Invalid> {
    let Some(v) = field(obj, name) else {
        return Ok(None);
    };
    let items = v
        .as_array()
        .ok_or_else(|| bad(format!("{name} must be an array of strings.")))?;
    if items.len() > MAX_ITEMS {
        return Err(bad(format!("{name} lists more than {MAX_ITEMS} values.")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let s = item
            .as_str()
            .ok_or_else(|| bad(format!("{name} must be an array of strings.")))?;
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(Some(out))
}

/// Why `uri` cannot be a redirect (or logout) URI of a registered client, if it cannot:
/// the provider's own rules (absolute, no fragment, no `javascript:`/`data:`), then RFC 8252
/// and RFC 9700 §2.6: `https`; `http` only on a loopback host; a private-use scheme only in
/// reverse-domain form (it has a dot); never userinfo, whitespace or control characters.
pub fn uri_problem(uri: &str) -> Option<String> {
    let entry = RedirectUri {
        matching_mode: "strict".into(),
        url: uri.into(),
        redirect_uri_type: "authorization".into(),
    };
    if let Some(p) = entry.problem() {
        return Some(p);
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("A URI cannot contain spaces or control characters.".into());
    }
    let Ok(u) = url::Url::parse(uri) else {
        return Some(format!("{uri} is not an absolute URL."));
    };
    if !u.username().is_empty() || u.password().is_some() {
        return Some("A URI cannot carry a user name or password.".into());
    }
    match u.scheme() {
        "https" if u.host().is_some() => None,
        "http" => {
            let loopback = match u.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                None => false,
            };
            (!loopback).then(|| {
                "http is only allowed on a loopback host (127.0.0.1, [::1], localhost); use https."
                    .into()
            })
        }
        "https" => Some("An https URI needs a host.".into()),
        s if s.contains('.') => None,
        s => Some(format!(
            "The {s} scheme is not allowed: use https, http on a loopback host, or a reverse-domain scheme (com.example.app)."
        )),
    }
}

fn uris(
    obj: &Map<String, Value>,
    name: &str,
    bad: fn(String) -> Invalid,
) -> Result<Vec<String>, Invalid> {
    let list = list(obj, name, bad)?.unwrap_or_default();
    for uri in &list {
        if let Some(p) = uri_problem(uri) {
            return Err(bad(format!("{name}: {p}")));
        }
    }
    Ok(list)
}

fn client_name(obj: &Map<String, Value>) -> Result<Option<String>, Invalid> {
    let Some(name) = text(obj, "client_name")? else {
        return Ok(None);
    };
    let name = name.trim();
    if name.chars().any(char::is_control) {
        return Err(meta("client_name cannot contain control characters."));
    }
    if name.chars().count() > MAX_NAME {
        return Err(meta(format!(
            "client_name has at most {MAX_NAME} characters."
        )));
    }
    Ok(Some(name.to_string()).filter(|n| !n.is_empty()))
}

fn grant_types(obj: &Map<String, Value>, allowed: &[String]) -> Result<Vec<String>, Invalid> {
    let grants =
        list(obj, "grant_types", meta)?.unwrap_or_else(|| vec![AUTHORIZATION_CODE.to_string()]);
    if grants.is_empty() {
        return Err(meta("grant_types lists no grant type."));
    }
    for g in &grants {
        if REFUSED_GRANTS.contains(&g.as_str()) {
            return Err(meta(format!(
                "The {g} grant is not available to registered clients."
            )));
        }
        if !allowed.contains(g) {
            return Err(meta(format!(
                "This provider does not allow the {g} grant; it allows {}.",
                allowed
                    .iter()
                    .filter(|a| !REFUSED_GRANTS.contains(&a.as_str()))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(grants)
}

/// `code` is the only response type, and it goes with the authorization_code grant both ways
/// (RFC 7591 §2.1).
fn response_types(obj: &Map<String, Value>, grants: &[String]) -> Result<Vec<String>, Invalid> {
    let code = grants.iter().any(|g| g == AUTHORIZATION_CODE);
    let types = list(obj, "response_types", meta)?
        .unwrap_or_else(|| if code { vec!["code".into()] } else { vec![] });
    if let Some(t) = types.iter().find(|t| *t != "code") {
        return Err(meta(format!(
            "The response type {t} is not available; use code."
        )));
    }
    match (code, types.is_empty()) {
        (true, true) => Err(meta(
            "The authorization_code grant needs the code response type.",
        )),
        (false, false) => Err(meta(
            "The code response type needs the authorization_code grant.",
        )),
        _ => Ok(types),
    }
}

/// Parses and checks a registration request's body. `allowed_grants` are the registering
/// provider's; `offered_scopes` the scopes it offers (a requested `scope` must be among them).
pub fn parse(
    body: &[u8],
    allowed_grants: &[String],
    offered_scopes: &[&str],
) -> Result<Metadata, Invalid> {
    if body.len() > MAX_BODY {
        return Err(meta("The request body is too large."));
    }
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err(meta("The request body must be a JSON object."));
    };
    let auth_method = match text(&obj, "token_endpoint_auth_method")? {
        None => AuthMethod::ClientSecretBasic,
        Some(m) => AuthMethod::parse(&m).ok_or_else(|| {
            meta(format!(
                "token_endpoint_auth_method {m} is not supported; use client_secret_basic, client_secret_post or none."
            ))
        })?,
    };
    let grant_types = grant_types(&obj, allowed_grants)?;
    if auth_method == AuthMethod::None && grant_types.iter().any(|g| g == CLIENT_CREDENTIALS) {
        return Err(meta(
            "A public client (token_endpoint_auth_method none) cannot use client_credentials.",
        ));
    }
    let response_types = response_types(&obj, &grant_types)?;
    let redirect_uris = uris(&obj, "redirect_uris", Invalid::RedirectUri)?;
    if redirect_uris.is_empty() && grant_types.iter().any(|g| g == AUTHORIZATION_CODE) {
        return Err(Invalid::RedirectUri(
            "redirect_uris must list at least one URI for the authorization_code grant.".into(),
        ));
    }
    let post_logout_redirect_uris = uris(&obj, "post_logout_redirect_uris", meta)?;
    let backchannel_logout_uri = match text(&obj, "backchannel_logout_uri")? {
        None => None,
        Some(uri) => match uri_problem(&uri) {
            Some(p) => return Err(meta(format!("backchannel_logout_uri: {p}"))),
            None if !uri.starts_with("http") => {
                return Err(meta("backchannel_logout_uri must be an http(s) URL."));
            }
            None => Some(uri),
        },
    };
    if let Some(scope) = text(&obj, "scope")? {
        for s in scope.split(' ').filter(|s| !s.is_empty()) {
            if !offered_scopes.contains(&s) {
                return Err(meta(format!("The scope {s} is not offered here.")));
            }
        }
    }
    Ok(Metadata {
        client_name: client_name(&obj)?,
        redirect_uris,
        post_logout_redirect_uris,
        backchannel_logout_uri,
        auth_method,
        grant_types,
        response_types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn allowed() -> Vec<String> {
        [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "implicit",
        ]
        .map(String::from)
        .to_vec()
    }
    const OFFERED: &[&str] = &["openid", "email", "profile"];

    fn parse_json(v: Value) -> Result<Metadata, Invalid> {
        parse(v.to_string().as_bytes(), &allowed(), OFFERED)
    }

    #[test]
    fn defaults_are_a_confidential_code_client() {
        let m = parse_json(json!({ "redirect_uris": ["https://app.example/cb"] })).expect("ok");
        assert_eq!(m.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(m.grant_types, ["authorization_code"]);
        assert_eq!(m.response_types, ["code"]);
        assert_eq!(m.client_name, None);
    }

    #[test]
    fn redirect_uris_follow_the_native_and_web_rules() {
        for ok in [
            "https://app.example/cb",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/cb?x=1",
            "com.example.app:/oauth",
        ] {
            assert_eq!(uri_problem(ok), None, "{ok}");
        }
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#frag",
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "myapp:/cb",
            "https://user:pw@app.example/cb",
            "/relative",
            "https://app.example/c b",
            "",
        ] {
            assert!(uri_problem(bad).is_some(), "{bad}");
        }
        let e =
            parse_json(json!({ "redirect_uris": ["http://evil.example/cb"] })).expect_err("http");
        assert_eq!(e.error(), "invalid_redirect_uri");
        let e = parse_json(json!({})).expect_err("missing");
        assert_eq!(e.error(), "invalid_redirect_uri");
        let e = parse_json(json!({ "redirect_uris": "https://a.example/cb" })).expect_err("string");
        assert_eq!(e.error(), "invalid_redirect_uri");
    }

    #[test]
    fn each_wrong_field_is_client_metadata_error() {
        let cb = json!(["https://app.example/cb"]);
        for body in [
            json!({ "redirect_uris": cb, "grant_types": ["implicit"] }),
            json!({ "redirect_uris": cb, "grant_types": ["password"] }),
            json!({ "redirect_uris": cb, "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"] }),
            json!({ "redirect_uris": cb, "grant_types": [] }),
            json!({ "redirect_uris": cb, "grant_types": "authorization_code" }),
            json!({ "redirect_uris": cb, "token_endpoint_auth_method": "private_key_jwt" }),
            json!({ "redirect_uris": cb, "token_endpoint_auth_method": 3 }),
            json!({ "redirect_uris": cb, "response_types": ["token"] }),
            json!({ "redirect_uris": cb, "response_types": [] }),
            json!({ "grant_types": ["client_credentials"], "response_types": ["code"] }),
            json!({ "grant_types": ["client_credentials"], "token_endpoint_auth_method": "none" }),
            json!({ "redirect_uris": cb, "scope": "openid admin" }),
            json!({ "redirect_uris": cb, "client_name": "a\u{0}b" }),
            json!({ "redirect_uris": cb, "client_name": "x".repeat(151) }),
            json!({ "redirect_uris": cb, "post_logout_redirect_uris": ["http://evil.example/"] }),
            json!({ "redirect_uris": cb, "backchannel_logout_uri": "com.example.app:/logout" }),
            json!({ "redirect_uris": cb, "backchannel_logout_uri": "https://app.example/l#x" }),
        ] {
            let e = parse_json(body.clone()).expect_err(&body.to_string());
            assert_eq!(e.error(), "invalid_client_metadata", "{body}");
        }
        for garbage in [
            &b"not json"[..],
            b"[]",
            b"\"x\"",
            b"",
            b"{\"redirect_uris\":",
        ] {
            let e = parse(garbage, &allowed(), OFFERED).expect_err("garbage");
            assert_eq!(e.error(), "invalid_client_metadata");
        }
    }

    #[test]
    fn a_full_request_is_kept_and_unknown_metadata_ignored() {
        let m = parse_json(json!({
            "client_name": "  My App ",
            "redirect_uris": ["https://app.example/cb", "https://app.example/cb"],
            "post_logout_redirect_uris": ["https://app.example/bye"],
            "backchannel_logout_uri": "https://app.example/bcl",
            "token_endpoint_auth_method": "client_secret_post",
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "scope": "openid email",
            "logo_uri": "https://app.example/logo.png",
            "contacts": ["a@example.com"],
            "client_uri": null,
        }))
        .expect("ok");
        assert_eq!(m.client_name.as_deref(), Some("My App"));
        assert_eq!(m.redirect_uris, ["https://app.example/cb"]);
        assert_eq!(m.post_logout_redirect_uris, ["https://app.example/bye"]);
        assert_eq!(
            m.backchannel_logout_uri.as_deref(),
            Some("https://app.example/bcl")
        );
        assert_eq!(m.auth_method, AuthMethod::ClientSecretPost);
        let public = parse_json(json!({
            "redirect_uris": ["com.example.app:/cb"],
            "token_endpoint_auth_method": "none",
        }))
        .expect("public");
        assert_eq!(public.auth_method, AuthMethod::None);
        let machine = parse_json(json!({ "grant_types": ["client_credentials"] })).expect("m2m");
        assert!(machine.redirect_uris.is_empty());
        assert!(machine.response_types.is_empty());
    }

    proptest! {
        #[test]
        fn garbage_bodies_are_refused_not_panics(raw in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Err(e) = parse(&raw, &allowed(), OFFERED) {
                prop_assert!(!e.description().is_empty());
            }
        }

        #[test]
        fn garbage_fields_are_refused_not_panics(
            uri in ".{0,120}",
            name in ".{0,160}",
            method in ".{0,30}",
            grant in ".{0,40}",
            scope in ".{0,60}",
        ) {
            let body = json!({
                "redirect_uris": [uri.clone()],
                "post_logout_redirect_uris": [uri.clone()],
                "backchannel_logout_uri": uri,
                "client_name": name,
                "token_endpoint_auth_method": method,
                "grant_types": [grant],
                "scope": scope,
            });
            if let Ok(m) = parse_json(body) {
                for u in &m.redirect_uris {
                    prop_assert!(uri_problem(u).is_none());
                }
                prop_assert!(m.grant_types.iter().all(|g| !REFUSED_GRANTS.contains(&g.as_str())));
            }
        }
    }
}
