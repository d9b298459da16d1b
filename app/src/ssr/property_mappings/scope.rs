//! `scope`: an OAuth2 scope (authentik's ScopeMapping): its name, what the consent page says of
//! it, and the expression that gives its claims.
use super::Mapping;
use crate::ssr::typed::field_error;
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScopeMapping {
    /// The scope clients ask for, e.g. `email`.
    pub scope_name: String,
    /// Shown on the consent page; empty: not shown.
    #[serde(default)]
    pub description: String,
    /// authentik's Python body returning the claims. Ward computes the built-in mappings'
    /// claims itself; custom expressions run once the expression engine lands.
    #[serde(default)]
    pub expression: String,
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
        if self.expression.len() > 64 * 1024 || self.expression.contains('\0') {
            return field_error("expression", "At most 64 KiB of text.");
        }
        FieldErrors::new()
    }
}

impl Mapping for ScopeMapping {
    fn scope(&self) -> Option<(&str, &str)> {
        Some((&self.scope_name, &self.description))
    }
}
