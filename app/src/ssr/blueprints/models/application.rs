//! `authentik_core.application`: applications, found by pk, slug or name. authentik's
//! blueprints set `provider: !KeyOf ...`, the pk of a provider entry before it.
use super::{Fields, Model, find_one, flag, lookup, text, unsaved};
use crate::ssr::applications::{self, ApplicationForm};
use crate::ssr::audit::Actor;
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use crate::types::validated::has_nul;
use async_trait::async_trait;
use serde_json::Value as Json;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Application;

impl Application {
    fn merge(mut form: ApplicationForm, f: &Fields) -> Result<ApplicationForm> {
        for (key, target) in [
            ("name", &mut form.name),
            ("slug", &mut form.slug),
            ("group", &mut form.group),
            ("meta_launch_url", &mut form.meta_launch_url),
            ("meta_description", &mut form.meta_description),
            ("meta_publisher", &mut form.meta_publisher),
            ("policy_engine_mode", &mut form.policy_engine_mode),
        ] {
            if let Some(v) = text(f, key) {
                *target = v;
            }
        }
        if let Some(v) = flag(f, "open_in_new_tab")? {
            form.open_in_new_tab = v;
        }
        match f.get("provider") {
            None => {}
            Some(Json::Null) => form.provider = None,
            Some(Json::String(pk)) => form.provider = Some(pk.clone()),
            Some(other) => form.provider = Some(other.to_string()),
        }
        if f.get("backchannel_providers")
            .is_some_and(|b| b.as_array().is_none_or(|list| !list.is_empty()))
        {
            return Err(Error::Invalid(format!(
                "backchannel_providers: {}",
                applications::NO_BACKCHANNEL
            )));
        }
        Ok(form)
    }
}

#[async_trait]
impl Model for Application {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "slug", "name"])?;
        // A value no application can have (a bad slug, NUL) finds nothing; creating it then
        // fails validation with a field message instead of a database error.
        if has_nul(&value) || (key == "slug" && applications::check_slug(&value).is_err()) {
            return Ok(None);
        }
        let query = match key {
            "pk" => "select id from applications where id::text = $1",
            "slug" => "select id from applications where slug = $1",
            // Names are not unique: the oldest one is the one meant.
            _ => "select id from applications where name = $1 order by created_at, id limit 1",
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
        let form = Self::merge(ApplicationForm::default(), f)?;
        Ok(unsaved(applications::save_in(tx, actor, None, &form).await?).map(|c| c.id))
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        let current = applications::get(&mut *tx, pk)
            .await?
            .ok_or(Error::NotFound)?;
        let form = Self::merge(current.form(), attrs)?;
        // The domain compares the validated values, so an entry equal to the stored
        // application writes nothing and no event.
        Ok(unsaved(applications::save_in(tx, actor, Some(pk), &form).await?).map(|c| c.changed))
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        applications::delete_in(tx, actor, pk).await
    }
}
