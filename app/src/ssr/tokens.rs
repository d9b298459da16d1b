//! Tokens: secrets shown once, stored as digests.
use crate::ssr::Result;
use crate::ssr::crypto::secret;
use sqlx::PgExecutor;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    Api,
    Recovery,
}

impl Intent {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Recovery => "recovery",
        }
    }
}

/// Stores `key` (chosen by the caller or random) for `user`; returns the key to show once.
pub async fn create(
    db: impl PgExecutor<'_>,
    user: Uuid,
    intent: Intent,
    identifier: &str,
    key: Option<String>,
    valid_for: Option<time::Duration>,
) -> Result<String> {
    let key = key.unwrap_or_else(|| secret::random_token(32));
    let expires = valid_for.map(|d| time::OffsetDateTime::now_utc() + d);
    sqlx::query!(
        r#"insert into tokens (id, identifier, user_id, intent, key_hash, expires_at)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (identifier) do update set key_hash = excluded.key_hash, expires_at = excluded.expires_at"#,
        Uuid::new_v4(),
        identifier,
        user,
        intent.as_str(),
        secret::digest(&key),
        expires
    )
    .execute(db)
    .await?;
    Ok(key)
}

/// Consumes a single-use token: returns its user when the token exists, has this intent and has
/// not expired, and deletes it in the same statement so it can't be used twice.
pub async fn consume(db: impl PgExecutor<'_>, intent: Intent, key: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"delete from tokens where key_hash = $1 and intent = $2 and (expires_at is null or expires_at > now())
           returning user_id"#,
        secret::digest(key),
        intent.as_str()
    )
    .fetch_optional(db)
    .await?)
}

/// A recovery link as made: its path and how long it stays valid.
pub struct RecoveryLink {
    pub path: String,
    /// The default token duration setting the token was stored with.
    pub valid_minutes: i32,
}

/// A single-use recovery link path (valid for the default token duration setting) that signs
/// the user in through `flow` (a flow with a recovery_token stage: `recovery` unless the brand
/// names another). `actor` is the admin who asked (None from the command line).
pub async fn recovery_link(
    pool: &sqlx::PgPool,
    actor: Option<&crate::ssr::audit::Actor<'_>>,
    user: Uuid,
    flow: &str,
) -> Result<RecoveryLink> {
    let target = crate::ssr::users::get(pool, user)
        .await?
        .ok_or(crate::ssr::Error::NotFound)?;
    let identifier = format!("recovery-{}-{}", target.username, secret::random_token(4));
    let minutes = crate::ssr::settings::load(pool)
        .await?
        .default_token_duration_minutes;
    let mut tx = pool.begin().await?;
    let key = create(
        &mut *tx,
        user,
        Intent::Recovery,
        &identifier,
        None,
        Some(time::Duration::minutes(i64::from(minutes))),
    )
    .await?;
    if let Some(actor) = actor {
        let changes = serde_json::Map::from_iter([
            ("intent".to_string(), serde_json::json!("recovery")),
            ("user".to_string(), serde_json::json!(target.username)),
        ]);
        crate::ssr::audit::record(
            &mut *tx,
            actor,
            crate::ssr::audit::MODEL_CREATED,
            "token",
            user,
            &identifier,
            changes,
        )
        .await?;
    }
    tx.commit().await?;
    let flow = crate::ssr::account::flow_url(flow, "recovery");
    Ok(RecoveryLink {
        path: format!("{flow}?token={key}"),
        valid_minutes: minutes,
    })
}

/// The active user an API token belongs to: the key must match an unexpired token of intent
/// `api`. The lookup is by digest, so the comparison never touches the key itself.
pub async fn api_user(db: impl PgExecutor<'_>, key: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"select t.user_id from tokens t join users u on u.id = t.user_id
            where t.key_hash = $1 and t.intent = 'api' and u.is_active
              and (t.expires_at is null or t.expires_at > now())"#,
        secret::digest(key)
    )
    .fetch_optional(db)
    .await?)
}

/// The active user an app password belongs to (same rules as [`api_user`], intent
/// `app_password`): password stages that list authentik's TokenBackend accept these.
pub async fn app_password_user(db: impl PgExecutor<'_>, key: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"select t.user_id from tokens t join users u on u.id = t.user_id
            where t.key_hash = $1 and t.intent = 'app_password' and u.is_active
              and (t.expires_at is null or t.expires_at > now())"#,
        secret::digest(key)
    )
    .fetch_optional(db)
    .await?)
}
