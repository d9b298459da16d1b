//! A flow in progress, kept server-side in the session between requests.
use crate::types::flow::{Challenge, FieldErrors};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

pub const SESSION_KEY: &str = "ward.flow";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlannedStage {
    pub name: String,
    pub kind: String,
    pub config: serde_json::Value,
    /// The flow-stage binding, whose policies decide whether the stage runs.
    #[serde(default)]
    pub binding: Option<Uuid>,
    #[serde(default)]
    pub policy_engine_mode: String,
    /// Whether any policy is bound to the binding (else there is nothing to evaluate).
    #[serde(default)]
    pub has_policies: bool,
}

/// What stages learn and hand on to later stages.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FlowContext {
    /// What the person typed to identify themselves (shown back, even for unknown users).
    pub pending_uid: Option<String>,
    /// The user the flow acts for, once known.
    pub pending_user: Option<Uuid>,
    /// Prompt answers other than passwords.
    pub prompt_data: BTreeMap<String, String>,
    /// A new password, already hashed by the prompt stage: plaintext never reaches the session.
    pub password_hash: Option<String>,
    /// The query string the flow was opened with (e.g. a recovery token).
    pub query: BTreeMap<String, String>,
    /// Wrong passwords given in this flow so far.
    #[serde(default)]
    pub failed_attempts: u32,
    /// A TOTP secret being enrolled, sealed, until its first code is entered.
    #[serde(default)]
    pub pending_totp: Option<Vec<u8>>,
    /// Recovery codes being enrolled, sealed, until the person confirms they saved them.
    #[serde(default)]
    pub pending_static: Option<Vec<u8>>,
    /// An email code sent by this flow (to enroll an address, or as a second factor).
    #[serde(default)]
    pub pending_email: Option<crate::ssr::mfa::email_code::PendingCode>,
    /// The device class the person chose to answer the second-factor stage with.
    #[serde(default)]
    pub mfa_selected: Option<String>,
    /// A WebAuthn ceremony under way (webauthn-rs's state), until the browser answers.
    #[serde(default)]
    pub webauthn_state: Option<serde_json::Value>,
    /// Signed in by a passkey alone: it stands for the password and the second factor.
    #[serde(default)]
    pub passwordless: bool,
    /// The device class that passed the second factor in this flow, for the login event.
    #[serde(default)]
    pub mfa_class: Option<String>,
    /// How the sign-in was proven so far (OIDC `amr`: pwd, otp, hwk …).
    #[serde(default)]
    pub amr: Vec<String>,
    /// The OAuth2 authorization this flow approves when it completes (consent flows).
    #[serde(default)]
    pub oauth: Option<crate::ssr::oauth2::Authorization>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FlowState {
    pub slug: String,
    pub title: String,
    pub setup_only: bool,
    pub stages: Vec<PlannedStage>,
    pub index: usize,
    /// The stage that last showed a challenge: where a later non-interactive stage sends the
    /// person back to when their input turns out invalid (e.g. a taken username).
    pub last_interactive: usize,
    pub context: FlowContext,
    pub challenge: Option<Challenge>,
    pub errors: FieldErrors,
    pub next: String,
}
