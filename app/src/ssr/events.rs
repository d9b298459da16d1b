//! The audit log. Every login, failure, logout and change is an event.
use crate::ssr::Result;
use serde_json::Value;
use sqlx::PgExecutor;
use std::net::IpAddr;
use uuid::Uuid;

pub mod action {
    pub const LOGIN: &str = "login";
    pub const LOGIN_FAILED: &str = "login_failed";
    pub const LOGOUT: &str = "logout";
    pub const USER_WRITE: &str = "user_write";
    pub const FLOW_DENIED: &str = "flow_denied";
    pub const ACCESS_DENIED: &str = "access_denied";
    pub const PASSWORD_SET: &str = "password_set";
    pub const SUSPICIOUS_REQUEST: &str = "suspicious_request";
    pub const EMAIL_SENT: &str = "email_sent";
    pub const CERTIFICATE_EXPIRING: &str = "certificate_expiring";
    /// A token key was shown again (authentik's `secret_view`).
    pub const SECRET_VIEW: &str = "secret_view";
    /// A policy with execution logging on was evaluated.
    pub const POLICY_EXECUTION: &str = "policy_execution";
    /// A policy could not decide (an expression raised, it timed out, its settings are broken).
    pub const POLICY_EXCEPTION: &str = "policy_exception";
    /// A second factor was enrolled, removed, or refused (issue 13).
    pub const MFA_ENROLLED: &str = "mfa_enrolled";
    pub const MFA_REMOVED: &str = "mfa_removed";
    pub const MFA_FAILED: &str = "mfa_failed";
    /// A user let an application sign them in (an authorization code was issued).
    pub const AUTHORIZE_APPLICATION: &str = "authorize_application";
    /// A protocol request that cannot work as configured (authentik's `configuration_error`).
    pub const CONFIGURATION_ERROR: &str = "configuration_error";
}

pub struct NewEvent<'a> {
    pub action: &'a str,
    pub user: Option<(Uuid, &'a str)>,
    pub client_ip: Option<IpAddr>,
    pub context: Value,
}

/// Writes the event, tagged with the current request id, and counts it for /metrics.
pub async fn record(db: impl PgExecutor<'_>, mut e: NewEvent<'_>) -> Result<()> {
    if let (Some(id), Value::Object(ctx)) = (crate::ssr::request::current(), &mut e.context) {
        ctx.insert("request_id".into(), Value::String(id));
    }
    let (user_id, username) = match e.user {
        Some((id, name)) => (Some(id), name),
        None => (None, ""),
    };
    sqlx::query!(
        "insert into events (id, action, user_id, username, client_ip, context) values ($1, $2, $3, $4, $5, $6)",
        Uuid::new_v4(),
        e.action,
        user_id,
        username,
        e.client_ip.map(ipnetwork::IpNetwork::from),
        e.context
    )
    .execute(db)
    .await?;
    tracing::info!(action = e.action, user = username, client_ip = ?e.client_ip, "event");
    metrics::counter!("ward_events_total", "action" => e.action.to_owned()).increment(1);
    match e.action {
        action::LOGIN => metrics::counter!("ward_logins_total", "result" => "success").increment(1),
        action::LOGIN_FAILED => {
            metrics::counter!("ward_logins_total", "result" => "failure").increment(1)
        }
        _ => {}
    }
    Ok(())
}
