//! The scopes Ward offers, with authentik's names, descriptions and claims (its built-in scope
//! mappings `goauthentik.io/providers/oauth2/scope-*`). Custom scope mappings arrive with the
//! expression-policy work and plug in beside these.
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

/// What a user is, for claims: the user and the names of their groups.
pub struct Subject<'a> {
    pub user: &'a User,
    pub groups: &'a [String],
    /// The application's entitlements granted to the user.
    pub entitlements: &'a [String],
}

/// The claims of the built-in scopes `builtins` (userinfo, and the ID token when the provider
/// includes them), as authentik's mappings return them.
pub fn claims(builtins: &[&str], who: &Subject<'_>) -> Map<String, Value> {
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

    #[test]
    fn only_described_scopes_are_shown() {
        let shown = described(&["openid".into(), "email".into(), "x".into()]);
        assert_eq!(shown, [("email".to_string(), "Email address".to_string())]);
    }
}
