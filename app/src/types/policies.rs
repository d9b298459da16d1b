//! Admin → Customization → Policies: the list, the expression policy form, and a test's answer.
use serde::{Deserialize, Serialize};

/// What an admin edits on an expression policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpressionPolicyForm {
    pub name: String,
    pub expression: String,
    /// Every evaluation is recorded as a `policy_execution` event.
    pub execution_logging: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyListRow {
    pub id: String,
    pub name: String,
    /// The type, e.g. "Expression Policy".
    pub verbose_name: String,
    /// How many bindings use it.
    pub bound_to: i64,
    /// The form, for expression policies (the types this screen edits).
    pub expression: Option<ExpressionPolicyForm>,
}

/// What a policy decided in a test.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyTestAnswer {
    pub passing: bool,
    pub messages: Vec<String>,
    pub log_messages: Vec<String>,
}
