//! Sessions and events as the admin interface and the portal list them.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: String,
    pub username: String,
    pub client_ip: String,
    pub user_agent: String,
    /// RFC 3339.
    pub last_seen: String,
    pub created_at: String,
    /// The session of the browser asking.
    pub current: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventQuery {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub client_ip: String,
    /// RFC 3339 or `YYYY-MM-DD`; empty = unbounded.
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub until: String,
    /// Free text searched in the event's context.
    #[serde(default)]
    pub search: String,
    /// Keyset cursor from the previous page (`next`); empty = newest.
    #[serde(default)]
    pub after: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub action: String,
    pub username: String,
    pub client_ip: String,
    pub created_at: String,
    /// The context as JSON text.
    pub context: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    pub rows: Vec<EventRow>,
    /// Cursor for the next (older) page, empty when this is the last.
    pub next: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourBucket {
    /// "HH:00", UTC.
    pub label: String,
    pub logins: i64,
    pub failed: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub users: i64,
    pub groups: i64,
    pub sessions: i64,
    /// The last 24 hours, oldest first.
    pub hours: Vec<HourBucket>,
    pub version: String,
    pub database: String,
    pub uptime_secs: u64,
    pub worker: super::system::WorkerStatus,
}
