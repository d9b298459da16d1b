//! `authentik_outposts.outpost`: outposts, found by pk, managed id or name. `providers` lists
//! provider pks (`!KeyOf`, `!Find`); `config` replaces the whole config, as in authentik.
//! Ward has no service connections: `service_connection` may only be null.
use super::{Fields, Model, find_one, lookup, only, pks, text, unsaved};
use crate::ssr::audit::Actor;
use crate::ssr::outposts::edit::{self, OutpostForm};
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::Value as Json;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Outpost;

const KNOWN: [&str; 6] = ["pk", "name", "type", "providers", "config", "managed"];

impl Outpost {
    fn merge(mut form: OutpostForm, f: &Fields) -> Result<OutpostForm> {
        only(f, &KNOWN, &["service_connection"])?;
        if f.get("service_connection").is_some_and(|v| !v.is_null()) {
            return Err(Error::Invalid(
                "service_connection: Ward has no service connections; leave it out or null.".into(),
            ));
        }
        if let Some(v) = text(f, "name") {
            form.name = v;
        }
        if let Some(v) = text(f, "type") {
            form.kind = v;
        }
        if let Some(list) = pks(f, "providers")? {
            form.providers = list.iter().map(Uuid::to_string).collect();
        }
        if let Some(v) = f.get("config") {
            // Checked (an object of the right keys) when saved, with the field named.
            form.config = v.clone();
        }
        match f.get("managed") {
            None => {}
            Some(Json::Null) => form.managed = None,
            Some(_) => form.managed = text(f, "managed"),
        }
        Ok(form)
    }
}

#[async_trait]
impl Model for Outpost {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "managed", "name"])?;
        let query = match key {
            "pk" => "select id from outposts where id::text = $1",
            "managed" => "select id from outposts where managed = $1",
            _ => "select id from outposts where name = $1",
        };
        find_one(tx, query, value).await
    }

    async fn create(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        secret_key: &str,
        f: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>> {
        let form = Self::merge(OutpostForm::default(), f)?;
        Ok(unsaved(
            edit::save_in(tx, actor, secret_key, None, &form).await?,
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
        let current = edit::get(&mut *tx, pk)
            .await?
            .ok_or(Error::NotFound)?
            .form();
        let form = Self::merge(current.clone(), attrs)?;
        // The same providers in another order (or repeated) are no change.
        let mut wanted = form.providers.clone();
        wanted.sort();
        wanted.dedup();
        let mut had = current.providers.clone();
        had.sort();
        let unchanged = wanted == had
            && OutpostForm {
                providers: Vec::new(),
                ..form.clone()
            } == OutpostForm {
                providers: Vec::new(),
                ..current
            };
        if unchanged {
            return Ok(Ok(false));
        }
        Ok(unsaved(edit::save_in(tx, actor, secret_key, Some(pk), &form).await?).map(|_| true))
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        edit::delete_in(tx, actor, pk).await
    }
}
