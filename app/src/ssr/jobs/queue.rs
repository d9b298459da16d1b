//! The job queue: enqueue, claim with `for update skip locked`, finish with retry and backoff.
use super::kinds;
use crate::ssr::{Error, Result};
use serde_json::Value;
use sqlx::{PgExecutor, PgPool};
use std::time::Duration;

/// A job claimed by a worker.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    /// Including this one.
    pub attempts: i32,
    pub max_attempts: i32,
}

/// A running job whose worker went silent this long is handed to another worker.
const STALE_AFTER_SECS: f64 = 900.0;

/// Queues a one-off job, due now.
pub async fn enqueue(db: impl PgExecutor<'_>, kind: &str, payload: Value) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "insert into jobs (kind, payload) values ($1, $2) returning id",
        kind,
        payload
    )
    .fetch_one(db)
    .await?)
}

/// Makes sure every periodic kind has its next run queued, due one interval after the last
/// one finished. The partial unique index keeps this race-free across processes.
pub async fn schedule_periodic(pool: &PgPool) -> Result<()> {
    for kind in kinds::KINDS {
        let Some(every) = kind.every else { continue };
        sqlx::query!(
            r#"insert into jobs (kind, periodic, run_at)
               select $1, true,
                      coalesce((select max(finished_at) from jobs where kind = $1) + make_interval(secs => $2), now())
                where not exists (select 1 from jobs where kind = $1 and periodic and status in ('queued', 'running'))
               on conflict (kind) where periodic and status in ('queued', 'running') do nothing"#,
            kind.name,
            every.as_secs_f64()
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Takes the next due job, if any. Rows another worker holds are skipped, not waited for, so
/// concurrent workers never take the same job.
pub async fn claim(pool: &PgPool, worker: &str) -> Result<Option<Job>> {
    let row = sqlx::query!(
        r#"update jobs
              set status = 'running', attempts = attempts + 1, started_at = now(), worker = $1
            where id = (
              select id from jobs
               where (status = 'queued' and run_at <= now())
                  or (status = 'running' and started_at < now() - make_interval(secs => $2))
               order by run_at
               limit 1
               for update skip locked)
        returning id, kind, payload, attempts, max_attempts"#,
        worker,
        STALE_AFTER_SECS
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Job {
        id: r.id,
        kind: r.kind,
        payload: r.payload,
        attempts: r.attempts,
        max_attempts: r.max_attempts,
    }))
}

/// Records the outcome. A failure is retried after a growing delay until `max_attempts`.
/// Only the worker that holds the job may finish it.
pub async fn finish(
    pool: &PgPool,
    worker: &str,
    job: &Job,
    took: Duration,
    outcome: std::result::Result<(), String>,
) -> Result<()> {
    let ms = i64::try_from(took.as_millis()).unwrap_or(i64::MAX);
    match outcome {
        Ok(()) => {
            sqlx::query!(
                "update jobs set status = 'done', finished_at = now(), duration_ms = $3, error = null
                  where id = $1 and worker = $2 and status = 'running'",
                job.id,
                worker,
                ms
            )
            .execute(pool)
            .await?;
        }
        Err(error) if job.attempts < job.max_attempts => {
            sqlx::query!(
                "update jobs set status = 'queued', run_at = now() + make_interval(secs => $4),
                        duration_ms = $3, error = $5
                  where id = $1 and worker = $2 and status = 'running'",
                job.id,
                worker,
                ms,
                backoff(job.attempts).as_secs_f64(),
                error
            )
            .execute(pool)
            .await?;
        }
        Err(error) => {
            sqlx::query!(
                "update jobs set status = 'failed', finished_at = now(), duration_ms = $3, error = $4
                  where id = $1 and worker = $2 and status = 'running'",
                job.id,
                worker,
                ms,
                error
            )
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

/// 2 s after the first failure, doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 12) - 1).unwrap_or(0);
    Duration::from_secs((2u64 << exp).min(3600))
}

/// "Run now" from the tasks screen: brings a queued run forward, or queues one.
pub async fn run_now(pool: &PgPool, kind: &str) -> Result<()> {
    let Some(k) = kinds::find(kind).filter(|k| k.every.is_some()) else {
        return Err(Error::Invalid(
            "This task cannot be started by hand.".into(),
        ));
    };
    let mut tx = pool.begin().await?;
    let moved = sqlx::query!(
        "update jobs set run_at = now() where kind = $1 and status = 'queued'",
        k.name
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        sqlx::query!(
            "insert into jobs (kind, periodic) values ($1, true)
             on conflict (kind) where periodic and status in ('queued', 'running') do nothing",
            k.name
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(40), Duration::from_secs(3600));
        assert_eq!(backoff(0), Duration::from_secs(2));
    }
}
