//! Blueprint files found in Ward's directories: applied at start, and again whenever their
//! content changes. Each file's last result is kept for the admin.
use super::{apply, apply_text, file};
use crate::ssr::audit::{self, Actor};
use crate::ssr::{Error, Result};
use crate::types::system::{BlueprintApplied, BlueprintRow};
use serde_json::{Map, json};
use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
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
    secret_key: &str,
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
        if !force && applied_hash(pool, &path).await?.as_deref() == Some(digest(&text).as_str()) {
            continue;
        }
        let result = apply_file(pool, secret_key, &actor, &path, &text).await?;
        results.push((path, result));
    }
    Ok(results)
}

/// Applies one file's `text` as `actor` and records the result (the outer error is only the
/// recording's).
async fn apply_file(
    pool: &PgPool,
    secret_key: &str,
    actor: &Actor<'_>,
    path: &Path,
    text: &str,
) -> Result<Result<apply::Outcome>> {
    let opts = apply::Options {
        secret_key: secret_key.to_string(),
        ..Default::default()
    };
    let result = apply_text(pool, actor, text, &opts).await;
    let name = file::parse(text).map(|b| b.name).unwrap_or_default();
    record(pool, path, &name, &digest(text), &result).await?;
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
    Ok(result)
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

/// Every recorded instance, by path.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<BlueprintRow>> {
    let rows = sqlx::query!(
        "select id, name, path, status, last_applied, error from blueprint_instances order by path"
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| row(r.id, r.name, r.path, r.status, r.last_applied, r.error))
        .collect())
}

/// One recorded instance.
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<BlueprintRow>> {
    let r = sqlx::query!(
        "select id, name, path, status, last_applied, error from blueprint_instances where id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(r.map(|r| row(r.id, r.name, r.path, r.status, r.last_applied, r.error)))
}

fn row(
    id: Uuid,
    name: String,
    path: String,
    status: String,
    last_applied: OffsetDateTime,
    error: String,
) -> BlueprintRow {
    BlueprintRow {
        id: id.to_string(),
        name,
        path,
        status,
        last_applied: last_applied.format(&Rfc3339).unwrap_or_default(),
        error,
    }
}

/// Applies instance `id` again from its file, even when unchanged, as `actor`; records the
/// result and a `model_updated` event. The path comes from the record, never from the caller,
/// and must still be one of the blueprint files in `dirs`, so nothing else on disk can be read.
/// A blueprint that fails to apply is an answer (status "error"), not an `Err`.
pub async fn apply_now(
    pool: &PgPool,
    secret_key: &str,
    dirs: &[PathBuf],
    actor: &Actor<'_>,
    id: Uuid,
) -> Result<BlueprintApplied> {
    let before = get(pool, id).await?.ok_or(Error::NotFound)?;
    let missing = || {
        Error::Invalid(format!(
            "{} is no longer a blueprint file in Ward's blueprint directories.",
            before.path
        ))
    };
    let path = files(dirs)
        .into_iter()
        .find(|p| p.to_string_lossy() == before.path)
        .ok_or_else(missing)?;
    let text = std::fs::read_to_string(&path).map_err(|_| missing())?;
    let outcome = apply_file(pool, secret_key, actor, &path, &text).await?;
    let after = get(pool, id).await?.ok_or(Error::NotFound)?;
    let fields = |r: &BlueprintRow| {
        Map::from_iter([
            ("status".to_string(), json!(r.status)),
            ("last_applied".to_string(), json!(r.last_applied)),
            ("error".to_string(), json!(r.error)),
        ])
    };
    let changes = audit::diff(&fields(&before), &fields(&after));
    audit::record(
        pool,
        actor,
        audit::MODEL_UPDATED,
        "blueprintinstance",
        id,
        &after.name,
        changes,
    )
    .await?;
    let o = outcome.unwrap_or_default();
    Ok(BlueprintApplied {
        row: after,
        created: o.created,
        updated: o.updated,
        deleted: o.deleted,
        unchanged: o.unchanged,
    })
}

/// Re-applies changed files every `every` until the task is dropped.
pub async fn watch(
    pool: PgPool,
    secret_key: String,
    dirs: Vec<PathBuf>,
    every: std::time::Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = sync(&pool, &secret_key, &dirs, false).await {
            tracing::error!(error = %e, "blueprint watch failed");
        }
    }
}
