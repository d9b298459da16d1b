//! Admin edits of users: validation into field errors, create, update, delete, activation and
//! passwords. Every change writes a model event with the changed fields (never a secret).
//! Deactivating a user or setting their password ends their sessions.
use super::User;
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::password;
use crate::ssr::{Error, Result, groups, session_list};
use crate::types::directory::{GroupRef, Saved, UserDetail, UserForm};
use crate::types::flow::FieldErrors;
use crate::types::validated::{Email, NUL_REFUSED, Username, check_new_password, has_nul};
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// A user form that passed validation.
pub struct ValidUser {
    username: Username,
    name: String,
    email: Option<Email>,
    is_active: bool,
    attributes: Map<String, Value>,
    groups: Vec<Uuid>,
}

impl ValidUser {
    fn fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("username".into(), json!(self.username.as_str()));
        m.insert("name".into(), json!(self.name));
        m.insert(
            "email".into(),
            json!(self.email.as_ref().map(|e| e.as_str())),
        );
        m.insert("is_active".into(), json!(self.is_active));
        m.insert("attributes".into(), Value::Object(self.attributes.clone()));
        m
    }
}

pub fn validate(form: &UserForm) -> Result<ValidUser, FieldErrors> {
    let mut errors = FieldErrors::new();
    let username = Username::parse(&form.username)
        .map_err(|m| errors.insert("username".into(), m))
        .ok();
    let email = if form.email.trim().is_empty() {
        None
    } else {
        Email::parse(&form.email)
            .map_err(|m| errors.insert("email".into(), m))
            .ok()
    };
    let name = form.name.trim().to_string();
    if name.chars().count() > 256 {
        errors.insert("name".into(), "Names have at most 256 characters.".into());
    } else if has_nul(&name) {
        errors.insert("name".into(), NUL_REFUSED.into());
    }
    let attributes = parse_attributes(&form.attributes)
        .map_err(|m| errors.insert("attributes".into(), m))
        .ok();
    let mut group_ids = Vec::new();
    for g in &form.groups {
        match Uuid::parse_str(g) {
            Ok(id) => group_ids.push(id),
            Err(_) => {
                errors.insert("groups".into(), "Unknown group.".into());
            }
        }
    }
    match (username, attributes) {
        (Some(username), Some(attributes)) if errors.is_empty() => Ok(ValidUser {
            username,
            name,
            email,
            is_active: form.is_active,
            attributes,
            groups: group_ids,
        }),
        _ => Err(errors),
    }
}

/// Attributes are a JSON object (empty text = `{}`), at most 64 KiB.
pub fn parse_attributes(text: &str) -> Result<Map<String, Value>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Map::new());
    }
    if text.len() > 65_536 {
        return Err("Attributes are limited to 64 KiB.".into());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if json_has_nul(&Value::Object(map.clone())) => {
            Err(format!("Attributes: {NUL_REFUSED}"))
        }
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("Attributes must be a JSON object, like {\"key\": \"value\"}.".into()),
        Err(e) => Err(format!("Invalid JSON: {e}")),
    }
}

fn json_has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => has_nul(s),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| has_nul(k) || json_has_nul(v)),
        _ => false,
    }
}

fn field_error(e: Error) -> Result<FieldErrors> {
    match e {
        Error::Field(field, msg) => Ok(FieldErrors::from([(field, msg)])),
        other => Err(other),
    }
}

async fn check_groups(tx: &mut sqlx::PgConnection, ids: &[Uuid]) -> Result<bool> {
    let found: i64 = sqlx::query_scalar!("select count(*) from groups where id = any($1)", ids)
        .fetch_one(&mut *tx)
        .await?
        .unwrap_or(0);
    Ok(found as usize == ids.len())
}

pub async fn create(
    pool: &PgPool,
    actor: &Actor<'_>,
    form: &UserForm,
    service_account: bool,
) -> Result<Saved<String>> {
    let mut tx = pool.begin().await?;
    let saved = create_in(&mut tx, actor, form, service_account).await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// `create` inside the caller's transaction (blueprints apply many changes in one).
pub async fn create_in(
    tx: &mut sqlx::PgConnection,
    actor: &Actor<'_>,
    form: &UserForm,
    service_account: bool,
) -> Result<Saved<String>> {
    let valid = match validate(form) {
        Ok(v) => v,
        Err(errors) => return Ok(Saved::Invalid(errors)),
    };
    if !check_groups(&mut *tx, &valid.groups).await? {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "groups".into(),
            "Unknown group.".into(),
        )])));
    }
    let id = Uuid::new_v4();
    let kind = if service_account {
        "service_account"
    } else {
        "internal"
    };
    let inserted = sqlx::query!(
        r#"insert into users (id, username, email, name, is_active, attributes, kind)
           values ($1, $2, $3, $4, $5, $6, $7)"#,
        id,
        valid.username.as_str() as &str,
        valid.email.as_ref().map(|e| e.as_str()) as Option<&str>,
        valid.name,
        valid.is_active,
        Value::Object(valid.attributes.clone()),
        kind
    )
    .execute(&mut *tx)
    .await
    .map_err(super::unique_to_field);
    if let Err(e) = inserted {
        return field_error(e).map(Saved::Invalid);
    }
    for g in &valid.groups {
        groups::add_member(&mut *tx, *g, id).await?;
    }
    let mut fields = valid.fields();
    fields.insert("groups".into(), json!(valid.groups));
    fields.insert("kind".into(), json!(kind));
    let changes = audit::diff(&Map::new(), &fields);
    audit::record(
        &mut *tx,
        actor,
        audit::MODEL_CREATED,
        "user",
        id,
        valid.username.as_str(),
        changes,
    )
    .await?;
    Ok(Saved::Ok(id.to_string()))
}

