//! Admin edits of property mappings: a name, the settings of its type, and whether it is one of
//! Ward's built-in (managed) mappings. The REST API and blueprints come through here.
use super::{Kind, by_kind};
use crate::ssr::audit::{self, Actor};
use crate::ssr::oauth2::scopes;
use crate::ssr::providers::clients::ScopeOffer;
use crate::ssr::typed::field_error;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json, json};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub const MODEL: &str = "propertymapping";

#[derive(Clone, Debug, PartialEq)]
pub struct MappingRow {
    pub id: Uuid,
    pub name: String,
    pub kind: &'static Kind,
    /// The built-in mapping this is (authentik's managed id), if one.
    pub managed: Option<String>,
    pub config: Json,
}

pub async fn list(db: impl PgExecutor<'_>, kind: Option<&Kind>) -> Result<Vec<MappingRow>> {
    query(db, kind, None).await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<MappingRow>> {
    Ok(query(db, None, Some(id)).await?.into_iter().next())
}

async fn query(
    db: impl PgExecutor<'_>,
    kind: Option<&Kind>,
    only: Option<Uuid>,
) -> Result<Vec<MappingRow>> {
    let rows = sqlx::query!(
        "select id, name, kind, managed, config from property_mappings
          where ($1::text is null or kind = $1) and ($2::uuid is null or id = $2)
          order by name",
        kind.map(|k| k.kind),
        only
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(MappingRow {
                id: r.id,
                name: r.name,
                kind: by_kind(&r.kind)?,
                managed: r.managed,
                config: r.config,
            })
        })
        .collect())
}

/// Creates (`id` None) or updates a mapping. `managed` (on create) marks a built-in mapping.
#[allow(clippy::too_many_arguments)]
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    kind: &Kind,
    name: &str,
    managed: Option<&str>,
    config: &Json,
) -> Result<Saved<Uuid>> {
    let mut errors = FieldErrors::new();
    if let Some(msg) = crate::ssr::typed::check_name(name, "property mapping") {
        errors.insert("name".into(), msg);
    }
    let managed = match id {
        Some(pid) => {
            sqlx::query_scalar!("select managed from property_mappings where id = $1", pid)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(Error::NotFound)?
        }
        None => managed.map(str::to_string),
    };
    if let Some(m) = &managed
        && scopes::by_managed(m).is_none()
    {
        errors.insert(
            "managed".into(),
            format!("{m} is not one of Ward's built-in mappings."),
        );
    }
    let config = match kind.normalize(config) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    if managed.is_none()
        && let Some(source) = config
            .as_ref()
            .and_then(|c| c.get("expression"))
            .and_then(Json::as_str)
            .filter(|s| !s.trim().is_empty())
    {
        errors.extend(crate::ssr::expressions::expression_errors(source));
    }
    let Some(config) = config.filter(|_| errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let name = name.trim();
    let (pid, action, before) = match id {
        None => {
            let pid = Uuid::new_v4();
            let r = sqlx::query!(
                "insert into property_mappings (id, name, kind, managed, config)
                 values ($1, $2, $3, $4, $5)",
                pid,
                name,
                kind.kind,
                managed,
                config
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique(e);
            }
            (pid, audit::MODEL_CREATED, Map::new())
        }
        Some(pid) => {
            let old = sqlx::query!(
                "select name, config from property_mappings where id = $1 and kind = $2 for update",
                pid,
                kind.kind
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            let r = sqlx::query!(
                "update property_mappings set name = $2, config = $3 where id = $1",
                pid,
                name,
                config
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique(e);
            }
            let before = Map::from_iter([
                ("name".to_string(), json!(old.name)),
                ("config".to_string(), old.config),
            ]);
            (pid, audit::MODEL_UPDATED, before)
        }
    };
    let after = Map::from_iter([
        ("name".to_string(), json!(name)),
        ("config".to_string(), config),
    ]);
    let changes = audit::diff(&before, &after);
    if action == audit::MODEL_CREATED || !changes.is_empty() {
        audit::record(&mut *tx, actor, action, MODEL, pid, name, changes).await?;
    }
    Ok(Saved::Ok(pid))
}

fn unique<T>(e: sqlx::Error) -> Result<Saved<T>> {
    let (field, message) = match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("property_mappings_name_key") => {
            ("name", "A property mapping with this name already exists.")
        }
        sqlx::Error::Database(db) if db.constraint() == Some("property_mappings_managed_key") => {
            ("managed", "This built-in mapping exists already.")
        }
        _ => return Err(Error::Database(e)),
    };
    Ok(Saved::Invalid(field_error(field, message)))
}

pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!(
        "delete from property_mappings where id = $1 returning name",
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    audit::record_delete(tx, actor, MODEL, id, name).await
}

/// The scopes a provider's mappings offer, by scope name. Unknown or non-scope pks are
/// skipped.
pub async fn scope_offers(db: impl PgExecutor<'_>, pks: &[String]) -> Result<Vec<ScopeOffer>> {
    let ids: Vec<Uuid> = pks.iter().filter_map(|p| p.parse().ok()).collect();
    let rows = sqlx::query!(
        r#"select managed, config->>'scope_name' as scope_name, coalesce(config->>'description', '') as description,
                config->'attribute_claims' as attribute_claims,
                coalesce(config->>'expression', '') as "expression!"
           from property_mappings where kind = 'scope' and id = any($1) order by config->>'scope_name'"#,
        &ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let builtin = r
                .managed
                .as_deref()
                .and_then(scopes::by_managed)
                .map(|s| s.name);
            // Checked when saved; mappings saved before the field existed have none.
            let attribute_claims = r
                .attribute_claims
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            // Built-in scopes' claims are Ward's own; their stored expressions are authentik's
            // text, kept for export.
            let expression =
                (builtin.is_none() && !r.expression.trim().is_empty()).then_some(r.expression);
            Some(ScopeOffer {
                name: r.scope_name?,
                description: r.description.unwrap_or_default(),
                builtin,
                attribute_claims,
                expression,
            })
        })
        .collect())
}
