//! The connection pool and migrations.
pub mod embedded;

use crate::ssr::Result;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// Migrations and the session store's schema are applied under this advisory lock, so several
/// replicas starting at once don't race (sqlx's migrator also locks, the session store doesn't).
const MIGRATION_LOCK: i64 = 0x5741_5244; // "WARD"

pub async fn connect(url: &str) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)?.application_name("ward");
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(pool)
}

pub async fn migrate(pool: &PgPool) -> Result<()> {
    let mut lock = pool.acquire().await?;
    sqlx::query("select pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    let result = async {
        crate::ssr::sessions::store(pool).migrate().await?;
        sqlx::migrate!("./migrations")
            .run(pool)
            .await
            .map_err(|e| crate::ssr::Error::internal(format!("migration failed: {e}")))
    }
    .await;
    sqlx::query("select pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    result
}

/// Ready = the database answers and every migration this binary knows has been applied.
pub async fn is_ready(pool: &PgPool) -> bool {
    let known = sqlx::migrate!("./migrations")
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .count();
    let applied: std::result::Result<i64, _> =
        sqlx::query_scalar("select count(*) from _sqlx_migrations where success")
            .fetch_one(pool)
            .await;
    matches!(applied, Ok(n) if n as usize >= known)
}
