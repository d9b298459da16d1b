//! Admin edits of groups: the tree (no cycles), superuser flag, attributes and members.
use crate::ssr::audit::{self, Actor};
use crate::ssr::users::edit::parse_attributes;
use crate::ssr::{Error, Result, users};
use crate::types::directory::{GroupForm, GroupRow, Saved, UserRow};
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Serialises changes to the tree so two concurrent edits cannot build a cycle together.
const TREE_LOCK: i64 = 0x5741_5247; // "WARG"

struct ValidGroup {
    name: String,
    parent: Option<Uuid>,
    is_superuser: bool,
    attributes: Map<String, Value>,
}

fn validate(form: &GroupForm) -> Result<ValidGroup, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 150 || crate::types::validated::has_nul(&name) {
        errors.insert(
            "name".into(),
            "Give the group a name of 1 to 150 characters.".into(),
        );
    }
    let parent = if form.parent.trim().is_empty() {
        None
    } else {
        Uuid::parse_str(form.parent.trim())
            .map_err(|_| errors.insert("parent".into(), "Unknown group.".into()))
            .ok()
    };
    let attributes = parse_attributes(&form.attributes)
        .map_err(|m| errors.insert("attributes".into(), m))
        .ok();
    match attributes {
        Some(attributes) if errors.is_empty() => Ok(ValidGroup {
            name,
            parent,
            is_superuser: form.is_superuser,
            attributes,
        }),
        _ => Err(errors),
    }
}

fn invalid<T>(field: &str, msg: &str) -> Result<Saved<T>> {
    Ok(Saved::Invalid(FieldErrors::from([(
        field.to_string(),
        msg.to_string(),
    )])))
}

fn fields(g: &ValidGroup) -> Map<String, Value> {
    Map::from_iter([
        ("name".to_string(), json!(g.name)),
        ("parent".to_string(), json!(g.parent)),
        ("is_superuser".to_string(), json!(g.is_superuser)),
        (
            "attributes".to_string(),
            Value::Object(g.attributes.clone()),
        ),
    ])
}

/// Whether `ancestor` is `group` itself or above it in the tree.
async fn is_ancestor_or_self(
    tx: &mut sqlx::PgConnection,
    ancestor: Uuid,
    group: Uuid,
) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"with recursive up(id, parent_id, depth) as (
             select id, parent_id, 0 from groups where id = $2
             union all
             select g.id, g.parent_id, up.depth + 1 from groups g join up on g.id = up.parent_id where up.depth < 256
           )
           select exists(select 1 from up where id = $1) as "found!""#,
        ancestor,
        group
    )
    .fetch_one(&mut *tx)
    .await?)
}

fn unique_name(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("groups_name_key") => Error::Field(
            "name".into(),
            "A group with this name already exists.".into(),
        ),
        _ => Error::Database(e),
    }
}

/// Creates (`id` None) or updates a group; `members`, when given, replace its members in the
/// same transaction.
pub async fn save(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &GroupForm,
    members: Option<&[Uuid]>,
) -> Result<Saved<String>> {
    let mut tx = pool.begin().await?;
    let saved = save_in(&mut tx, actor, id, form, members).await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// `save` inside the caller's transaction (blueprints apply many changes in one).
pub async fn save_in(
    tx: &mut sqlx::PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &GroupForm,
    members: Option<&[Uuid]>,
) -> Result<Saved<String>> {
    let valid = match validate(form) {
        Ok(v) => v,
        Err(errors) => return Ok(Saved::Invalid(errors)),
    };
    sqlx::query!("select pg_advisory_xact_lock($1)", TREE_LOCK)
        .execute(&mut *tx)
        .await?;
    if let Some(parent) = valid.parent {
        let exists = sqlx::query_scalar!(
            "select exists(select 1 from groups where id = $1) as \"e!\"",
            parent
        )
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            return invalid("parent", "Unknown group.");
        }
        if let Some(id) = id
            && is_ancestor_or_self(tx, id, parent).await?
        {
            return invalid(
                "parent",
                "A group cannot be inside itself: this parent would make a cycle.",
            );
        }
    }
    let attrs = Value::Object(valid.attributes.clone());
    let (gid, action, before) = match id {
        None => {
            let gid = Uuid::new_v4();
            let r = sqlx::query!(
                "insert into groups (id, name, parent_id, is_superuser, attributes) values ($1, $2, $3, $4, $5)",
                gid,
                valid.name.as_str() as &str,
                valid.parent,
                valid.is_superuser,
                attrs
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return field_or(unique_name(e));
            }
            (gid, audit::MODEL_CREATED, Map::new())
        }
        Some(gid) => {
            let old = sqlx::query!(
                r#"select name as "name!: String", parent_id, is_superuser, attributes from groups where id = $1 for update"#,
                gid
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            let r = sqlx::query!(
                "update groups set name = $2, parent_id = $3, is_superuser = $4, attributes = $5 where id = $1",
                gid,
                valid.name.as_str() as &str,
                valid.parent,
                valid.is_superuser,
                attrs
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return field_or(unique_name(e));
            }
            let before = Map::from_iter([
                ("name".to_string(), json!(old.name)),
                ("parent".to_string(), json!(old.parent_id)),
                ("is_superuser".to_string(), json!(old.is_superuser)),
                ("attributes".to_string(), old.attributes),
            ]);
            (gid, audit::MODEL_UPDATED, before)
        }
    };
    let changes = audit::diff(&before, &fields(&valid));
    if !changes.is_empty() {
        audit::record(&mut *tx, actor, action, "group", gid, &valid.name, changes).await?;
    }
    if let Some(members) = members
        && let Saved::Invalid(errors) = set_members(tx, actor, gid, &valid.name, members).await?
    {
        return Ok(Saved::Invalid(errors));
    }
    if !users::keeps_own_rights(tx, actor).await? {
        let field = if members.is_some() {
            "users"
        } else {
            "is_superuser"
        };
        return invalid(field, users::SELF_LOCKOUT);
    }
    Ok(Saved::Ok(gid.to_string()))
}

fn field_or<T>(e: Error) -> Result<Saved<T>> {
    match e {
        Error::Field(f, m) => Ok(Saved::Invalid(FieldErrors::from([(f, m)]))),
        other => Err(other),
    }
}

pub async fn delete(pool: &PgPool, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    delete_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_in(tx: &mut sqlx::PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!(
        r#"delete from groups where id = $1 returning name as "name!: String""#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if !users::keeps_own_rights(tx, actor).await? {
        return Err(Error::Invalid(users::SELF_LOCKOUT.into()));
    }
    audit::record_delete(tx, actor, "group", id, name).await
}

pub async fn list(pool: &PgPool) -> Result<Vec<GroupRow>> {
    Ok(sqlx::query!(
        r#"select g.id, g.name as "name!: String", g.parent_id, p.name as "parent_name?: String", g.is_superuser,
                  g.attributes, (select count(*) from group_members m where m.group_id = g.id) as "members!"
             from groups g left join groups p on p.id = g.parent_id
            order by g.name"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|g| GroupRow {
        id: g.id.to_string(),
        name: g.name,
        parent_id: g.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        parent_name: g.parent_name.unwrap_or_default(),
        is_superuser: g.is_superuser,
        member_count: g.members,
        attributes: serde_json::to_string_pretty(&g.attributes).unwrap_or_default(),
    })
    .collect())
}

pub async fn members(pool: &PgPool, group: Uuid) -> Result<Vec<UserRow>> {
    let rows = sqlx::query_as::<_, crate::ssr::users::list::Row>(
        "select u.id, u.username::text as username, u.name, u.email::text as email, u.is_active, u.kind, u.last_login
           from users u join group_members m on m.user_id = u.id where m.group_id = $1 order by u.username",
    )
    .bind(group)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(crate::ssr::users::list::to_row)
        .collect())
}