pub async fn update(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Uuid,
    form: &UserForm,
) -> Result<Saved<()>> {
    let mut tx = pool.begin().await?;
    let saved = update_in(&mut tx, actor, id, form).await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// `update` inside the caller's transaction (blueprints apply many changes in one).
pub async fn update_in(
    tx: &mut sqlx::PgConnection,
    actor: &Actor<'_>,
    id: Uuid,
    form: &UserForm,
) -> Result<Saved<()>> {
    let valid = match validate(form) {
        Ok(v) => v,
        Err(errors) => return Ok(Saved::Invalid(errors)),
    };
    let Some(old) = sqlx::query!(
        r#"select username as "username!: String", email as "email: String", name, is_active, attributes
             from users where id = $1 for update"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Err(Error::NotFound);
    };
    if !check_groups(&mut *tx, &valid.groups).await? {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "groups".into(),
            "Unknown group.".into(),
        )])));
    }
    if actor.user.id == id && !valid.is_active {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "is_active".into(),
            "You cannot deactivate yourself.".into(),
        )])));
    }
    crate::ssr::sessions::forget();
    let updated = sqlx::query!(
        "update users set username = $2, email = $3, name = $4, is_active = $5, attributes = $6 where id = $1",
        id,
        valid.username.as_str() as &str,
        valid.email.as_ref().map(|e| e.as_str()) as Option<&str>,
        valid.name,
        valid.is_active,
        Value::Object(valid.attributes.clone())
    )
    .execute(&mut *tx)
    .await
    .map_err(super::unique_to_field);
    if let Err(e) = updated {
        return field_error(e).map(Saved::Invalid);
    }
    if !valid.is_active {
        // Gone for good: re-activating the user later must not revive these sessions.
        let reason = session_list::reason::USER_DEACTIVATED;
        session_list::end_for_user(&mut *tx, actor, id, None, reason).await?;
    }
    let old_groups: Vec<Uuid> = sqlx::query_scalar!(
        "select group_id from group_members where user_id = $1 order by group_id",
        id
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from group_members where user_id = $1 and not (group_id = any($2))",
        id,
        &valid.groups
    )
    .execute(&mut *tx)
    .await?;
    for g in &valid.groups {
        groups::add_member(&mut *tx, *g, id).await?;
    }
    let mut before = Map::new();
    before.insert("username".into(), json!(old.username));
    before.insert("name".into(), json!(old.name));
    before.insert("email".into(), json!(old.email));
    before.insert("is_active".into(), json!(old.is_active));
    before.insert("attributes".into(), old.attributes);
    let mut sorted_old = old_groups;
    sorted_old.sort();
    let mut sorted_new = valid.groups.clone();
    sorted_new.sort();
    sorted_new.dedup();
    before.insert("groups".into(), json!(sorted_old));
    let mut after = valid.fields();
    after.insert("groups".into(), json!(sorted_new));
    let changes = audit::diff(&before, &after);
    if !changes.is_empty() {
        audit::record(
            &mut *tx,
            actor,
            audit::MODEL_UPDATED,
            "user",
            id,
            valid.username.as_str(),
            changes,
        )
        .await?;
    }
    if actor.user.id == id && !super::keeps_own_rights(&mut *tx, actor).await? {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "groups".into(),
            super::SELF_LOCKOUT.into(),
        )])));
    }
    Ok(Saved::Ok(()))
}

