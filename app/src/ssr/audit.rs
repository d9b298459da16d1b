//! Change events for admin edits: model_created / model_updated / model_deleted with the fields
//! that changed. Secrets never go in: callers pass only non-secret fields.
use crate::ssr::Result;
use crate::ssr::events::{self, NewEvent};
use crate::ssr::users::User;
use serde_json::{Map, Value, json};
use sqlx::PgExecutor;
use std::net::IpAddr;
use uuid::Uuid;

pub const MODEL_CREATED: &str = "model_created";
pub const MODEL_UPDATED: &str = "model_updated";
pub const MODEL_DELETED: &str = "model_deleted";

/// Who made a change, and from where.
pub struct Actor<'a> {
    pub user: &'a User,
    pub ip: IpAddr,
}

/// `{field: {"old": …, "new": …}}` for every field whose value differs.
pub fn diff(old: &Map<String, Value>, new: &Map<String, Value>) -> Map<String, Value> {
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| {
            (
                k.clone(),
                json!({ "old": old.get(k).cloned().unwrap_or(Value::Null), "new": v }),
            )
        })
        .collect()
}

pub async fn record(
    db: impl PgExecutor<'_>,
    actor: &Actor<'_>,
    action: &str,
    model: &str,
    pk: Uuid,
    name: &str,
    changes: Map<String, Value>,
) -> Result<()> {
    events::record(
        db,
        NewEvent {
            action,
            user: Some((actor.user.id, &actor.user.username)),
            client_ip: Some(actor.ip),
            context: json!({ "model": { "app": "ward", "model_name": model, "pk": pk, "name": name }, "diff": changes }),
        },
    )
    .await
}

/// Commits a deletion: `name` is what the delete statement returned (None = nothing matched,
/// which is a 404); the event is written in the same transaction.
pub async fn commit_delete(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    actor: &Actor<'_>,
    model: &str,
    pk: Uuid,
    name: Option<String>,
) -> Result<()> {
    record_delete(&mut tx, actor, model, pk, name).await?;
    tx.commit().await?;
    Ok(())
}

/// The event of a deletion inside the caller's transaction; `name` None (nothing matched) is a
/// 404.
pub async fn record_delete(
    tx: &mut sqlx::PgConnection,
    actor: &Actor<'_>,
    model: &str,
    pk: Uuid,
    name: Option<String>,
) -> Result<()> {
    let name = name.ok_or(crate::ssr::Error::NotFound)?;
    record(&mut *tx, actor, MODEL_DELETED, model, pk, &name, Map::new()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_keeps_only_changes() {
        let old = json!({ "name": "a", "email": "x@y.z" });
        let new = json!({ "name": "b", "email": "x@y.z" });
        let d = diff(old.as_object().expect("obj"), new.as_object().expect("obj"));
        assert_eq!(
            Value::Object(d),
            json!({ "name": { "old": "a", "new": "b" } })
        );
    }
}
