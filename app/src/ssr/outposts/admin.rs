//! The admin screen's outposts: rows with their providers and health, the form's choices and
//! save (the config as JSON text), and a remote outpost's deployment settings.
use super::{config, edit};
use crate::ssr::audit::Actor;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use crate::types::outposts::{
    Deployment, InstanceView, OutpostChoices, OutpostFormData, OutpostView, ProviderChoice,
};
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// An instance that reported within this long counts as running.
pub const HEALTHY_WITHIN: time::Duration = time::Duration::minutes(2);

fn pretty(config: &Value) -> String {
    serde_json::to_string_pretty(config).unwrap_or_else(|_| config.to_string())
}

fn stamp(at: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at.to_offset(time::UtcOffset::UTC)
        .format(fmt)
        .map(|s| format!("{s} UTC"))
        .unwrap_or_default()
}

pub async fn rows(pool: &PgPool) -> Result<Vec<OutpostView>> {
    let outposts = edit::list(pool).await?;
    let names: Vec<(Uuid, String)> = sqlx::query_as("select id, name from providers")
        .fetch_all(pool)
        .await?;
    let since = OffsetDateTime::now_utc() - HEALTHY_WITHIN;
    let instances = edit::instances(pool, None).await?;
    let version = env!("CARGO_PKG_VERSION");
    Ok(outposts
        .into_iter()
        .map(|o| OutpostView {
            id: o.id.to_string(),
            embedded: o.is_embedded(),
            providers: o
                .providers
                .iter()
                .filter_map(|p| names.iter().find(|(id, _)| id == p))
                .map(|(id, name)| (id.to_string(), name.clone()))
                .collect(),
            healthy: instances
                .iter()
                .filter(|i| i.outpost_id == o.id && i.last_seen >= since)
                .map(|i| InstanceView {
                    uid: i.uid.clone(),
                    hostname: i.hostname.clone(),
                    version: i.version.clone(),
                    last_seen: stamp(i.last_seen),
                    outdated: !i.version.is_empty() && i.version != version,
                })
                .collect(),
            form: OutpostFormData {
                name: o.name.clone(),
                kind: o.kind.clone(),
                providers: o.providers.iter().map(Uuid::to_string).collect(),
                config: pretty(&o.config),
            },
            name: o.name,
            kind: o.kind,
        })
        .collect())
}

/// Every provider (the form offers those of the chosen type) and the default config with
/// `origin` as `authentik_host`.
pub async fn choices(pool: &PgPool, origin: &str) -> Result<OutpostChoices> {
    let providers: Vec<(Uuid, String, String, Option<String>)> = sqlx::query_as(
        "select p.id, p.name, p.kind, a.name
           from providers p left join applications a on a.provider_id = p.id
          order by p.name",
    )
    .fetch_all(pool)
    .await?;
    Ok(OutpostChoices {
        providers: providers
            .into_iter()
            .map(|(id, name, kind, app)| ProviderChoice {
                id: id.to_string(),
                name,
                kind,
                application: app.unwrap_or_default(),
            })
            .collect(),
        default_config: pretty(&config::defaults(&format!("{origin}/"))),
    })
}

/// Creates (`id` None) or updates an outpost from the form; the config must be JSON text of
/// an object. The embedded outpost keeps its managed id.
pub async fn save(
    pool: &PgPool,
    actor: &Actor<'_>,
    secret_key: &str,
    id: Option<Uuid>,
    form: &OutpostFormData,
) -> Result<Saved<Uuid>> {
    let config = match serde_json::from_str::<Value>(&form.config) {
        Ok(v) => v,
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.insert("config".into(), format!("Not valid JSON: {e}"));
            return Ok(Saved::Invalid(errors));
        }
    };
    let mut tx = pool.begin().await?;
    let managed = match id {
        Some(id) => {
            edit::get(&mut *tx, id)
                .await?
                .ok_or(Error::NotFound)?
                .managed
        }
        None => None,
    };
    let saved = edit::save_in(
        &mut tx,
        actor,
        secret_key,
        id,
        &edit::OutpostForm {
            name: form.name.clone(),
            kind: form.kind.clone(),
            providers: form.providers.clone(),
            config,
            managed,
        },
    )
    .await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// What a remote outpost is run with. The embedded outpost has no deployment (NotFound).
pub async fn deployment(pool: &PgPool, id: Uuid, origin: &str) -> Result<Deployment> {
    let o = edit::get(pool, id)
        .await?
        .filter(|o| !o.is_embedded())
        .ok_or(Error::NotFound)?;
    let host = o
        .config
        .get("authentik_host")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map_or_else(|| format!("{origin}/"), str::to_string);
    Ok(Deployment {
        host,
        insecure: o
            .config
            .get("authentik_host_insecure")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        token_identifier: edit::token_identifier(o.id),
        name: o.name,
    })
}
