//! Every property mapping type is a model (`authentik_providers_oauth2.scopemapping`, …):
//! found by pk, name or `managed` (the built-in ones, as authentik's blueprints `!Find` them).
use super::{Fields, Model, lookup, settings, text, unsaved};
use crate::ssr::audit::Actor;
use crate::ssr::property_mappings::Kind;
use crate::ssr::property_mappings::edit;
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::{Map, Value as Json};
use sqlx::PgConnection;
use uuid::Uuid;

/// The fields every mapping has; the rest are settings.
const COMMON: &[&str] = &["name", "pk", "managed"];

#[async_trait]
impl Model for Kind {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "managed", "name"])?;
        let row = sqlx::query_scalar!(
            "select id from property_mappings
              where kind = $1
                and (case $2 when 'pk' then id::text when 'managed' then managed else name end) = $3",
            self.kind,
            key,
            value
        )
        .fetch_optional(&mut *tx)
        .await?;
        Ok(row)
    }

    async fn create(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        f: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>> {
        let name = text(f, "name")
            .ok_or_else(|| Error::Invalid("name: give the property mapping a name".into()))?;
        let managed = text(f, "managed");
        let config = Json::Object(settings(f, COMMON));
        Ok(unsaved(
            edit::save_in(tx, actor, None, self, &name, managed.as_deref(), &config).await?,
        ))
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        let current = edit::get(&mut *tx, pk).await?.ok_or(Error::NotFound)?;
        let name = text(attrs, "name").unwrap_or_else(|| current.name.clone());
        let mut merged = match &current.config {
            Json::Object(m) => m.clone(),
            _ => Map::new(),
        };
        merged.extend(settings(attrs, COMMON));
        let merged = Json::Object(merged);
        let unchanged = name.trim() == current.name
            && self.normalize(&merged).is_ok_and(|n| n == current.config);
        if unchanged {
            return Ok(Ok(false));
        }
        Ok(
            unsaved(edit::save_in(tx, actor, Some(pk), self, &name, None, &merged).await?)
                .map(|_| true),
        )
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        edit::delete_in(tx, actor, pk).await
    }
}
