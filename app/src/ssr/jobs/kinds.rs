//! The kinds of background work, their schedules and their handlers.
use super::Job;
use crate::ssr::Result;
use sqlx::PgPool;
use std::time::Duration;

pub struct Kind {
    pub name: &'static str,
    pub title: &'static str,
    /// Periodic kinds are re-queued this long after each run; the others run when enqueued.
    pub every: Option<Duration>,
}

pub const EVENT_RETENTION: &str = "event_retention";
pub const EXPIRED_CLEANUP: &str = "expired_cleanup";
pub const CERTIFICATE_EXPIRY: &str = "certificate_expiry";

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

pub const KINDS: &[Kind] = &[
    Kind {
        name: EVENT_RETENTION,
        title: "Delete events older than the retention setting",
        every: Some(HOUR),
    },
    Kind {
        name: EXPIRED_CLEANUP,
        title: "Remove expired sessions, tokens and old task history",
        every: Some(HOUR),
    },
    Kind {
        name: CERTIFICATE_EXPIRY,
        title: "Warn about certificates that expire within 30 days",
        every: Some(DAY),
    },
    Kind {
        name: crate::ssr::email::SEND_EMAIL,
        title: "Send queued email",
        every: None,
    },
];

pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// How long finished jobs stay visible as history.
const HISTORY_DAYS: i32 = 7;

pub async fn event_retention(pool: &PgPool, _job: &Job) -> Result<()> {
    let deleted = crate::ssr::retention::apply(pool).await?;
    if deleted > 0 {
        tracing::info!(deleted, "event retention applied");
    }
    Ok(())
}

pub async fn expired_cleanup(pool: &PgPool, _job: &Job) -> Result<()> {
    use tower_sessions::ExpiredDeletion;
    crate::ssr::sessions::store(pool)
        .delete_expired()
        .await
        .map_err(crate::ssr::Error::internal)?;
    sqlx::query!("delete from user_sessions where expires_at < now()")
        .execute(pool)
        .await?;
    sqlx::query!("delete from tokens where expires_at < now()")
        .execute(pool)
        .await?;
    sqlx::query!(
        "delete from jobs where finished_at < now() - make_interval(days => $1)",
        HISTORY_DAYS
    )
    .execute(pool)
    .await?;
    sqlx::query!("delete from workers where last_seen < now() - interval '1 day'")
        .execute(pool)
        .await?;
    crate::ssr::providers::proxy::sessions::delete_expired(pool).await?;
    // Outpost instances that stopped reporting a day ago are gone (their health is history).
    sqlx::query("delete from outpost_states where last_seen < now() - interval '1 day'")
        .execute(pool)
        .await?;
    crate::ssr::throttle::forget_old(pool).await?;
    Ok(())
}

pub async fn certificate_expiry(pool: &PgPool, _job: &Job) -> Result<()> {
    let warned = crate::ssr::certs::check_expiry(pool).await?;
    if warned > 0 {
        tracing::warn!(certificates = warned, "certificates expire within 30 days");
    }
    Ok(())
}
