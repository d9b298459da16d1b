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
}

pub struct NewEvent<'a> {
    pub action: &'a str,
    pub user: Option<(Uuid, &'a str)>,
    pub client_ip: Option<IpAddr>,
    pub context: Value,
}

pub async fn record(db: impl PgExecutor<'_>, e: NewEvent<'_>) -> Result<()> {
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
    Ok(())
}
