//! Admin → Customization → Property mappings: the list and the scope mapping form.
use serde::{Deserialize, Serialize};

/// What an admin edits on a scope mapping.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScopeMappingForm {
    pub name: String,
    pub scope_name: String,
    /// Shown on the consent page; empty: not shown.
    pub description: String,
    /// User and group attribute keys given as claims, one a line (blank lines are skipped).
    pub attribute_claims: String,
    /// A Python body returning a dict of more claims; empty: none.
    pub expression: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyMappingRow {
    pub id: String,
    pub name: String,
    /// The type, e.g. "Scope Mapping".
    pub verbose_name: String,
    /// A built-in mapping (authentik's `managed`): shown, not changed or deleted here.
    pub managed: bool,
    /// The stored expression (the built-in mappings say with it what Ward computes).
    pub expression: String,
    pub form: ScopeMappingForm,
}
