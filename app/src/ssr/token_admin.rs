//! Admin management of tokens: list, create (the key is shown once), delete.
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::{sealed, secret};
use crate::ssr::{Result, users};
use crate::types::directory::{Saved, TokenCreated, TokenForm, TokenRow};
use crate::types::flow::FieldErrors;
use serde_json::{Map, json};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

const INTENTS: [&str; 3] = ["api", "recovery", "app_password"];
/// What token keys are sealed for (a key that can be shown again).
pub(crate) const SEAL_PURPOSE: &str = "token-key";

/// An expiry as `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time; empty = never. Must be future.
fn parse_expiry(text: &str) -> Result<Option<time::OffsetDateTime>, &'static str> {
    if text.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let at = time::Date::parse(text, fmt)
        .map(|d| d.midnight().assume_utc())
        .or_else(|_| time::OffsetDateTime::parse(text, &Rfc3339))
        .map_err(|_| "Enter a date as YYYY-MM-DD or a time as RFC 3339.")?;
    if at <= time::OffsetDateTime::now_utc() {
        return Err("The expiry must be in the future.");
    }
    Ok(Some(at))
}

/// One token by its identifier.
pub async fn find(pool: &PgPool, identifier: &str) -> Result<Option<TokenRow>> {
    Ok(select(pool, None, Some(identifier)).await?.pop())
}

/// The key of a token, shown again to its owner or an admin; writes a `secret_view` event.
/// Keys kept only as a digest (recovery links, the bootstrap token) cannot be shown.
pub async fn view_key(
    pool: &PgPool,
    secret_key: &str,
    actor: &Actor<'_>,
    identifier: &str,
) -> Result<String> {
    let Some(t) = sqlx::query!(
        "select id, key_sealed from tokens where identifier = $1",
        identifier
    )
    .fetch_optional(pool)
    .await?
    else {
        return Err(crate::ssr::Error::NotFound);
    };
    let Some(sealed_key) = t.key_sealed else {
        return Err(crate::ssr::Error::Invalid(
            "Only a digest of this token's key is stored: the key cannot be shown again.".into(),
        ));
    };
    let key = String::from_utf8(sealed::open(secret_key, SEAL_PURPOSE, &sealed_key)?)
        .map_err(crate::ssr::Error::internal)?;
    let event = crate::ssr::events::NewEvent {
        action: crate::ssr::events::action::SECRET_VIEW,
        user: Some((actor.user.id, &actor.user.username)),
        client_ip: Some(actor.ip),
        context: json!({ "token": identifier, "id": t.id }),
    };
    crate::ssr::events::record(pool, event).await?;
    Ok(key)
}

/// Tokens, newest first; only `owner`'s when given.
pub async fn list(pool: &PgPool, owner: Option<Uuid>) -> Result<Vec<TokenRow>> {
    select(pool, owner, None).await
}

async fn select(
    pool: &PgPool,
    owner: Option<Uuid>,
    identifier: Option<&str>,
) -> Result<Vec<TokenRow>> {
    Ok(sqlx::query!(
        r#"select t.id, t.identifier, t.user_id, u.username as "username!: String", t.intent, t.expires_at, t.description
             from tokens t join users u on u.id = t.user_id
            where ($1::uuid is null or t.user_id = $1) and ($2::text is null or t.identifier = $2)
            order by t.created_at desc limit 1000"#,
        owner,
        identifier
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|t| TokenRow {
        id: t.id.to_string(),
        identifier: t.identifier,
        user_id: t.user_id.to_string(),
        username: t.username,
        intent: t.intent,
        expires_at: t.expires_at.and_then(|e| e.format(&Rfc3339).ok()).unwrap_or_default(),
        description: t.description,
    })
    .collect())
}

/// Creates a token; its key is returned this once. `secret_key` seals keys that may be viewed
/// again (api, app_password).
pub async fn create(
    pool: &PgPool,
    secret_key: &str,
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
    let expires = match parse_expiry(form.expires.trim()) {
        Ok(e) => e,
        Err(m) => {
            errors.insert("expires".into(), m.into());
            None
        }
    };
    if form.description.chars().count() > 1000 {
        errors.insert("description".into(), "At most 1000 characters.".into());
    } else if crate::types::validated::has_nul(&form.description) {
        errors.insert(
            "description".into(),
            crate::types::validated::NUL_REFUSED.into(),
        );
    }
    let Some(user) = user.filter(|_| errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let length = crate::ssr::settings::load(pool).await?.default_token_length;
    let key = secret::random_key(usize::try_from(length).unwrap_or(60));
    let sealed =
        (form.intent != "recovery").then(|| sealed::seal(secret_key, SEAL_PURPOSE, key.as_bytes()));
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query!(
        r#"insert into tokens (id, identifier, user_id, intent, key_hash, expires_at, description, key_sealed)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        id,
        identifier,
        user.id,
        form.intent,
        secret::digest(&key),
        expires,
        form.description.trim(),
        sealed
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

/// Changes a token's description and expiry (`expires` as for `create`; empty = never).
pub async fn update(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Uuid,
    description: &str,
    expires: &str,
) -> Result<Saved<()>> {
    let mut errors = FieldErrors::new();
    if description.chars().count() > 1000 {
        errors.insert("description".into(), "At most 1000 characters.".into());
    } else if crate::types::validated::has_nul(description) {
        errors.insert(
            "description".into(),
            crate::types::validated::NUL_REFUSED.into(),
        );
    }
    let expires_at = match parse_expiry(expires.trim()) {
        Ok(at) => at,
        Err(m) => {
            errors.insert("expires".into(), m.into());
            None
        }
    };
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let mut tx = pool.begin().await?;
    let old = sqlx::query!(
        "select identifier, description, expires_at from tokens where id = $1 for update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(crate::ssr::Error::NotFound)?;
    sqlx::query!(
        "update tokens set description = $2, expires_at = $3 where id = $1",
        id,
        description.trim(),
        expires_at
    )
    .execute(&mut *tx)
    .await?;
    let stamp = |t: Option<time::OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok());
    let before = Map::from_iter([
        ("description".to_string(), json!(old.description)),
        ("expires".to_string(), json!(stamp(old.expires_at))),
    ]);
    let after = Map::from_iter([
        ("description".to_string(), json!(description.trim())),
        ("expires".to_string(), json!(stamp(expires_at))),
    ]);
    let changes = audit::diff(&before, &after);
    if !changes.is_empty() {
        audit::record(
            &mut *tx,
            actor,
            audit::MODEL_UPDATED,
            "token",
            id,
            &old.identifier,
            changes,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Saved::Ok(()))
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn expiry_is_a_future_date_or_time() {
        assert_eq!(parse_expiry(""), Ok(None));
        assert!(parse_expiry("9999-12-31").is_ok_and(|t| t.is_some()));
        assert!(parse_expiry("2000-01-01").is_err());
        assert!(parse_expiry("tomorrow").is_err());
    }

    proptest::proptest! {
        /// Any text: a time, never, or a message; never a panic.
        #[test]
        fn expiry_never_panics(
            any in proptest::prelude::any::<String>(),
            date in "(9999|0000|[0-9]{1,5})-(12|0[0-9]|[0-9])-(31|[0-3][0-9])(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2}))?",
        ) {
            let _ = parse_expiry(&any);
            let _ = parse_expiry(&date);
        }
    }
}
