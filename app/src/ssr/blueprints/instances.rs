//! Blueprint files found in Ward's directories: applied at start, and again whenever their
//! content changes. Each file's last result is kept for the admin.
use super::{apply, apply_text, file};
use crate::ssr::Result;
use crate::ssr::audit::Actor;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// The `*.yaml` / `*.yml` files in `dirs` (missing dirs are skipped), in path order.
pub fn files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Applies the files of `dirs` whose content differs from what was last applied (all of them
/// with `force`), each in its own transaction, as Ward itself; records every result. A failing
/// file is logged and the others still apply. Returns the files applied.
pub async fn sync(
    pool: &PgPool,
    dirs: &[PathBuf],
    force: bool,
) -> Result<Vec<(PathBuf, Result<apply::Outcome>)>> {
    let system = crate::ssr::users::system();
    let actor = Actor {
        user: &system,
        ip: std::net::IpAddr::from([127, 0, 0, 1]),
    };
    let mut results = Vec::new();
    for path in files(dirs) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            tracing::error!(blueprint = %path.display(), "cannot read the blueprint file");
            continue;
        };
        let hash = digest(&text);
        if !force && applied_hash(pool, &path).await?.as_deref() == Some(hash.as_str()) {
            continue;
        }
        let result = apply_text(pool, &actor, &text, &apply::Options::default()).await;
        let name = file::parse(&text).map(|b| b.name).unwrap_or_default();
        record(pool, &path, &name, &hash, &result).await?;
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
    Ok(results)
}

async fn applied_hash(pool: &PgPool, path: &Path) -> Result<Option<String>> {
    let path = path.to_string_lossy().into_owned();
    Ok(sqlx::query_scalar!(
        "select content_hash from blueprint_instances where path = $1",
        path
    )
    .fetch_optional(pool)
    .await?)
}

async fn record(
    pool: &PgPool,
    path: &Path,
    name: &str,
    hash: &str,
    result: &Result<apply::Outcome>,
) -> Result<()> {
    let path = path.to_string_lossy().into_owned();
    let (status, error) = match result {
        Ok(_) => ("successful", String::new()),
        Err(e) => ("error", e.to_string()),
    };
    sqlx::query!(
        r#"insert into blueprint_instances (id, path, name, status, content_hash, error)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (path) do update set name = excluded.name, status = excluded.status,
             content_hash = excluded.content_hash, error = excluded.error, last_applied = now()"#,
        Uuid::new_v4(),
        path,
        name,
        status,
        hash,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Re-applies changed files every `every` until the task is dropped.
pub async fn watch(pool: PgPool, dirs: Vec<PathBuf>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = sync(&pool, &dirs, false).await {
            tracing::error!(error = %e, "blueprint watch failed");
        }
    }
}
