//! The scopes Ward offers, with authentik's names, descriptions and claims (its built-in scope
//! mappings `goauthentik.io/providers/oauth2/scope-*`), and the claims custom scope mappings
//! give from user and group attributes. Custom mappings written as expressions arrive with the
//! expression engine and plug in beside these.
use crate::ssr::users::User;
use serde_json::{Map, Value, json};

pub const OPENID: &str = "openid";
pub const OFFLINE_ACCESS: &str = "offline_access";

/// A scope: its name, what the consent page says of it, and the managed id of authentik's
/// mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    pub name: &'static str,
    pub description: &'static str,
    pub managed: &'static str,
}

pub const BUILT_IN: &[Scope] = &[
    Scope {
        name: OPENID,
        description: "",
        managed: "goauthentik.io/providers/oauth2/scope-openid",
    },
    Scope {
        name: "email",
        description: "Email address",
        managed: "goauthentik.io/providers/oauth2/scope-email",
    },
    Scope {
        name: "profile",
        description: "General Profile Information",
        managed: "goauthentik.io/providers/oauth2/scope-profile",
    },
    Scope {
        name: "entitlements",
        description: "Application entitlements",
        managed: "goauthentik.io/providers/oauth2/scope-entitlements",
    },
    Scope {
        name: OFFLINE_ACCESS,
        description: "Access to request new tokens without interaction",
        managed: "goauthentik.io/providers/oauth2/scope-offline_access",
    },
    Scope {
        name: "goauthentik.io/api",
        description: "authentik API Access on behalf of your user",
        managed: "goauthentik.io/providers/oauth2/scope-authentik_api",
    },
    Scope {
        name: "ak_proxy",
        description: "authentik Proxy - User information",
        managed: "goauthentik.io/providers/proxy/scope-proxy",
    },
];

/// The scopes a provider offers when its settings name none: authentik's default provider
/// blueprint selects openid, email, profile and offline_access.
pub const DEFAULT_OFFERED: &[&str] = &[OPENID, "email", "profile", OFFLINE_ACCESS];

/// A proxy provider's scopes when it names none: authentik's `set_oauth_defaults` selects
/// openid, email, profile, entitlements and its proxy mapping.
pub const PROXY_DEFAULT_OFFERED: &[&str] =
    &[OPENID, "email", "profile", "entitlements", "ak_proxy"];

/// The scopes a provider of `kind` offers when its settings name none.
pub fn default_offered(kind: &str) -> &'static [&'static str] {
    if kind == "proxy" {
        PROXY_DEFAULT_OFFERED
    } else {
        DEFAULT_OFFERED
    }
}

pub fn find(name: &str) -> Option<&'static Scope> {
    BUILT_IN.iter().find(|s| s.name == name)
}

/// The built-in scope a managed mapping id stands for.
pub fn by_managed(managed: &str) -> Option<&'static Scope> {
    BUILT_IN.iter().find(|s| s.managed == managed)
}

/// The requested scopes the provider offers, in the order asked, without repeats. Unknown
/// scopes are dropped, as authentik does.
pub fn granted(requested: &str, offered: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if offered.contains(&s) && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

/// What the user sees on the consent page: the described scopes among `scopes`.
pub fn described(scopes: &[String]) -> Vec<(String, String)> {
    scopes
        .iter()
        .filter_map(|s| find(s))
        .filter(|s| !s.description.is_empty())
        .map(|s| (s.name.to_string(), s.description.to_string()))
        .collect()
}

/// Claims the protocol itself sets (OIDC Core §2 and §3.1.3.6, RFC 9068, RFC 8693, Ward's and
/// authentik's `uid` and `scope`): never taken from attributes.
pub const PROTOCOL_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "jti",
    "uid",
    "scope",
    "at_hash",
    "c_hash",
    "s_hash",
    "client_id",
    "cnf",
    "act",
    "may_act",
    "events",
];

pub fn is_protocol_claim(name: &str) -> bool {
    PROTOCOL_CLAIMS.contains(&name)
}

