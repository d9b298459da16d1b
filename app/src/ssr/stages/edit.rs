//! Admin edits of stages: a name and the settings of its type, checked by the type
//! ([`super::Kind::normalize`]). The REST API and blueprints both come through here.
use super::{Kind, by_kind};
use crate::ssr::audit::{self, Actor};
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json, json};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq)]
pub struct StageRow {
    pub id: Uuid,
    pub name: String,
    pub kind: &'static Kind,
    /// The type's settings, as stored.
    pub config: Json,
    /// Slugs of the flows it is bound to.
    pub flows: Vec<String>,
}

/// Every stage (of one type, when given), by name.
pub async fn list(db: impl PgExecutor<'_>, kind: Option<&Kind>) -> Result<Vec<StageRow>> {
    query(db, kind, None).await
}

/// The stages of `kind` (all when None), or only the one with pk `only`.
async fn query(
    db: impl PgExecutor<'_>,
    kind: Option<&Kind>,
    only: Option<Uuid>,
) -> Result<Vec<StageRow>> {
    let rows = sqlx::query!(
        r#"select s.id, s.name, s.kind, s.config,
                  coalesce(array_agg(f.slug order by f.slug) filter (where f.slug is not null), '{}') as "flows!"
             from stages s
             left join flow_stage_bindings b on b.stage_id = s.id
             left join flows f on f.id = b.flow_id
            where ($1::text is null or s.kind = $1) and ($2::uuid is null or s.id = $2)
            group by s.id
            order by s.name"#,
        kind.map(|k| k.kind),
        only
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let mut flows = r.flows;
            flows.dedup();
            Some(StageRow {
                id: r.id,
                name: r.name,
                kind: by_kind(&r.kind)?,
                config: r.config,
                flows,
            })
        })
        .collect())
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<StageRow>> {
    Ok(query(db, None, Some(id)).await?.into_iter().next())
}

/// Creates (`id` None) or updates a stage of type `kind`. An update of a stage of another
/// type is NotFound: a stage never changes its type.
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    kind: &Kind,
    name: &str,
    config: &Json,
) -> Result<Saved<Uuid>> {
    let mut errors = FieldErrors::new();
    if let Some(msg) = crate::ssr::typed::check_name(name, "stage") {
        errors.insert("name".into(), msg);
    }
    let config = match kind.normalize(config) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let Some(config) = config.filter(|_| errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    if let Some(e) = unknown_policies(&mut *tx, &config).await? {
        return Ok(Saved::Invalid(e));
    }
    let name = name.trim();
    let (sid, action, before) = match id {
        None => {
            let sid = Uuid::new_v4();
            let r = sqlx::query!(
                "insert into stages (id, name, kind, config) values ($1, $2, $3, $4)",
                sid,
                name,
                kind.kind,
                config
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_name(e);
            }
            (sid, audit::MODEL_CREATED, Map::new())
        }
        Some(sid) => {
            let old = sqlx::query!(
                "select name, config from stages where id = $1 and kind = $2 for update",
                sid,
                kind.kind
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            if old.name == name && old.config == config {
                return Ok(Saved::Ok(sid));
            }
            let r = sqlx::query!(
                "update stages set name = $2, config = $3 where id = $1",
                sid,
                name,
                config
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_name(e);
            }
            let before = Map::from_iter([
                ("name".to_string(), json!(old.name)),
                ("config".to_string(), old.config),
            ]);
            (sid, audit::MODEL_UPDATED, before)
        }
    };
    let after = Map::from_iter([
        ("name".to_string(), json!(name)),
        ("config".to_string(), config),
    ]);
    let changes = audit::diff(&before, &after);
    audit::record(&mut *tx, actor, action, "stage", sid, name, changes).await?;
    Ok(Saved::Ok(sid))
}

/// A field error when the settings list policies (`validation_policies`) that do not exist.
async fn unknown_policies(tx: &mut PgConnection, config: &Json) -> Result<Option<FieldErrors>> {
    let Some(listed) = config.get("validation_policies").and_then(Json::as_array) else {
        return Ok(None);
    };
    let ids: Vec<Uuid> = listed
        .iter()
        .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
        .collect();
    let missing = crate::ssr::policies::edit::missing(&mut *tx, &ids).await?;
    Ok(missing.first().map(|m| {
        FieldErrors::from([(
            "validation_policies".to_string(),
            format!("Unknown policy {m}."),
        )])
    }))
}

fn unique_name<T>(e: sqlx::Error) -> Result<Saved<T>> {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("stages_name_key") => {
            Ok(Saved::Invalid(FieldErrors::from([(
                "name".to_string(),
                "A stage with this name already exists.".to_string(),
            )])))
        }
        _ => Err(Error::Database(e)),
    }
}

/// Deletes a stage (and its bindings). NotFound when no stage has that id.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!("delete from stages where id = $1 returning name", id)
        .fetch_optional(&mut *tx)
        .await?;
    audit::record_delete(tx, actor, "stage", id, name).await
}

/// The pk of the stage of `kind` named `name`.
pub async fn find_by_name(
    db: impl PgExecutor<'_>,
    kind: &Kind,
    name: &str,
) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        "select id from stages where name = $1 and kind = $2",
        name,
        kind.kind
    )
    .fetch_optional(db)
    .await?)
}
