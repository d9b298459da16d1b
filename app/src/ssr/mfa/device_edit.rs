//! Devices as objects to look up, rename and list across users: what the portal's rename, the
//! REST API (`authenticators/…`) and blueprints share. Enrolling stays with the setup stages,
//! since only they can check a device works.
use super::devices::rfc3339;
use crate::ssr::Result;
use crate::ssr::audit::{self, Actor};
use crate::types::mfa::DeviceRow;
use serde_json::{Map, json};
use sqlx::PgExecutor;
use uuid::Uuid;

pub const MODEL: &str = "mfa_device";
pub const CLASSES: [&str; 4] = ["totp", "static", "webauthn", "email"];
const NAME_MAX: usize = 64;

/// A device with its owner.
#[derive(Clone, Debug)]
pub struct OwnedDevice {
    pub device: DeviceRow,
    pub user: Uuid,
    pub username: String,
    pub user_name: String,
    pub email: Option<String>,
    pub is_active: bool,
}

/// Devices, oldest first: of one user and/or one class when given.
pub async fn list(
    db: impl PgExecutor<'_>,
    user: Option<Uuid>,
    class: Option<&str>,
) -> Result<Vec<OwnedDevice>> {
    select(db, user, class, None).await
}

/// One device, if there is one with that id.
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<OwnedDevice>> {
    Ok(select(db, None, None, Some(id)).await?.pop())
}

async fn select(
    db: impl PgExecutor<'_>,
    user: Option<Uuid>,
    class: Option<&str>,
    id: Option<Uuid>,
) -> Result<Vec<OwnedDevice>> {
    let rows = sqlx::query!(
        r#"select d.id, d.class, d.name, d.created, d.last_used, d.user_id,
                  u.username as "username!: String", u.name as user_name,
                  u.email as "email: String", u.is_active
             from mfa_devices d join users u on u.id = d.user_id
            where ($1::uuid is null or d.user_id = $1) and ($2::text is null or d.class = $2)
              and ($3::uuid is null or d.id = $3)
            order by d.created, d.id"#,
        user,
        class,
        id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OwnedDevice {
            device: DeviceRow {
                id: r.id.to_string(),
                class: r.class,
                name: r.name,
                created: rfc3339(r.created),
                last_used: r.last_used.map(rfc3339),
            },
            user: r.user_id,
            username: r.username,
            user_name: r.user_name,
            email: r.email,
            is_active: r.is_active,
        })
        .collect())
}

/// The name a person may give a device: trimmed, 1 to 64 characters, no control characters.
pub fn check_name(name: &str) -> std::result::Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the device a name.".into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(format!("At most {NAME_MAX} characters."));
    }
    if name.chars().any(char::is_control) {
        return Err("Use letters, digits, spaces and punctuation only.".into());
    }
    Ok(name.to_string())
}

/// Renames `device` of `user` (the owner), recorded as a change by `actor`. Err with the field
/// message for a name that will not do; Ok(false) when there is no such device of theirs.
pub async fn rename(
    db: &mut sqlx::PgConnection,
    actor: &Actor<'_>,
    user: Uuid,
    device: Uuid,
    name: &str,
) -> Result<std::result::Result<bool, String>> {
    let name = match check_name(name) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let old = sqlx::query_scalar!(
        "select name from mfa_devices where id = $1 and user_id = $2 for update",
        device,
        user
    )
    .fetch_optional(&mut *db)
    .await?;
    let Some(old) = old else {
        return Ok(Ok(false));
    };
    if old == name {
        return Ok(Ok(true));
    }
    sqlx::query!(
        "update mfa_devices set name = $2 where id = $1",
        device,
        name
    )
    .execute(&mut *db)
    .await?;
    let changes = Map::from_iter([("name".to_string(), json!({ "old": old, "new": name }))]);
    audit::record(
        &mut *db,
        actor,
        audit::MODEL_UPDATED,
        MODEL,
        device,
        &name,
        changes,
    )
    .await?;
    Ok(Ok(true))
}

#[cfg(test)]
mod tests {
    use super::check_name;
    use proptest::prelude::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Phone ").as_deref(), Ok("Phone"));
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
        assert!(check_name("a\u{7}b").is_err());
    }

    proptest! {
        #[test]
        fn garbage_names_are_refused_or_kept_clean(raw in "\\PC{0,80}|.{0,80}") {
            if let Ok(name) = check_name(&raw) {
                prop_assert!(!name.is_empty() && name.chars().count() <= 64);
                prop_assert!(!name.chars().any(char::is_control));
            }
        }
    }
}