/// What a user is, for claims: the user, the names of their groups and their attributes.
pub struct Subject<'a> {
    pub user: &'a User,
    pub groups: &'a [String],
    /// The application's entitlements granted to the user.
    pub entitlements: &'a [String],
    /// The user's attributes merged over their groups' (`users::attributes::merged`).
    pub attributes: &'a Map<String, Value>,
    pub is_superuser: bool,
}

/// The claims of the granted scopes (userinfo, and the ID token when the provider includes
/// them): those of the built-in scopes `builtins` as authentik's mappings return them, then
/// each of `attribute_claims` the user's attributes have, unless a built-in scope gave that
/// claim already or the protocol sets it.
pub fn claims(
    builtins: &[&str],
    attribute_claims: &[&str],
    who: &Subject<'_>,
) -> Map<String, Value> {
    let mut out = builtin_claims(builtins, who);
    for key in attribute_claims {
        if is_protocol_claim(key) || out.contains_key(*key) {
            continue;
        }
        if let Some(value) = who.attributes.get(*key) {
            out.insert((*key).to_string(), value.clone());
        }
    }
    out
}

fn builtin_claims(builtins: &[&str], who: &Subject<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    let user = who.user;
    for scope in builtins {
        let add = match *scope {
            // authentik's mapping says unverified: Ward does not verify addresses either.
            "email" => {
                json!({ "email": user.email.clone().unwrap_or_default(), "email_verified": false })
            }
            "profile" => {
                json!({
                    "name": user.name,
                    "given_name": user.name,
                    "preferred_username": user.username,
                    "nickname": user.username,
                    "groups": who.groups,
                })
            }
            "entitlements" => {
                json!({ "entitlements": who.entitlements, "roles": who.entitlements })
            }
            // authentik's proxy outpost mapping: what its headers (basic auth, additional
            // headers) are built from.
            "ak_proxy" => json!({
                "ak_proxy": {
                    "user_attributes": who.attributes,
                    "is_superuser": who.is_superuser,
                }
            }),
            _ => continue,
        };
        if let Value::Object(m) = add {
            out.extend(m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_keeps_offered_scopes_in_order_once() {
        let offered = DEFAULT_OFFERED;
        assert_eq!(
            granted("profile  openid profile unknown email", offered),
            ["profile", "openid", "email"]
        );
        assert!(granted("", offered).is_empty());
        assert_eq!(granted("entitlements openid", &[OPENID]), ["openid"]);
    }

    fn alice() -> User {
        User {
            id: uuid::Uuid::nil(),
            username: "alice".into(),
            email: Some("alice@example.com".into()),
            name: "Alice".into(),
            is_active: true,
        }
    }

    #[test]
    fn attribute_claims_never_replace_protocol_or_built_in_claims() {
        let user = alice();
        let attributes = json!({
            "department": "R&D", "sub": "forged", "email": "forged@example.com",
            "nonce": "forged", "tags": ["a"],
        })
        .as_object()
        .cloned()
        .expect("object");
        let who = Subject {
            user: &user,
            groups: &[],
            entitlements: &[],
            attributes: &attributes,
            is_superuser: false,
        };
        let keys = ["department", "sub", "email", "nonce", "tags", "missing"];
        let with_email = claims(&["email"], &keys, &who);
        assert_eq!(with_email["email"], "alice@example.com");
        assert_eq!(with_email["department"], "R&D");
        assert_eq!(with_email["tags"], json!(["a"]));
        let proxy = claims(&["ak_proxy"], &[], &who);
        assert_eq!(proxy["ak_proxy"]["user_attributes"]["department"], "R&D");
        assert_eq!(proxy["ak_proxy"]["is_superuser"], false);
        for absent in ["sub", "nonce", "missing"] {
            assert!(!with_email.contains_key(absent), "{absent}: {with_email:?}");
        }
        // Without the email scope the attribute is what the mapping names.
        let without = claims(&[], &keys, &who);
        assert_eq!(without["email"], "forged@example.com");
        assert!(claims(&["email"], &[], &who).get("department").is_none());
    }

    #[test]
    fn only_described_scopes_are_shown() {
        let shown = described(&["openid".into(), "email".into(), "x".into()]);
        assert_eq!(shown, [("email".to_string(), "Email address".to_string())]);
    }
}
