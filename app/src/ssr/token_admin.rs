//! Admin management of tokens: list, create (the key is shown once), delete.
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::secret;
use crate::ssr::{Result, users};
use crate::types::directory::{Saved, TokenCreated, TokenForm, TokenRow};
use crate::types::flow::FieldErrors;
use serde_json::{Map, json};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

const INTENTS: [&str; 3] = ["api", "recovery", "app_password"];

pub async fn list(pool: &PgPool) -> Result<Vec<TokenRow>> {
    Ok(sqlx::query!(
        r#"select t.id, t.identifier, u.username as "username!: String", t.intent, t.expires_at, t.description
             from tokens t join users u on u.id = t.user_id
            order by t.created_at desc limit 1000"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|t| TokenRow {
        id: t.id.to_string(),
        identifier: t.identifier,
        username: t.username,
        intent: t.intent,
        expires_at: t.expires_at.and_then(|e| e.format(&Rfc3339).ok()).unwrap_or_default(),
        description: t.description,
    })
    .collect())
}

pub async fn create(
    pool: &PgPool,
    actor: &Actor<'_>,
    form: &TokenForm,
) -> Result<Saved<TokenCreated>> {
    let mut errors = FieldErrors::new();
    let identifier = form.identifier.trim();
    let ok_chars = identifier
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if identifier.is_empty() || identifier.len() > 128 || !ok_chars {
        errors.insert(
            "identifier".into(),
            "Use 1 to 128 letters, digits, '-', '_' or '.'.".into(),
        );
    }
    if !INTENTS.contains(&form.intent.as_str()) {
        errors.insert(
            "intent".into(),
            "Choose api, recovery or app_password.".into(),
        );
    }
    let user = users::get_by_username(pool, form.username.trim()).await?;
    if user.is_none() {
        errors.insert("username".into(), "No user with this username.".into());
    }
    let expires = if form.expires.trim().is_empty() {
        None
    } else {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(form.expires.trim(), fmt) {
            Ok(d) if d.midnight().assume_utc() > time::OffsetDateTime::now_utc() => {
                Some(d.midnight().assume_utc())
            }
            Ok(_) => {
                errors.insert("expires".into(), "The expiry must be in the future.".into());
                None
            }
            Err(_) => {
                errors.insert("expires".into(), "Enter a date as YYYY-MM-DD.".into());
                None
            }
        }
    };
    if form.description.chars().count() > 1000 {
        errors.insert("description".into(), "At most 1000 characters.".into());
    }
    let Some(user) = user.filter(|_| errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let length = crate::ssr::settings::load(pool).await?.default_token_length;
    let key = secret::random_key(usize::try_from(length).unwrap_or(60));
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query!(
        r#"insert into tokens (id, identifier, user_id, intent, key_hash, expires_at, description)
           values ($1, $2, $3, $4, $5, $6, $7)"#,
        id,
        identifier,
        user.id,
        form.intent,
        secret::digest(&key),
        expires,
        form.description.trim()
    )
    .execute(&mut *tx)
    .await;
    if let Err(sqlx::Error::Database(db)) = &inserted
        && db.constraint() == Some("tokens_identifier_key")
    {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "identifier".into(),
            "A token with this identifier already exists.".into(),
        )])));
    }
    inserted?;
    let changes = Map::from_iter([
        ("user".to_string(), json!(user.username)),
        ("intent".to_string(), json!(form.intent)),
        ("expires".to_string(), json!(form.expires.trim())),
    ]);
    audit::record(
        &mut *tx,
        actor,
        audit::MODEL_CREATED,
        "token",
        id,
        identifier,
        changes,
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Ok(TokenCreated {
        id: id.to_string(),
        key,
    }))
}

pub async fn delete(pool: &PgPool, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    let identifier =
        sqlx::query_scalar!("delete from tokens where id = $1 returning identifier", id)
            .fetch_optional(&mut *tx)
            .await?;
    audit::commit_delete(tx, actor, "token", id, identifier).await
}
