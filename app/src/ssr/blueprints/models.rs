//! The models a blueprint entry can name, each mapping authentik's fields onto Ward's domain
//! functions (the same ones the admin UI and the REST API use).
use crate::ssr::audit::Actor;
use crate::ssr::{Error, Result, groups, users};
use crate::types::directory::{GroupForm, Saved, UserForm};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::{Map, Value as Json};
use sqlx::PgConnection;
use uuid::Uuid;

pub type Fields = Map<String, Json>;

#[async_trait]
pub trait Model: Sync {
    /// The object the identifiers name.
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>>;
    async fn create(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        fields: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>>;
    /// Sets the given attributes; whether anything changed.
    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>>;
    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()>;
}

const MODELS: [(&str, &(dyn Model + Sync)); 2] = [
    ("authentik_core.group", &Group),
    ("authentik_core.user", &User),
];

pub fn by_name(name: &str) -> Option<&'static (dyn Model + Sync)> {
    MODELS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

pub fn names() -> Vec<&'static str> {
    MODELS.iter().map(|(n, _)| *n).collect()
}

/// The one text field of an identifier map, or an error naming what a lookup needs.
fn lookup(identifiers: &Fields, keys: &[&'static str]) -> Result<(&'static str, String)> {
    for key in keys {
        if let Some(v) = identifiers.get(*key) {
            let text = match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            return Ok((key, text));
        }
    }
    Err(Error::Invalid(format!(
        "identify the object by {}",
        keys.join(" or ")
    )))
}

fn text(fields: &Fields, key: &str) -> Option<String> {
    fields.get(key).map(|v| match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    })
}

fn flag(fields: &Fields, key: &str) -> Result<Option<bool>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::Invalid(format!("`{key}` is true or false"))),
    }
}

fn object(fields: &Fields, key: &str) -> Result<Option<String>> {
    match fields.get(key) {
        None => Ok(None),
        Some(v @ Json::Object(_)) => Ok(Some(v.to_string())),
        Some(_) => Err(Error::Invalid(format!("`{key}` is a mapping"))),
    }
}

/// A list of pks (from `!KeyOf` / `!Find`); null entries mean a `!Find` found nothing.
fn pks(fields: &Fields, key: &str) -> Result<Option<Vec<Uuid>>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Json::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| {
                        Error::Invalid(format!("`{key}` lists an object that does not exist"))
                    })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(Error::Invalid(format!("`{key}` is a list"))),
    }
}

fn unsaved<T>(saved: Saved<T>) -> std::result::Result<T, FieldErrors> {
    match saved {
        Saved::Ok(v) => Ok(v),
        Saved::Invalid(e) => Err(e),
    }
}

/// Attributes compare as JSON, not as text: equal ones keep the stored text, so the form
/// compares equal and nothing is written.
fn keep_equal_attributes(new: &mut String, current: &str) {
    if serde_json::from_str::<Json>(new).ok() == serde_json::from_str::<Json>(current).ok() {
        *new = current.to_string();
    }
}

/// A created object's pk, or the field errors that stopped it.
fn created(saved: Saved<String>) -> Result<std::result::Result<Uuid, FieldErrors>> {
    match saved {
        Saved::Ok(id) => Ok(Ok(Uuid::parse_str(&id).map_err(Error::internal)?)),
        Saved::Invalid(e) => Ok(Err(e)),
    }
}

/// The pk a one-parameter lookup finds.
async fn find_one(tx: &mut PgConnection, query: &str, value: String) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(query)
        .bind(value)
        .fetch_optional(&mut *tx)
        .await?)
}

struct Group;

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

struct User;

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
