//! `scope`: an OAuth2 scope (authentik's ScopeMapping): its name, what the consent page says of
//! it, the expression that gives its claims, and the user and group attributes it gives as
//! claims.
use super::Mapping;
use crate::ssr::oauth2::scopes;
use crate::ssr::typed::field_error;
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

/// At most this many attribute claims per scope.
pub const MAX_ATTRIBUTE_CLAIMS: usize = 50;

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScopeMapping {
    /// The scope clients ask for, e.g. `email`.
    pub scope_name: String,
    /// Shown on the consent page; empty: not shown.
    #[serde(default)]
    pub description: String,
    /// authentik's Python body returning a dict of claims. Ward computes the built-in mappings'
    /// claims itself; a custom mapping's expression runs whenever its scope is granted.
    #[serde(default)]
    pub expression: String,
    /// Attribute keys (Ward's addition): when the scope is granted, each becomes a claim of the
    /// same name whose value is the user's attribute merged over their groups' (authentik's
    /// `user.group_attributes()`); keys neither has are left out. Claims the protocol sets
    /// (`sub`, `iss`, `nonce` …) cannot be named; a built-in scope's claim (`email` …) wins
    /// over an attribute of that name when both scopes are granted.
    #[serde(default)]
    pub attribute_claims: Vec<String>,
}

impl crate::ssr::typed::Settings for ScopeMapping {
    fn check(&self) -> FieldErrors {
        let s = &self.scope_name;
        if s.is_empty() || s.len() > 255 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return field_error("scope_name", "1 to 255 characters, without spaces.");
        }
        if self.description.chars().count() > 255 || self.description.contains('\0') {
            return field_error("description", "At most 255 characters.");
        }
        // Compiled by `edit::save_in` for custom mappings only: the built-in ones' text is
        // authentik's and never runs, and compiling it at every start costs memory.
        let errors = crate::ssr::typed::text_error(
            "expression",
            &self.expression,
            crate::ssr::expressions::MAX_EXPRESSION,
        );
        if !errors.is_empty() {
            return errors;
        }
        if let Some(message) = attribute_claims_error(&self.attribute_claims) {
            return field_error("attribute_claims", message);
        }
        FieldErrors::new()
    }
}

/// What is wrong with a list of attribute claims, if anything.
fn attribute_claims_error(keys: &[String]) -> Option<String> {
    if keys.len() > MAX_ATTRIBUTE_CLAIMS {
        return Some(format!("At most {MAX_ATTRIBUTE_CLAIMS} attribute claims."));
    }
    for key in keys {
        let shown: String = key.chars().take(40).filter(|c| !c.is_control()).collect();
        if key.is_empty()
            || key.chars().count() > 255
            || key.trim() != key
            || key.chars().any(char::is_control)
        {
            return Some(format!(
                "\"{shown}\": each attribute name has 1 to 255 characters, without control characters or surrounding spaces."
            ));
        }
        if scopes::is_protocol_claim(key) {
            return Some(format!(
                "{key} is a claim Ward sets itself; it cannot come from attributes."
            ));
        }
    }
    None
}

impl Mapping for ScopeMapping {
    fn scope(&self) -> Option<(&str, &str)> {
        Some((&self.scope_name, &self.description))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::typed::normalize;
    use serde_json::json;

    fn check(config: serde_json::Value) -> Result<serde_json::Value, FieldErrors> {
        normalize::<ScopeMapping>(&config, "property mapping")
    }

    #[test]
    fn attribute_claims_default_to_none_and_are_kept() {
        let stored = check(json!({ "scope_name": "hr" })).expect("valid");
        assert_eq!(stored["attribute_claims"], json!([]));
        let stored =
            check(json!({ "scope_name": "hr", "attribute_claims": ["department", "cost center"] }))
                .expect("valid");
        assert_eq!(
            stored["attribute_claims"],
            json!(["department", "cost center"])
        );
    }

    #[test]
    fn bad_attribute_claims_are_field_errors() {
        let too_many: Vec<String> = (0..=MAX_ATTRIBUTE_CLAIMS)
            .map(|i| format!("a{i}"))
            .collect();
        for bad in [
            json!([""]),
            json!([" department"]),
            json!(["dep\nartment"]),
            json!(["x".repeat(256)]),
            json!(["sub"]),
            json!(["nonce"]),
            json!(too_many),
            json!("department"),
            json!([1]),
        ] {
            let errors =
                check(json!({ "scope_name": "hr", "attribute_claims": bad })).expect_err("refused");
            assert!(errors.contains_key("attribute_claims"), "{bad}: {errors:?}");
        }
        // A built-in scope's claim may be named: the built-in scope wins when both are granted.
        assert!(check(json!({ "scope_name": "hr", "attribute_claims": ["email"] })).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn garbage_settings_are_field_errors_not_panics(raw in ".{0,200}", key in proptest::prelude::any::<String>()) {
            let mut configs = vec![json!({ "scope_name": "hr", "attribute_claims": [key, raw.clone()] })];
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&raw) {
                configs.push(json!({ "scope_name": "hr", "attribute_claims": value.clone() }));
                configs.push(value);
            }
            for config in configs {
                // What is accepted is stored in a form accepted again unchanged.
                if let Ok(stored) = check(config) {
                    proptest::prop_assert_eq!(check(stored.clone()).ok(), Some(stored));
                }
            }
        }
    }
}
