//! Self-service: what signed-in users change on their own account.
use crate::ssr::Result;
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::password;
use crate::ssr::events::{self, NewEvent};
use crate::ssr::users::{self, User};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use crate::types::validated::{Email, check_new_password};
use serde_json::{Map, json};
use sqlx::PgPool;

/// Name and email; the email is validated again and must stay unique.
pub async fn update_profile(
    pool: &PgPool,
    me: &User,
    ip: std::net::IpAddr,
    name: &str,
    email: &str,
) -> Result<Saved<()>> {
    let mut errors = FieldErrors::new();
    let name = name.trim();
    if name.chars().count() > 256 {
        errors.insert("name".into(), "Names have at most 256 characters.".into());
    }
    let email = Email::parse(email)
        .map_err(|m| errors.insert("email".into(), m))
        .ok();
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let mut tx = pool.begin().await?;
    let r = sqlx::query!(
        "update users set name = $2, email = $3 where id = $1",
        me.id,
        name,
        email.as_str() as &str
    )
    .execute(&mut *tx)
    .await
    .map_err(users::unique_to_field);
    match r {
        Err(crate::ssr::Error::Field(f, m)) => {
            return Ok(Saved::Invalid(FieldErrors::from([(f, m)])));
        }
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    let before = Map::from_iter([
        ("name".to_string(), json!(me.name)),
        ("email".to_string(), json!(me.email)),
    ]);
    let after = Map::from_iter([
        ("name".to_string(), json!(name)),
        ("email".to_string(), json!(email.as_str())),
    ]);
    let changes = audit::diff(&before, &after);
    if !changes.is_empty() {
        let actor = Actor { user: me, ip };
        audit::record(
            &mut *tx,
            &actor,
            audit::MODEL_UPDATED,
            "user",
            me.id,
            &me.username,
            changes,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Saved::Ok(()))
}

/// A new password, after the current one is proven.
pub async fn change_password(
    pool: &PgPool,
    me: &User,
    ip: std::net::IpAddr,
    current: String,
    new: String,
    repeat: &str,
) -> Result<Saved<()>> {
    let stored = users::password_hash(pool, me.id).await?;
    if current.len() > 1024 || !password::verify(current, stored).await? {
        events::record(
            pool,
            NewEvent {
                action: events::action::LOGIN_FAILED,
                user: Some((me.id, &me.username)),
                client_ip: Some(ip),
                context: json!({ "reason": "wrong current password when changing the password" }),
            },
        )
        .await?;
        return Ok(Saved::Invalid(FieldErrors::from([(
            "current".into(),
            "This is not your current password.".into(),
        )])));
    }
    if let Err(m) = check_new_password(&new) {
        return Ok(Saved::Invalid(FieldErrors::from([("new".into(), m)])));
    }
    if new != repeat {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "repeat".into(),
            "The passwords don't match.".into(),
        )])));
    }
    let hash = password::hash(new).await?;
    let mut tx = pool.begin().await?;
    users::set_password(&mut *tx, me.id, hash).await?;
    events::record(
        &mut *tx,
        NewEvent {
            action: events::action::PASSWORD_SET,
            user: Some((me.id, &me.username)),
            client_ip: Some(ip),
            context: json!({ "by": "self" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Ok(()))
}
