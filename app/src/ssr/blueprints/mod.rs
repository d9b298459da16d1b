//! Blueprints: configuration as code in authentik's YAML format. `file` reads a blueprint into
//! entries, `tags` evaluates authentik's YAML tags inside them, `apply` runs the entries through
//! the `models` in one transaction.
pub mod apply;
pub mod export;
pub mod file;
pub mod instances;
pub mod models;
pub mod tags;

use crate::ssr::Result;
use crate::ssr::audit::Actor;

/// Reads and applies a blueprint in one transaction: every entry, or (on any error) none.
pub async fn apply_text(
    pool: &sqlx::PgPool,
    actor: &Actor<'_>,
    text: &str,
    opts: &apply::Options,
) -> Result<apply::Outcome> {
    let blueprint = file::parse(text)?;
    let mut tx = pool.begin().await?;
    let outcome = apply::apply(&mut tx, actor, &blueprint, opts).await?;
    tx.commit().await?;
    Ok(outcome)
}
