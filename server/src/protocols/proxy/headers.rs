//! The identity headers an authenticated check answers with (authentik's outpost
//! `addHeaders`): reverse proxies copy them onto the request to the application.
use app::ssr::providers::proxy::ProxySettings;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

/// Every identity header Ward sets; a client's own copies of these never count.
pub const IDENTITY: [&str; 12] = [
    "x-authentik-username",
    "x-authentik-groups",
    "x-authentik-entitlements",
    "x-authentik-email",
    "x-authentik-name",
    "x-authentik-uid",
    "x-authentik-jwt",
    "x-authentik-meta-jwks",
    "x-authentik-meta-outpost",
    "x-authentik-meta-provider",
    "x-authentik-meta-app",
    "x-authentik-meta-version",
];

/// What the headers say of where they come from.
#[derive(Clone, Copy, Debug)]
pub struct Meta<'a> {
    pub jwks: &'a str,
    pub outpost: &'a str,
    pub provider: &'a str,
    pub app: &'a str,
}

/// authentik's `X-authentik-meta-version` (`goauthentik.io/outpost/<version>`).
pub fn version() -> String {
    format!("goauthentik.io/outpost/{}", env!("CARGO_PKG_VERSION"))
}

fn text<'c>(claims: &'c Map<String, Value>, key: &str) -> &'c str {
    claims.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn joined(claims: &Map<String, Value>, key: &str) -> String {
    claims
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("|")
        })
        .unwrap_or_default()
}

/// The user's attributes the `ak_proxy` scope put in the claims.
fn user_attributes(claims: &Map<String, Value>) -> Option<&Map<String, Value>> {
    claims.get("ak_proxy")?.get("user_attributes")?.as_object()
}

/// Sets `name: value` unless the value cannot be a header (a control character from an
/// attribute is dropped, never a panic or a split header).
fn put(out: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        out.insert(n, v);
    }
}

/// The headers for a signed-in user, from the claims of their session and its access token.
pub fn identity(
    claims: &Map<String, Value>,
    token: &str,
    settings: &ProxySettings,
    meta: Meta<'_>,
) -> HeaderMap {
    let mut out = HeaderMap::new();
    // authentik's additional headers come first, so they never replace the identity.
    if let Some(extra) = user_attributes(claims)
        .and_then(|a| a.get("additionalHeaders"))
        .and_then(Value::as_object)
    {
        for (name, value) in extra {
            let lower = name.to_ascii_lowercase();
            if IDENTITY.contains(&lower.as_str()) || lower == "authorization" {
                continue;
            }
            match value {
                Value::String(s) => put(&mut out, name, s),
                Value::Number(_) | Value::Bool(_) => put(&mut out, name, &value.to_string()),
                _ => {}
            }
        }
    }
    put(
        &mut out,
        "X-authentik-username",
        text(claims, "preferred_username"),
    );
    put(&mut out, "X-authentik-groups", &joined(claims, "groups"));
    put(
        &mut out,
        "X-authentik-entitlements",
        &joined(claims, "entitlements"),
    );
    put(&mut out, "X-authentik-email", text(claims, "email"));
    put(&mut out, "X-authentik-name", text(claims, "name"));
    put(&mut out, "X-authentik-uid", text(claims, "sub"));
    put(&mut out, "X-authentik-jwt", token);
    put(&mut out, "X-authentik-meta-jwks", meta.jwks);
    put(&mut out, "X-authentik-meta-outpost", meta.outpost);
    put(&mut out, "X-authentik-meta-provider", meta.provider);
    put(&mut out, "X-authentik-meta-app", meta.app);
    put(&mut out, "X-authentik-meta-version", &version());
    if settings.basic_auth_enabled
        && let Some(basic) = basic_auth(claims, settings)
    {
        out.insert(header::AUTHORIZATION, basic);
    }
    out
}

