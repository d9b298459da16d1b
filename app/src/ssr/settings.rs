//! System settings: one row, read where it matters and edited by admins.
use crate::ssr::Result;
use crate::ssr::audit::{self, Actor};
use crate::ssr::mfa::enforce;
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use crate::types::system::SystemSettings;
use serde_json::{Map, Value, json};
use sqlx::PgPool;

pub const AVATAR_MODES: [&str; 3] = ["none", "initials", "gravatar"];

pub async fn load(pool: &PgPool) -> Result<SystemSettings> {
    Ok(sqlx::query_as!(
        SystemSettings,
        r#"select avatars, allow_change_username, allow_change_name, allow_change_email,
                  event_retention_days, default_token_length, default_token_duration_minutes,
                  exists (select 1 from flow_stage_bindings b
                            join flows f on f.id = b.flow_id join stages s on s.id = b.stage_id
                           where f.slug = $1 and s.name = $2) as "require_admin_mfa!"
             from settings"#,
        enforce::FLOW,
        enforce::STAGE
    )
    .fetch_one(pool)
    .await?)
}

/// Field errors for values outside what the settings allow.
pub fn validate(s: &SystemSettings) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if !AVATAR_MODES.contains(&s.avatars.as_str()) {
        errors.insert(
            "avatars".into(),
            "Choose none, initials or gravatar.".into(),
        );
    }
    if !(1..=36_500).contains(&s.event_retention_days) {
        errors.insert(
            "event_retention_days".into(),
            "Keep events between 1 and 36500 days.".into(),
        );
    }
    if !(32..=256).contains(&s.default_token_length) {
        errors.insert(
            "default_token_length".into(),
            "Token length must be between 32 and 256 characters.".into(),
        );
    }
    if !(1..=525_600).contains(&s.default_token_duration_minutes) {
        errors.insert(
            "default_token_duration_minutes".into(),
            "Token duration must be between 1 minute and 1 year.".into(),
        );
    }
    errors
}

pub async fn save(
    pool: &PgPool,
    actor: &Actor<'_>,
    new: SystemSettings,
) -> Result<Saved<SystemSettings>> {
    let errors = validate(&new);
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let mut tx = pool.begin().await?;
    let before = sqlx::query_as!(
        SystemSettings,
        r#"select avatars, allow_change_username, allow_change_name, allow_change_email,
                  event_retention_days, default_token_length, default_token_duration_minutes,
                  exists (select 1 from flow_stage_bindings b
                            join flows f on f.id = b.flow_id join stages s on s.id = b.stage_id
                           where f.slug = $1 and s.name = $2) as "require_admin_mfa!"
             from settings for update"#,
        enforce::FLOW,
        enforce::STAGE
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "update settings set avatars = $1, allow_change_username = $2, allow_change_name = $3,
                allow_change_email = $4, event_retention_days = $5, default_token_length = $6,
                default_token_duration_minutes = $7",
        new.avatars,
        new.allow_change_username,
        new.allow_change_name,
        new.allow_change_email,
        new.event_retention_days,
        new.default_token_length,
        new.default_token_duration_minutes
    )
    .execute(&mut *tx)
    .await?;
    if before.require_admin_mfa != new.require_admin_mfa
        && let Err(errors) = enforce::set_in(&mut tx, actor, new.require_admin_mfa).await?
    {
        return Ok(Saved::Invalid(errors));
    }
    let changes = audit::diff(&fields(&before), &fields(&new));
    if !changes.is_empty() {
        audit::record(
            &mut *tx,
            actor,
            audit::MODEL_UPDATED,
            "settings",
            uuid::Uuid::nil(),
            "System settings",
            changes,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Saved::Ok(new))
}

fn fields(s: &SystemSettings) -> Map<String, Value> {
    match json!(s) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> SystemSettings {
        SystemSettings {
            avatars: "none".into(),
            allow_change_username: false,
            allow_change_name: true,
            allow_change_email: true,
            event_retention_days: 365,
            default_token_length: 60,
            default_token_duration_minutes: 30,
            require_admin_mfa: false,
        }
    }

    #[test]
    fn defaults_are_valid_and_bounds_are_field_errors() {
        assert!(validate(&defaults()).is_empty());
        let bad = SystemSettings {
            avatars: "https://evil".into(),
            event_retention_days: 0,
            default_token_length: 8,
            default_token_duration_minutes: 0,
            ..defaults()
        };
        let errors = validate(&bad);
        for field in [
            "avatars",
            "event_retention_days",
            "default_token_length",
            "default_token_duration_minutes",
        ] {
            assert!(errors.contains_key(field), "{field}");
        }
    }
}
