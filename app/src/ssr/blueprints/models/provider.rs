//! Every provider type is a model (`authentik_providers_oauth2.oauth2provider`, …): its name,
//! an OAuth2 client's id and secret (sealed with the instance key, generated when left out),
//! and its settings under authentik's field names, checked by the type.
use super::{Fields, Model, lookup, settings, text, unsaved};
use crate::ssr::audit::Actor;
use crate::ssr::providers::Kind;
use crate::ssr::providers::edit::{self, Client};
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::{Map, Value as Json};
use sqlx::PgConnection;
use uuid::Uuid;

/// The fields every provider has; the rest are settings.
const COMMON: &[&str] = &["name", "pk", "client_id", "client_secret"];

fn client(f: &Fields) -> Client {
    Client {
        client_id: text(f, "client_id"),
        client_secret: text(f, "client_secret"),
    }
}

fn keyed(secret_key: &str) -> Result<()> {
    if secret_key.is_empty() {
        return Err(Error::Invalid(
            "providers can only be applied by Ward itself (its instance key seals the client secret)"
                .into(),
        ));
    }
    Ok(())
}

#[async_trait]
impl Model for Kind {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "name", "client_id"])?;
        let row = sqlx::query_scalar!(
            "select id from providers
              where kind = $1
                and (case $2 when 'pk' then id::text when 'client_id' then client_id else name end) = $3",
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
        secret_key: &str,
        f: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>> {
        keyed(secret_key)?;
        let name = text(f, "name")
            .ok_or_else(|| Error::Invalid("name: give the provider a name".into()))?;
        let config = Json::Object(settings(f, COMMON));
        Ok(unsaved(
            edit::save_in(tx, actor, secret_key, None, self, &name, &config, client(f)).await?,
        ))
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        keyed(secret_key)?;
        let current = edit::get(&mut *tx, pk).await?.ok_or(Error::NotFound)?;
        let name = text(attrs, "name").unwrap_or_else(|| current.name.clone());
        let mut merged = match &current.config {
            Json::Object(m) => m.clone(),
            _ => Map::new(),
        };
        merged.extend(settings(attrs, COMMON));
        let merged = Json::Object(merged);
        let wanted = client(attrs);
        let secret_same = match &wanted.client_secret {
            None => true,
            Some(s) => {
                edit::client_secret_in(&mut *tx, secret_key, pk)
                    .await?
                    .as_deref()
                    == Some(s.as_str())
            }
        };
        let unchanged = name.trim() == current.name
            && self.normalize(&merged).is_ok_and(|n| n == current.config)
            && wanted
                .client_id
                .as_ref()
                .is_none_or(|c| Some(c) == current.client_id.as_ref())
            && secret_same;
        if unchanged {
            return Ok(Ok(false));
        }
        Ok(unsaved(
            edit::save_in(
                tx,
                actor,
                secret_key,
                Some(pk),
                self,
                &name,
                &merged,
                wanted,
            )
            .await?,
        )
        .map(|_| true))
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        edit::delete_in(tx, actor, pk).await
    }
}