/// `Authorization: Basic` from the user's attributes (the user attribute, else the email, as
/// authentik), when the password attribute is set.
fn basic_auth(claims: &Map<String, Value>, settings: &ProxySettings) -> Option<HeaderValue> {
    let attrs = user_attributes(claims)?;
    let password = attrs
        .get(settings.basic_auth_password_attribute.trim())?
        .as_str()?;
    let user = attrs
        .get(settings.basic_auth_user_attribute.trim())
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| text(claims, "email"));
    let encoded = STANDARD.encode(format!("{user}:{password}"));
    HeaderValue::from_str(&format!("Basic {encoded}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn settings(extra: Value) -> ProxySettings {
        let mut base = json!({ "mode": "forward_single", "external_host": "https://app.test" });
        if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
            b.extend(e);
        }
        serde_json::from_value(base).expect("settings")
    }

    const META: Meta<'static> = Meta {
        jwks: "https://auth.test/application/o/app/jwks/",
        outpost: "authentik Embedded Outpost",
        provider: "App",
        app: "app",
    };

    fn claims() -> Map<String, Value> {
        json!({
            "sub": "hashed", "preferred_username": "alice", "email": "alice@example.com",
            "name": "Alice", "groups": ["admins", "staff"], "entitlements": ["read"],
            "ak_proxy": { "user_attributes": {
                "additionalHeaders": {
                    "X-Team": "blue", "X-authentik-username": "mallory", "Authorization": "x",
                    "X-Bad": "a\nb", "X-Count": 3,
                },
                "app_user": "alice2", "app_pass": "s3cret",
            }, "is_superuser": false },
        })
        .as_object()
        .cloned()
        .expect("object")
    }

    #[test]
    fn the_identity_comes_from_the_claims_and_attributes_never_override_it() {
        let h = identity(&claims(), "jwt.token.sig", &settings(json!({})), META);
        let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
        assert_eq!(get("x-authentik-username").as_deref(), Some("alice"));
        assert_eq!(get("x-authentik-groups").as_deref(), Some("admins|staff"));
        assert_eq!(get("x-authentik-entitlements").as_deref(), Some("read"));
        assert_eq!(
            get("x-authentik-email").as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(get("x-authentik-name").as_deref(), Some("Alice"));
        assert_eq!(get("x-authentik-uid").as_deref(), Some("hashed"));
        assert_eq!(get("x-authentik-jwt").as_deref(), Some("jwt.token.sig"));
        assert_eq!(get("x-authentik-meta-app").as_deref(), Some("app"));
        assert_eq!(get("x-team").as_deref(), Some("blue"));
        assert_eq!(get("x-count").as_deref(), Some("3"));
        assert_eq!(get("x-bad"), None);
        assert_eq!(get("authorization"), None, "basic auth is off");
    }

    #[test]
    fn basic_auth_passes_the_attributes_or_the_email() {
        let on = settings(json!({
            "basic_auth_enabled": true,
            "basic_auth_user_attribute": "app_user",
            "basic_auth_password_attribute": "app_pass",
        }));
        let h = identity(&claims(), "t", &on, META);
        let expected = format!("Basic {}", STANDARD.encode("alice2:s3cret"));
        assert_eq!(
            h.get("authorization").and_then(|v| v.to_str().ok()),
            Some(expected.as_str())
        );
        let no_user = settings(json!({
            "basic_auth_enabled": true,
            "basic_auth_user_attribute": "missing",
            "basic_auth_password_attribute": "app_pass",
        }));
        let h = identity(&claims(), "t", &no_user, META);
        let expected = format!("Basic {}", STANDARD.encode("alice@example.com:s3cret"));
        assert_eq!(
            h.get("authorization").and_then(|v| v.to_str().ok()),
            Some(expected.as_str())
        );
    }

    proptest! {
        #[test]
        fn any_claims_give_headers_without_panicking(
            name in ".{0,40}", value in ".{0,80}", user in ".{0,80}",
        ) {
            let c = json!({
                "preferred_username": user,
                "groups": [value.clone(), 1, null],
                "ak_proxy": { "user_attributes": { "additionalHeaders": { name: value } } },
            });
            let c = c.as_object().cloned().unwrap_or_default();
            let _ = identity(&c, &value, &settings(json!({})), META);
        }
    }
}
