//! `authentik_core.group`: groups with parent, superuser flag, attributes and members.
use super::{
    Fields, Model, created, find_one, flag, keep_equal_attributes, lookup, object, pks, text,
    unsaved,
};
use crate::ssr::audit::Actor;
use crate::ssr::groups;
use crate::ssr::{Error, Result};
use crate::types::directory::GroupForm;
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Group;

impl Group {
    async fn form(tx: &mut PgConnection, pk: Uuid) -> Result<(GroupForm, Vec<Uuid>)> {
        let row = sqlx::query!(
            r#"select name as "name!: String", parent_id, is_superuser, attributes from groups where id = $1"#,
            pk
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
        let members: Vec<Uuid> = sqlx::query_scalar!(
            "select user_id from group_members where group_id = $1 order by user_id",
            pk
        )
        .fetch_all(&mut *tx)
        .await?;
        Ok((
            GroupForm {
                name: row.name,
                parent: row.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                is_superuser: row.is_superuser,
                attributes: row.attributes.to_string(),
            },
            members,
        ))
    }

    fn merge(mut form: GroupForm, f: &Fields) -> Result<GroupForm> {
        if let Some(v) = text(f, "name") {
            form.name = v;
        }
        if let Some(v) = flag(f, "is_superuser")? {
            form.is_superuser = v;
        }
        if let Some(v) = text(f, "parent") {
            form.parent = v;
        }
        if let Some(v) = object(f, "attributes")? {
            form.attributes = v;
        }
        Ok(form)
    }
}

#[async_trait]
impl Model for Group {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        let (key, value) = lookup(identifiers, &["pk", "name"])?;
        let query = if key == "pk" {
            "select id from groups where id::text = $1"
        } else {
            "select id from groups where name = $1"
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
        let form = Self::merge(GroupForm::default(), f)?;
        let members = pks(f, "users")?;
        created(groups::edit::save_in(tx, actor, None, &form, members.as_deref()).await?)
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        let (current, mut members) = Self::form(tx, pk).await?;
        let mut form = Self::merge(current.clone(), attrs)?;
        keep_equal_attributes(&mut form.attributes, &current.attributes);
        let wanted = pks(attrs, "users")?.map(|mut w| {
            w.sort();
            w.dedup();
            w
        });
        members.sort();
        if form == current && wanted.as_ref().is_none_or(|w| *w == members) {
            return Ok(Ok(false));
        }
        Ok(
            unsaved(groups::edit::save_in(tx, actor, Some(pk), &form, wanted.as_deref()).await?)
                .map(|_| true),
        )
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        groups::edit::delete_in(tx, actor, pk).await
    }
}
