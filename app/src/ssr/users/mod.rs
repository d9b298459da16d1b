//! Users: lookups, creation and the superuser check; the admin list and edits, and their
//! attributes merged with their groups', in submodules.
pub mod attributes;
pub mod edit;
pub mod list;

use crate::ssr::{Error, Result};
use crate::types::validated::{Email, Username};
use sqlx::PgExecutor;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub name: String,
    pub is_active: bool,
}

pub struct NewUser {
    pub username: Username,
    pub email: Option<Email>,
    pub name: String,
    pub password_hash: Option<crate::ssr::crypto::password::PasswordHashString>,
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"select id, username as "username!: String", email as "email: String", name, is_active
           from users where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn get_by_username(db: impl PgExecutor<'_>, username: &str) -> Result<Option<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"select id, username as "username!: String", email as "email: String", name, is_active
           from users where username = $1::text::citext"#,
        username
    )
    .fetch_optional(db)
    .await?)
}

/// Finds a user by username and/or email (case-insensitive), as the identification stage allows.
/// Service accounts never log in interactively, so they are not found here.
pub async fn find_by_identifier(
    db: impl PgExecutor<'_>,
    ident: &str,
    by_username: bool,
    by_email: bool,
    exact_case: bool,
) -> Result<Option<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"select id, username as "username!: String", email as "email: String", name, is_active
           from users
           where kind = 'internal'
             and (($2 and username = $1::text::citext and (not $4 or username::text = $1))
                  or ($3 and email = $1::text::citext and (not $4 or email::text = $1)))
           order by (username = $1::text::citext) desc
           limit 1"#,
        ident,
        by_username,
        by_email,
        exact_case
    )
    .fetch_optional(db)
    .await?)
}

pub async fn password_hash(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select password_hash from users where id = $1 and is_active",
        id
    )
    .fetch_optional(db)
    .await?
    .flatten())
}

/// Creates a user. A taken username or email becomes a field error.
pub async fn create(db: impl PgExecutor<'_>, new: NewUser) -> Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into users (id, username, email, name, password_hash) values ($1, $2, $3, $4, $5)",
        id,
        new.username.as_str() as &str,
        new.email.as_ref().map(|e| e.as_str()) as Option<&str>,
        new.name,
        new.password_hash.map(|h| h.0),
    )
    .execute(db)
    .await
    .map_err(unique_to_field)?;
    Ok(id)
}

/// Sets the username, email and name that are given (None keeps the value). A taken username
/// or email becomes a field error.
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    id: Uuid,
    username: Option<&Username>,
    email: Option<&Email>,
    name: Option<&str>,
) -> Result<()> {
    crate::ssr::sessions::forget();
    sqlx::query!(
        r#"update users set username = coalesce($2::text::citext, username),
                            email = coalesce($3::text::citext, email),
                            name = coalesce($4, name)
            where id = $1"#,
        id,
        username.map(Username::as_str),
        email.map(Email::as_str),
        name
    )
    .execute(db)
    .await
    .map_err(unique_to_field)?;
    Ok(())
}

/// Stores a new password and ends the user's sessions but `keep`: a browser signed in with the
/// old password is signed out on its next request. Every password change goes through here.
pub async fn set_password(
    tx: &mut sqlx::PgConnection,
    actor: &crate::ssr::audit::Actor<'_>,
    id: Uuid,
    hash: crate::ssr::crypto::password::PasswordHashString,
    keep: Option<Uuid>,
) -> Result<()> {
    sqlx::query!(
        "update users set password_hash = $2 where id = $1",
        id,
        hash.0
    )
    .execute(&mut *tx)
    .await?;
    let reason = crate::ssr::session_list::reason::PASSWORD_CHANGED;
    crate::ssr::session_list::end_for_user(tx, actor, id, keep, reason).await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<()> {
    sqlx::query!("delete from users where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Member of a superuser group, directly or through any ancestor of a group they are in (the
/// rule is the `superuser_groups` view).
pub async fn is_superuser(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists(
             select 1 from group_members m join superuser_groups s on s.id = m.group_id
              where m.user_id = $1
           ) as "su!""#,
        id
    )
    .fetch_one(db)
    .await?)
}

/// What a change that would take away its author's own superuser rights is told: admins cannot
/// lock themselves out (another admin can still take the rights away).
pub const SELF_LOCKOUT: &str =
    "This would take away your own superuser rights. Another admin can do that, you cannot.";

/// Whether the author of a change, inside its transaction, is still a superuser.
pub async fn keeps_own_rights(
    tx: &mut sqlx::PgConnection,
    actor: &crate::ssr::audit::Actor<'_>,
) -> Result<bool> {
    if actor.user.id.is_nil() {
        return Ok(true);
    }
    is_superuser(&mut *tx, actor.user.id).await
}

/// Who changes made by Ward itself (blueprints at start or from the command line) are by.
pub fn system() -> User {
    User {
        id: Uuid::nil(),
        username: "ward".into(),
        email: None,
        name: "Ward".into(),
        is_active: true,
    }
}

pub(crate) fn unique_to_field(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &e {
        match db.constraint() {
            Some("users_username_key") => {
                return Error::Field("username".into(), "This username is already taken.".into());
            }
            Some("users_email_key") => {
                return Error::Field(
                    "email".into(),
                    "This email address is already in use.".into(),
                );
            }
            _ => {}
        }
    }
    Error::Database(e)
}
