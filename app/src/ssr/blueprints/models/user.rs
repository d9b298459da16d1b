//! `authentik_core.user`: users (never their password).
use super::{
    Fields, Model, created, find_one, flag, keep_equal_attributes, lookup, object, pks, text,
    unsaved,
};
use crate::ssr::audit::Actor;
use crate::ssr::users;
use crate::ssr::{Error, Result};
use crate::types::directory::UserForm;
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct User;

impl User {
    fn merge(mut form: UserForm, f: &Fields) -> Result<UserForm> {
        if f.contains_key("password") {
            return Err(Error::Invalid(
                "`password` is not applied from blueprints; set it through the API or a recovery link".into(),
            ));
        }
        if let Some(v) = text(f, "username") {
            form.username = v;
        }
        if let Some(v) = text(f, "name") {
            form.name = v;
        }
        if let Some(v) = text(f, "email") {
            form.email = v;
        }
        if let Some(v) = flag(f, "is_active")? {
            form.is_active = v;
        }
        if let Some(v) = object(f, "attributes")? {
            form.attributes = v;
        }
        if let Some(mut v) = pks(f, "groups")? {
            v.sort();
            v.dedup();
            form.groups = v.iter().map(Uuid::to_string).collect();
        }
        Ok(form)
    }
}

#[async_trait]
impl Model for User {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "username", "email"])?;
        let query = match key {
            "pk" => "select id from users where id::text = $1",
            "email" => "select id from users where email = $1",
            _ => "select id from users where username = $1",
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
        let form = Self::merge(
            UserForm {
                is_active: true,
                ..Default::default()
            },
            f,
        )?;
        let service_account = match text(f, "type").as_deref() {
            None | Some("internal") => false,
            Some("service_account") => true,
            Some(other) => {
                return Err(Error::Invalid(format!(
                    "`type` {other}: Ward has internal users and service accounts"
                )));
            }
        };
        created(users::edit::create_in(tx, actor, &form, service_account).await?)
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        let current = users::edit::form_in(tx, pk).await?;
        let mut form = Self::merge(current.clone(), attrs)?;
        keep_equal_attributes(&mut form.attributes, &current.attributes);
        if form == current {
            return Ok(Ok(false));
        }
        Ok(unsaved(users::edit::update_in(tx, actor, pk, &form).await?).map(|()| true))
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        users::edit::delete_in(tx, actor, pk).await
    }
}
