//! What Admin → System → Tasks and the dashboard show about background work.
use super::kinds::KINDS;
use crate::ssr::Result;
use crate::types::system::{TaskRow, WorkerStatus};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;

/// Every known kind with its latest run and its next one.
pub async fn tasks(pool: &PgPool) -> Result<Vec<TaskRow>> {
    let mut rows = Vec::with_capacity(KINDS.len());
    for kind in KINDS {
        let last = sqlx::query!(
            "select status, finished_at, duration_ms, error from jobs
              where kind = $1 and finished_at is not null
              order by finished_at desc limit 1",
            kind.name
        )
        .fetch_optional(pool)
        .await?;
        let pending = sqlx::query!(
            "select status, run_at, attempts, error from jobs
              where kind = $1 and status in ('queued', 'running')
              order by run_at limit 1",
            kind.name
        )
        .fetch_optional(pool)
        .await?;
        let status = match (&pending, &last) {
            (Some(p), _) if p.status == "running" => "running",
            (Some(p), _) if p.attempts > 0 => "retrying",
            (_, Some(l)) => l.status.as_str(),
            (Some(_), None) => "queued",
            (None, None) => "never",
        };
        let error = pending
            .as_ref()
            .and_then(|p| p.error.clone())
            .or_else(|| last.as_ref().and_then(|l| l.error.clone()))
            .unwrap_or_default();
        rows.push(TaskRow {
            kind: kind.name.into(),
            title: kind.title.into(),
            schedule: schedule(kind.every),
            runnable: kind.every.is_some(),
            last_run: last
                .as_ref()
                .and_then(|l| l.finished_at)
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_default(),
            duration_ms: last.as_ref().and_then(|l| l.duration_ms),
            status: status.into(),
            error,
            next_run: pending
                .as_ref()
                .and_then(|p| p.run_at.format(&Rfc3339).ok())
                .unwrap_or_default(),
        });
    }
    Ok(rows)
}

pub async fn workers(pool: &PgPool) -> Result<WorkerStatus> {
    let r = sqlx::query!(
        r#"select (select count(*) from workers where last_seen > now() - interval '1 minute') as "workers!",
                  (select count(*) from jobs where status = 'queued' and run_at <= now()) as "queued!",
                  (select count(*) from jobs where status = 'failed' and finished_at > now() - interval '1 day') as "failed!""#
    )
    .fetch_one(pool)
    .await?;
    Ok(WorkerStatus {
        workers: r.workers,
        queued: r.queued,
        failed_24h: r.failed,
    })
}

fn schedule(every: Option<std::time::Duration>) -> String {
    match every.map(|d| d.as_secs()) {
        None => "on demand".into(),
        Some(3600) => "every hour".into(),
        Some(86_400) => "every day".into(),
        Some(s) if s % 3600 == 0 => format!("every {} hours", s / 3600),
        Some(s) => format!("every {} minutes", s / 60),
    }
}
