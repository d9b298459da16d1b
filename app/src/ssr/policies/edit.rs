//! Admin edits of policies: a name, whether runs are logged, and the settings of its type,
//! checked by the type. The REST API and blueprints both come through here.
use super::{Kind, by_kind};
use crate::ssr::audit::{self, Actor};
use crate::ssr::typed::field_error;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json, json};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The model name in audit events.
pub const MODEL: &str = "policy";

#[derive(Clone, Debug, PartialEq)]
pub struct PolicyRow {
    pub id: Uuid,
    pub name: String,
    pub kind: &'static Kind,
    pub execution_logging: bool,
    /// The type's settings, as stored.
    pub config: Json,
    /// How many bindings use it.
    pub bound_to: i64,
}

/// A policy to create or change.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyForm {
    pub name: String,
    pub execution_logging: bool,
    pub config: Json,
}

/// Every policy (of one type, when given), by name.
pub async fn list(db: impl PgExecutor<'_>, kind: Option<&Kind>) -> Result<Vec<PolicyRow>> {
    query(db, kind, None).await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<PolicyRow>> {
    Ok(query(db, None, Some(id)).await?.into_iter().next())
}

/// The policies of `kind` (all when None), or only the one with pk `only`.
async fn query(
    db: impl PgExecutor<'_>,
    kind: Option<&Kind>,
    only: Option<Uuid>,
) -> Result<Vec<PolicyRow>> {
    let rows = sqlx::query!(
        r#"select p.id, p.name, p.kind, p.execution_logging, p.config,
                  (select count(*) from policy_bindings b where b.policy_id = p.id) as "bound_to!"
             from policies p
            where ($1::text is null or p.kind = $1) and ($2::uuid is null or p.id = $2)
            order by p.name"#,
        kind.map(|k| k.kind),
        only
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(PolicyRow {
                id: r.id,
                name: r.name,
                kind: by_kind(&r.kind)?,
                execution_logging: r.execution_logging,
                config: r.config,
                bound_to: r.bound_to,
            })
        })
        .collect())
}

fn fields(f: &PolicyForm) -> Map<String, Json> {
    Map::from_iter([
        ("name".to_string(), json!(f.name)),
        ("execution_logging".to_string(), json!(f.execution_logging)),
        ("config".to_string(), f.config.clone()),
    ])
}

/// Creates (`id` None) or updates a policy of type `kind`. An update of a policy of another
/// type is NotFound: a policy never changes its type. Whether anything changed comes back.
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    kind: &Kind,
    form: &PolicyForm,
) -> Result<Saved<(Uuid, bool)>> {
    let mut errors = FieldErrors::new();
    if let Some(msg) = crate::ssr::typed::check_name(&form.name, "policy") {
        errors.insert("name".into(), msg);
    }
    let config = match kind.normalize(&form.config) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let Some(config) = config.filter(|_| errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let new = PolicyForm {
        name: form.name.trim().to_string(),
        execution_logging: form.execution_logging,
        config,
    };
    let (pid, action, before) = match id {
        None => {
            let pid = Uuid::new_v4();
            let r = sqlx::query!(
                "insert into policies (id, name, kind, execution_logging, config) values ($1, $2, $3, $4, $5)",
                pid,
                new.name,
                kind.kind,
                new.execution_logging,
                new.config
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_name(e);
            }
            (pid, audit::MODEL_CREATED, Map::new())
        }
        Some(pid) => {
            let old = sqlx::query!(
                "select name, execution_logging, config from policies where id = $1 and kind = $2 for update",
                pid,
                kind.kind
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            let old = PolicyForm {
                name: old.name,
                execution_logging: old.execution_logging,
                config: old.config,
            };
            if old == new {
                return Ok(Saved::Ok((pid, false)));
            }
            let r = sqlx::query!(
                "update policies set name = $2, execution_logging = $3, config = $4 where id = $1",
                pid,
                new.name,
                new.execution_logging,
                new.config
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_name(e);
            }
            (pid, audit::MODEL_UPDATED, fields(&old))
        }
    };
    let changes = audit::diff(&before, &fields(&new));
    audit::record(&mut *tx, actor, action, MODEL, pid, &new.name, changes).await?;
    Ok(Saved::Ok((pid, true)))
}

fn unique_name<T>(e: sqlx::Error) -> Result<Saved<T>> {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("policies_name_key") => {
            Ok(Saved::Invalid(field_error(
                "name",
                "A policy with this name already exists.",
            )))
        }
        _ => Err(Error::Database(e)),
    }
}

/// Deletes a policy (and its bindings). NotFound when no policy has that id.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!("delete from policies where id = $1 returning name", id)
        .fetch_optional(&mut *tx)
        .await?;
    audit::record_delete(tx, actor, MODEL, id, name).await
}

/// Which of these pks name no policy (for settings that list policies).
pub async fn missing(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    let found: Vec<Uuid> = sqlx::query_scalar!("select id from policies where id = any($1)", ids)
        .fetch_all(db)
        .await?;
    Ok(ids
        .iter()
        .filter(|id| !found.contains(id))
        .copied()
        .collect())
}
