//! Figures for the admin dashboard.
use crate::ssr::Result;
use crate::types::activity::{DashboardStats, HourBucket};
use sqlx::PgPool;

/// Counts, logins and failed logins per hour over the last 24 hours, and database facts.
pub async fn stats(pool: &PgPool, uptime: std::time::Duration) -> Result<DashboardStats> {
    let counts = sqlx::query!(
        r#"select (select count(*) from users) as "users!", (select count(*) from groups) as "groups!",
                  (select count(*) from user_sessions where expires_at > now()) as "sessions!",
                  version() as "db_version!""#
    )
    .fetch_one(pool)
    .await?;
    // One row per hour, oldest first, including hours without events.
    let hours = sqlx::query!(
        r#"with hours as (
             select generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour') as h
           )
           select to_char(h.h at time zone 'UTC', 'HH24:00') as "label!",
                  count(e.id) filter (where e.action = 'login') as "logins!",
                  count(e.id) filter (where e.action = 'login_failed') as "failed!"
             from hours h
             left join events e on e.created_at >= h.h and e.created_at < h.h + interval '1 hour'
                              and e.action in ('login', 'login_failed')
            group by h.h order by h.h"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| HourBucket { label: r.label, logins: r.logins, failed: r.failed })
    .collect();
    Ok(DashboardStats {
        users: counts.users,
        groups: counts.groups,
        sessions: counts.sessions,
        hours,
        version: env!("CARGO_PKG_VERSION").to_string(),
        database: counts
            .db_version
            .split(" on ")
            .next()
            .unwrap_or_default()
            .to_string(),
        uptime_secs: uptime.as_secs(),
        worker: crate::ssr::jobs::status::workers(pool).await?,
    })
}
