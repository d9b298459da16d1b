//! System DTOs: settings, background tasks, worker status.
use serde::{Deserialize, Serialize};

/// The system settings row, as the admin edits it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemSettings {
    /// "none", "initials" or "gravatar".
    pub avatars: String,
    pub allow_change_username: bool,
    pub allow_change_name: bool,
    pub allow_change_email: bool,
    pub event_retention_days: i32,
    pub default_token_length: i32,
    pub default_token_duration_minutes: i32,
    /// Administrators without an MFA device enroll one at their next sign-in.
    #[serde(default)]
    pub require_admin_mfa: bool,
}

/// One kind of background task, with its latest run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    pub kind: String,
    pub title: String,
    /// "every hour", "on demand", ...
    pub schedule: String,
    /// Whether "run now" makes sense for it.
    pub runnable: bool,
    /// RFC 3339 of the latest finished run, or empty.
    pub last_run: String,
    pub duration_ms: Option<i64>,
    /// "done", "failed", "retrying", "running", "queued" or "never".
    pub status: String,
    pub error: String,
    /// RFC 3339 of the next queued run, or empty.
    pub next_run: String,
}

/// Workers seen recently, and the queue behind them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerStatus {
    /// Workers that reported in the last minute.
    pub workers: i64,
    pub queued: i64,
    pub failed_24h: i64,
}

/// The SMTP settings as admins see them (read-only; set by environment). No password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailView {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password_set: bool,
    pub use_tls: bool,
    pub use_ssl: bool,
    pub timeout_secs: u64,
    pub from: String,
}

/// A blueprint file Ward applies from its directories, with its last result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlueprintRow {
    pub id: String,
    /// The blueprint's `metadata.name` (empty when the file could not be read as a blueprint).
    pub name: String,
    pub path: String,
    /// "successful" or "error".
    pub status: String,
    /// RFC 3339.
    pub last_applied: String,
    /// Why the last apply failed; empty when it succeeded.
    pub error: String,
}

/// What "apply now" did: the instance as recorded afterwards, and the object counts (zero when
/// it failed; the row's `error` says why).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlueprintApplied {
    pub row: BlueprintRow,
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
}
