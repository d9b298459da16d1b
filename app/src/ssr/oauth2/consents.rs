//! Consents (authentik's UserConsent): which scopes a user allowed an application, until when.
//! The consent stage reads and writes them; users see and revoke theirs in the portal, admins
//! see them per user.
use crate::ssr::Result;
use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub id: Uuid,
    pub application_slug: String,
    pub application_name: String,
    pub scopes: Vec<String>,
    /// None: until revoked.
    pub expires_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// The scopes `user` allowed `application`, if the consent has not expired.
pub async fn allowed(
    db: impl PgExecutor<'_>,
    user: Uuid,
    application: Uuid,
) -> Result<Option<Vec<String>>> {
    Ok(sqlx::query_scalar!(
        "select scopes from oauth2_consents
          where user_id = $1 and application_id = $2 and (expires_at is null or expires_at > now())",
        user,
        application
    )
    .fetch_optional(db)
    .await?)
}

/// Remembers that `user` allowed `scopes` (with those allowed before) until `expires_in_secs`
/// from now (None: until revoked).
pub async fn remember(
    pool: &PgPool,
    user: Uuid,
    application: Uuid,
    scopes: &[String],
    expires_in_secs: Option<i64>,
) -> Result<()> {
    sqlx::query!(
        r#"insert into oauth2_consents (id, user_id, application_id, scopes, expires_at)
           values ($1, $2, $3, $4, now() + make_interval(secs => $5))
           on conflict (user_id, application_id) do update
              set scopes = array(select distinct unnest(
                      case when oauth2_consents.expires_at is null or oauth2_consents.expires_at > now()
                           then oauth2_consents.scopes else '{}' end || excluded.scopes)),
                  expires_at = excluded.expires_at,
                  created_at = now()"#,
        Uuid::new_v4(),
        user,
        application,
        scopes,
        expires_in_secs.map(|s| s as f64)
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The consents of `user` that are still valid, newest first.
pub async fn list(db: impl PgExecutor<'_>, user: Uuid) -> Result<Vec<Consent>> {
    Ok(sqlx::query_as!(
        Consent,
        r#"select c.id, a.slug as application_slug, a.name as application_name, c.scopes,
                  c.expires_at, c.created_at
             from oauth2_consents c join applications a on a.id = c.application_id
            where c.user_id = $1 and (c.expires_at is null or c.expires_at > now())
            order by c.created_at desc"#,
        user
    )
    .fetch_all(db)
    .await?)
}

/// Revokes a consent of `user`; whether there was one. The next sign-in to the application
/// asks again.
pub async fn revoke(db: impl PgExecutor<'_>, user: Uuid, id: Uuid) -> Result<bool> {
    let done = sqlx::query!(
        "delete from oauth2_consents where id = $1 and user_id = $2",
        id,
        user
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The consents of `user` as the portal and the admin's user page show them.
pub async fn rows(
    db: impl PgExecutor<'_>,
    user: Uuid,
) -> Result<Vec<crate::types::library::ConsentRow>> {
    use time::format_description::well_known::Rfc3339;
    Ok(list(db, user)
        .await?
        .into_iter()
        .map(|c| crate::types::library::ConsentRow {
            id: c.id.to_string(),
            application: c.application_name,
            permissions: super::scopes::described(&c.scopes)
                .into_iter()
                .map(|(_, d)| d)
                .collect(),
            expires: c
                .expires_at
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_default(),
        })
        .collect())
}

/// A consent with whom and what it concerns, for the REST API.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsentRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub user_name: String,
    pub application_id: Uuid,
    pub application_slug: String,
    pub application_name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<OffsetDateTime>,
}

/// Every consent still valid (of `user` when given), oldest first.
pub async fn records(db: impl PgExecutor<'_>, user: Option<Uuid>) -> Result<Vec<ConsentRecord>> {
    Ok(sqlx::query_as!(
        ConsentRecord,
        r#"select c.id, u.id as user_id, u.username::text as "username!", u.name as user_name,
                  a.id as application_id, a.slug as application_slug, a.name as application_name,
                  c.scopes, c.expires_at
             from oauth2_consents c
             join users u on u.id = c.user_id
             join applications a on a.id = c.application_id
            where ($1::uuid is null or c.user_id = $1)
              and (c.expires_at is null or c.expires_at > now())
            order by c.created_at, c.id"#,
        user
    )
    .fetch_all(db)
    .await?)
}
