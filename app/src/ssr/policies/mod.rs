//! Policies (authentik's): yes/no decisions bound to flows, to stages in flows and to
//! applications. Each policy type is one file implementing [`Policy`]; the engine
//! ([`engine`]) combines a target's bindings; `bindings` and `edit` are the admin side.
pub mod bindings;
pub mod dummy;
pub mod edit;
pub mod engine;
pub mod password;

use crate::ssr::typed::{self, Settings};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a policy decides about.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The user in question; None for nobody signed in (yet).
    pub user: Option<Uuid>,
    /// Values typed in the flow so far, by field key; during a prompt's validation this holds
    /// its plaintext passwords too (never stored).
    pub values: BTreeMap<String, String>,
}

impl Request {
    pub fn for_user(user: Option<Uuid>) -> Self {
        Request {
            user,
            values: BTreeMap::new(),
        }
    }
}

/// A policy's answer: whether it passes, and what the person is told when it does not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub passing: bool,
    pub messages: Vec<String>,
}

impl Verdict {
    pub fn pass() -> Self {
        Verdict {
            passing: true,
            messages: Vec::new(),
        }
    }

    pub fn fail(message: impl Into<String>) -> Self {
        Verdict {
            passing: false,
            messages: vec![message.into()],
        }
    }
}

#[async_trait::async_trait]
pub trait Policy: Send + Sync {
    async fn evaluate(&self, request: &Request) -> Verdict;
}

/// One policy type: its `policies.kind`, the names authentik gives it, and its settings.
pub type Kind = typed::Kind<dyn Policy>;

const fn kind<T: Policy + Settings>(
    kind: &'static str,
    model: &'static str,
    verbose_name: &'static str,
) -> Kind {
    Kind::new(
        kind,
        model,
        verbose_name,
        "policy",
        typed::normalize::<T>,
        build_as::<T>,
    )
}

fn build_as<T: Policy + Settings>(config: &serde_json::Value) -> Result<Box<dyn Policy>, String> {
    serde_json::from_value::<T>(config.clone())
        .map(|p| Box::new(p) as Box<dyn Policy>)
        .map_err(|e| e.to_string())
}

pub const KINDS: &[Kind] = &[
    kind::<dummy::Dummy>(
        "dummy",
        "authentik_policies_dummy.dummypolicy",
        "Dummy Policy",
    ),
    kind::<password::PasswordPolicy>(
        "password",
        "authentik_policies_password.passwordpolicy",
        "Password Policy",
    ),
];

pub fn by_kind(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// How a target combines its bindings: `any` passes when one passes, `all` when all do.
pub const ENGINE_MODES: [&str; 2] = ["any", "all"];

/// The field error for a policy engine mode other than `any` and `all`, if it is one.
pub fn check_engine_mode(mode: &str) -> Option<String> {
    (!ENGINE_MODES.contains(&mode)).then(|| "Choose any or all.".to_string())
}
