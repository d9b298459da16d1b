//! Policies (authentik's): yes/no decisions bound to flows, to stages in flows and to
//! applications. Each policy type is one file implementing [`Policy`]; the engine
//! ([`engine`]) combines a target's bindings; `bindings` and `edit` are the admin side.
pub mod admin;
pub mod bindings;
pub mod dummy;
pub mod edit;
pub mod engine;
pub mod expression;
pub mod password;
pub mod test;

use crate::ssr::client::ClientInfo;
use crate::ssr::expressions::HttpView;
use crate::ssr::typed::{self, Settings};
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::net::IpAddr;
use uuid::Uuid;

/// What a policy decides about.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The user in question; None for nobody signed in (yet).
    pub user: Option<Uuid>,
    /// Values typed in the flow so far, by field key; during a prompt's validation this holds
    /// its plaintext passwords too (never stored).
    pub values: BTreeMap<String, String>,
    /// The client's address, trusted proxies' forwarding applied.
    pub client_ip: Option<IpAddr>,
    /// The HTTP request behind the decision, where there is one (`request.http_request`).
    pub http: HttpView,
    /// The application being accessed (`request.obj`, `context["application"]`).
    pub application: Option<Uuid>,
    /// More of `request.context` (an admin's test values, `ak_call_policy` keyword arguments).
    pub context: serde_json::Map<String, serde_json::Value>,
    /// How many `ak_call_policy` calls deep this evaluation is (they cannot loop forever).
    pub depth: u8,
}

impl Request {
    pub fn for_user(user: Option<Uuid>) -> Self {
        Request {
            user,
            ..Request::default()
        }
    }

    /// The same request, made by `client`.
    pub fn from_client(mut self, client: &ClientInfo) -> Self {
        self.client_ip = Some(client.ip);
        if !client.user_agent.is_empty() {
            self.http
                .headers
                .insert("User-Agent".into(), client.user_agent.clone());
        }
        self
    }

    /// The same request, about `application`.
    pub fn for_application(mut self, application: Uuid) -> Self {
        self.application = Some(application);
        self
    }
}

/// What a person refused an application is told when its policies said nothing.
pub const ACCESS_DENIED: &str = "You may not use this application.";

/// A policy's answer: whether it passes, and what the person is told when it does not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub passing: bool,
    pub messages: Vec<String>,
    /// What the policy logged while deciding (expressions' `ak_logger`, `print`): for the
    /// admin's test action and execution logging, never shown to the person.
    pub logs: Vec<String>,
}

impl Verdict {
    pub fn pass() -> Self {
        Verdict {
            passing: true,
            ..Verdict::default()
        }
    }

    /// What a person refused an application is told: the policies' first message, or
    /// [`ACCESS_DENIED`]; None when the verdict passes.
    pub fn refusal(&self) -> Option<String> {
        (!self.passing).then(|| {
            self.messages
                .first()
                .cloned()
                .unwrap_or_else(|| ACCESS_DENIED.into())
        })
    }

    pub fn fail(message: impl Into<String>) -> Self {
        Verdict {
            passing: false,
            messages: vec![message.into()],
            logs: Vec::new(),
        }
    }
}

#[async_trait::async_trait]
pub trait Policy: Send + Sync {
    /// The verdict; `Err` when the policy could not decide (an expression raised), which the
    /// binding's `failure_result` answers instead.
    async fn evaluate(&self, pool: &PgPool, request: &Request) -> Result<Verdict, String>;
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
    kind::<expression::ExpressionPolicy>(
        "expression",
        "authentik_policies_expression.expressionpolicy",
        "Expression Policy",
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
