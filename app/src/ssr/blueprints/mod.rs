//! Blueprints: configuration as code in authentik's YAML format. `file` reads a blueprint into
//! entries, `tags` evaluates authentik's YAML tags inside them, `apply` runs the entries through
//! the `models` in one transaction.
pub mod apply;
pub mod export;
pub mod file;
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

/// Applies every `*.yaml` / `*.yml` file in `dirs` (missing ones are skipped), in path order,
/// each in its own transaction, as Ward itself. A failing file is logged with its error and the
/// others still apply.
pub async fn apply_dirs(
    pool: &sqlx::PgPool,
    dirs: &[std::path::PathBuf],
) -> Vec<(std::path::PathBuf, Result<apply::Outcome>)> {
    let mut files: Vec<std::path::PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let system = crate::ssr::users::system();
    let actor = Actor {
        user: &system,
        ip: std::net::IpAddr::from([127, 0, 0, 1]),
    };
    let mut results = Vec::new();
    for path in files {
        let result = match std::fs::read_to_string(&path) {
            Ok(text) => apply_text(pool, &actor, &text, &apply::Options::default()).await,
            Err(e) => Err(crate::ssr::Error::Invalid(format!(
                "cannot read the file: {e}"
            ))),
        };
        match &result {
            Ok(o) => tracing::info!(
                blueprint = %path.display(),
                created = o.created,
                updated = o.updated,
                deleted = o.deleted,
                "blueprint applied"
            ),
            Err(e) => {
                tracing::error!(blueprint = %path.display(), error = %e, "blueprint not applied")
            }
        }
        results.push((path, result));
    }
    results
}
