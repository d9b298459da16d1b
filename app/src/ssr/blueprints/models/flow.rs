//! `authentik_flows.flow`: slug, name, title, designation, who may start it
//! (`authentication`) and policy engine mode.
use super::{Fields, Model, find_one, lookup, only, text, unsaved};
use crate::ssr::audit::Actor;
use crate::ssr::flows::edit::{self, FlowForm};
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Flow;

/// authentik's flow fields that change only its look, which Ward's flows do not have;
/// accepted so authentik's blueprints apply.
const IGNORED: [&str; 4] = [
    "layout",
    "compatibility_mode",
    "background",
    "denied_action",
];

fn merge(mut form: FlowForm, f: &Fields) -> Result<FlowForm> {
    only(
        f,
        &[
            "pk",
            "slug",
            "name",
            "title",
            "designation",
            "authentication",
            "policy_engine_mode",
        ],
        &IGNORED,
    )?;
    if let Some(v) = text(f, "slug") {
        form.slug = v;
    }
    if let Some(v) = text(f, "name") {
        form.name = v;
    }
    if let Some(v) = text(f, "title") {
        form.title = v;
    }
    if let Some(v) = text(f, "designation") {
        form.designation = v;
    }
    if let Some(v) = text(f, "policy_engine_mode") {
        form.policy_engine_mode = v;
    }
    if let Some(v) = text(f, "authentication") {
        form.authentication = v;
    }
    Ok(form)
}

async fn current(tx: &mut PgConnection, pk: Uuid) -> Result<FlowForm> {
    Ok(edit::list(&mut *tx)
        .await?
        .into_iter()
        .find(|f| f.id == pk)
        .ok_or(Error::NotFound)?
        .form)
}

#[async_trait]
impl Model for Flow {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "slug"])?;
        let query = if key == "pk" {
            "select id from flows where id::text = $1"
        } else {
            "select id from flows where slug = $1"
        };
        find_one(tx, query, value).await
    }

    async fn create(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        f: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>> {
        let mut form = merge(FlowForm::default(), f)?;
        if form.name.is_empty() {
            form.name = form.title.clone();
        }
        Ok(unsaved(edit::save_in(tx, actor, None, &form).await?))
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        let before = current(tx, pk).await?;
        let form = merge(before.clone(), attrs)?;
        if form == before {
            return Ok(Ok(false));
        }
        Ok(unsaved(edit::save_in(tx, actor, Some(pk), &form).await?).map(|_| true))
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        edit::delete_in(tx, actor, pk).await
    }
}