/// Adds (`add`) or removes a member.
pub async fn set_member(
    pool: &PgPool,
    actor: &Actor<'_>,
    group: Uuid,
    user: Uuid,
    add: bool,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let name = sqlx::query_scalar!(
        r#"select name as "name!: String" from groups where id = $1"#,
        group
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let username = crate::ssr::users::get(&mut *tx, user)
        .await?
        .ok_or(Error::NotFound)?
        .username;
    if add {
        super::add_member(&mut *tx, group, user).await?;
    } else {
        sqlx::query!(
            "delete from group_members where group_id = $1 and user_id = $2",
            group,
            user
        )
        .execute(&mut *tx)
        .await?;
    }
    let change = if add {
        json!({ "added": username })
    } else {
        json!({ "removed": username })
    };
    audit::record(
        &mut *tx,
        actor,
        audit::MODEL_UPDATED,
        "group",
        group,
        &name,
        Map::from_iter([("members".to_string(), change)]),
    )
    .await?;
    if !users::keeps_own_rights(&mut tx, actor).await? {
        return Err(Error::Invalid(users::SELF_LOCKOUT.into()));
    }
    tx.commit().await?;
    Ok(())
}

/// (group, user) pairs of the members of `groups`, by username.
pub async fn member_ids(pool: &PgPool, groups: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query!(
        "select m.group_id, m.user_id from group_members m join users u on u.id = m.user_id
          where m.group_id = any($1) order by u.username",
        groups
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.group_id, r.user_id))
    .collect())
}

/// Makes `users` the group's members, with one event listing who was added and removed. An
/// unknown user is a field error on `users` (the caller then drops the transaction).
async fn set_members(
    tx: &mut sqlx::PgConnection,
    actor: &Actor<'_>,
    group: Uuid,
    name: &str,
    users: &[Uuid],
) -> Result<Saved<()>> {
    let mut wanted = users.to_vec();
    wanted.sort();
    wanted.dedup();
    let known: i64 = sqlx::query_scalar!("select count(*) from users where id = any($1)", &wanted)
        .fetch_one(&mut *tx)
        .await?
        .unwrap_or(0);
    if known as usize != wanted.len() {
        return invalid("users", "Unknown user.");
    }
    let removed: Vec<String> = sqlx::query_scalar!(
        r#"with gone as (
             delete from group_members where group_id = $1 and not (user_id = any($2)) returning user_id
           )
           select u.username as "username!: String" from users u join gone on gone.user_id = u.id order by 1"#,
        group,
        &wanted
    )
    .fetch_all(&mut *tx)
    .await?;
    let added: Vec<String> = sqlx::query_scalar!(
        r#"with new as (
             insert into group_members (group_id, user_id) select $1, unnest($2::uuid[])
             on conflict do nothing returning user_id
           )
           select u.username as "username!: String" from users u join new on new.user_id = u.id order by 1"#,
        group,
        &wanted
    )
    .fetch_all(&mut *tx)
    .await?;
    if !(added.is_empty() && removed.is_empty()) {
        let changes = Map::from_iter([(
            "members".to_string(),
            json!({ "added": added, "removed": removed }),
        )]);
        audit::record(
            &mut *tx,
            actor,
            audit::MODEL_UPDATED,
            "group",
            group,
            name,
            changes,
        )
        .await?;
    }
    Ok(Saved::Ok(()))
}
