//! Every policy type is a model (`authentik_policies_<type>.<type>policy`): its name, whether
//! runs are logged, and its settings under authentik's field names, checked by the type.
use super::{Fields, Model, flag, lookup, settings, text, unsaved};
use crate::ssr::audit::Actor;
use crate::ssr::policies::Kind;
use crate::ssr::policies::edit::{self, PolicyForm};
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::{Map, Value as Json};
use sqlx::PgConnection;
use uuid::Uuid;

/// The fields every object of the family has; the rest are settings.
const COMMON: &[&str] = &["name", "pk", "execution_logging"];

#[async_trait]
impl Model for Kind {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "name"])?;
        Ok(sqlx::query_scalar!(
            "select id from policies where kind = $1 and (case when $2 then id::text else name end) = $3",
            self.kind,
            key == "pk",
            value
        )
        .fetch_optional(&mut *tx)
        .await?)
    }

    async fn create(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        f: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>> {
        let name =
            text(f, "name").ok_or_else(|| Error::Invalid("name: give the policy a name".into()))?;
        let form = PolicyForm {
            name,
            execution_logging: flag(f, "execution_logging")?.unwrap_or(false),
            config: Json::Object(settings(f, COMMON)),
        };
        Ok(unsaved(edit::save_in(tx, actor, None, self, &form).await?).map(|(id, _)| id))
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
        let mut config = match current.config {
            Json::Object(m) => m,
            _ => Map::new(),
        };
        config.extend(settings(attrs, COMMON));
        let form = PolicyForm {
            name: text(attrs, "name").unwrap_or(current.name),
            execution_logging: flag(attrs, "execution_logging")?
                .unwrap_or(current.execution_logging),
            config: Json::Object(config),
        };
        Ok(
            unsaved(edit::save_in(tx, actor, Some(pk), self, &form).await?)
                .map(|(_, changed)| changed),
        )
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        edit::delete_in(tx, actor, pk).await
    }
}
