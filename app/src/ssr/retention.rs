//! Event retention: events older than the configured number of days are deleted.
use crate::ssr::Result;
use sqlx::PgPool;

/// Deletes expired events in batches (so a large backlog never holds one long lock); returns
/// how many went. Safe to run from several replicas at once.
pub async fn apply(pool: &PgPool) -> Result<u64> {
    let mut total = 0;
    loop {
        let done = sqlx::query!(
            r#"delete from events where id in (
                 select id from events
                  where created_at < now() - make_interval(days => (select event_retention_days from settings))
                  limit 10000)"#
        )
        .execute(pool)
        .await?
        .rows_affected();
        total += done;
        if done < 10_000 {
            return Ok(total);
        }
    }
}