pub async fn delete(pool: &PgPool, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    delete_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_in(tx: &mut sqlx::PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    if actor.user.id == id {
        return Err(Error::Invalid("You cannot delete yourself.".into()));
    }
    let name = sqlx::query_scalar!(
        r#"delete from users where id = $1 returning username as "username!: String""#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    audit::record_delete(tx, actor, "user", id, name).await
}

/// Sets a new password; the event says only that it changed. The user's sessions end, except
/// `keep` (the admin's own browser, when admins set their own password).
pub async fn set_password(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Uuid,
    new: String,
    keep: Option<Uuid>,
) -> Result<Saved<()>> {
    if let Err(m) = check_new_password(&new) {
        return Ok(Saved::Invalid(FieldErrors::from([("password".into(), m)])));
    }
    let user: User = super::get(pool, id).await?.ok_or(Error::NotFound)?;
    let hash = password::hash(new).await?;
    let mut tx = pool.begin().await?;
    super::set_password(&mut tx, actor, id, hash, keep).await?;
    let changes = Map::from_iter([("password".to_string(), json!({ "changed": true }))]);
    audit::record(
        &mut *tx,
        actor,
        audit::MODEL_UPDATED,
        "user",
        id,
        &user.username,
        changes,
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Ok(()))
}

/// A user as the admin form holds them: what an edit starts from.
pub async fn form(pool: &PgPool, pk: Uuid) -> Result<UserForm> {
    let mut conn = pool.acquire().await?;
    form_in(&mut conn, pk).await
}

pub async fn form_in(tx: &mut sqlx::PgConnection, pk: Uuid) -> Result<UserForm> {
    let row = sqlx::query!(
        r#"select username as "username!: String", email as "email: String", name, is_active, attributes
             from users where id = $1"#,
        pk
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let groups: Vec<Uuid> = sqlx::query_scalar!(
        "select group_id from group_members where user_id = $1 order by group_id",
        pk
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(UserForm {
        username: row.username,
        name: row.name,
        email: row.email.unwrap_or_default(),
        is_active: row.is_active,
        attributes: row.attributes.to_string(),
        groups: groups.iter().map(Uuid::to_string).collect(),
    })
}

pub async fn detail(pool: &PgPool, id: Uuid) -> Result<Option<UserDetail>> {
    Ok(details(pool, &[id]).await?.pop())
}

/// Users with their groups and effective superuser flag, in the order of `ids` (unknown ids
/// are left out); three queries whatever the number of users.
pub async fn details(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<UserDetail>> {
    let users = sqlx::query!(
        r#"select id, username as "username!: String", email as "email: String", name, is_active, kind,
                  last_login, attributes
             from users where id = any($1) order by array_position($1, id)"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    let memberships = sqlx::query!(
        r#"select m.user_id, g.id, g.name as "name!: String"
             from groups g join group_members m on m.group_id = g.id
            where m.user_id = any($1) order by g.name"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    let superusers: Vec<Uuid> = sqlx::query_scalar!(
        r#"select distinct m.user_id from group_members m join superuser_groups s on s.id = m.group_id
            where m.user_id = any($1)"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(users
        .into_iter()
        .map(|r| {
            let groups = memberships
                .iter()
                .filter(|m| m.user_id == r.id)
                .map(|g| GroupRef {
                    id: g.id.to_string(),
                    name: g.name.clone(),
                })
                .collect();
            let is_superuser = superusers.contains(&r.id);
            UserDetail {
                attributes: serde_json::to_string_pretty(&r.attributes).unwrap_or_default(),
                row: super::list::to_row(super::list::Row {
                    id: r.id,
                    username: r.username,
                    name: r.name,
                    email: r.email,
                    is_active: r.is_active,
                    kind: r.kind,
                    last_login: r.last_login,
                }),
                groups,
                is_superuser,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_must_be_an_object() {
        assert!(parse_attributes("").is_ok());
        assert!(parse_attributes("{\"a\": 1}").is_ok());
        assert_eq!(
            parse_attributes("[1]"),
            Err("Attributes must be a JSON object, like {\"key\": \"value\"}.".into())
        );
        assert!(
            parse_attributes("{oops")
                .expect_err("invalid")
                .starts_with("Invalid JSON")
        );
    }

    #[test]
    fn nul_characters_are_refused_anywhere_in_attributes() {
        assert!(parse_attributes(r#"{"a": {"b\u0000": 1}}"#).is_err());
        assert!(parse_attributes(r#"{"a": ["x", "y\u0000"]}"#).is_err());
        assert!(parse_attributes(r#"{"a": ["x", "y"]}"#).is_ok());
    }

    #[test]
    fn validation_collects_every_field_error() {
        let form = UserForm {
            username: "a b".into(),
            email: "nope".into(),
            attributes: "[]".into(),
            ..Default::default()
        };
        let errors = validate(&form).err().expect("invalid");
        assert_eq!(errors.len(), 3);
    }

    proptest::proptest! {
        /// Any text, and JSON-shaped text: an object without NUL, or a message; never a panic.
        #[test]
        fn attributes_never_panic(
            any in proptest::prelude::any::<String>(),
            shaped in "(\\{|\\}|\\[|\\]|\"|:|,|\\\\u0000|\\\\|1e999|-0|null|true|a| ){0,40}",
        ) {
            for text in [&any, &shaped] {
                if let Ok(map) = parse_attributes(text) {
                    proptest::prop_assert!(!json_has_nul(&Value::Object(map)));
                }
            }
        }
    }
}
