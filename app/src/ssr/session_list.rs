//! Listing and revoking signed-in sessions (admin: everyone's; portal: one's own), and ending
//! a user's sessions when their credentials change or they are deactivated.
use crate::ssr::audit::{self, Actor};
use crate::ssr::{Error, Result};
use crate::types::activity::SessionRow;
use serde_json::{Map, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Active sessions, most recently seen first; only `user`'s when given.
pub async fn list(
    pool: &PgPool,
    user: Option<Uuid>,
    current: Option<Uuid>,
) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query!(
        r#"select s.id, u.username as "username!: String", host(s.client_ip) as client_ip, s.user_agent,
                  s.last_seen, s.created_at
             from user_sessions s join users u on u.id = s.user_id
            where s.expires_at > now() and ($1::uuid is null or s.user_id = $1)
            order by s.last_seen desc
            limit 500"#,
        user
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| SessionRow {
        current: Some(r.id) == current,
        id: r.id.to_string(),
        username: r.username,
        client_ip: r.client_ip.unwrap_or_default(),
        user_agent: r.user_agent,
        last_seen: rfc3339(r.last_seen),
        created_at: rfc3339(r.created_at),
    })
    .collect())
}

/// Revokes a session: that browser is signed out on its next request. With `owner`, only a
/// session of that user may be revoked.
pub async fn revoke(pool: &PgPool, actor: &Actor<'_>, id: Uuid, owner: Option<Uuid>) -> Result<()> {
    let mut tx = pool.begin().await?;
    let user = sqlx::query_scalar!(
        r#"delete from user_sessions s using users u
            where s.id = $1 and u.id = s.user_id and ($2::uuid is null or s.user_id = $2)
        returning u.username as "username!: String""#,
        id,
        owner
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    record_end(&mut tx, actor, id, &user, None).await?;
    tx.commit().await?;
    crate::ssr::sessions::forget();
    Ok(())
}

/// Why sessions end without anyone revoking them one by one.
pub mod reason {
    pub const PASSWORD_CHANGED: &str = "password changed";
    pub const USER_DEACTIVATED: &str = "user deactivated";
}

/// Ends every session of `user` but `keep` (the browser that made the change, if it is one of
/// theirs), in the caller's transaction: each browser is signed out on its next request, and
/// each ended session is recorded as a revocation is. Returns how many ended.
pub async fn end_for_user(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    user: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<usize> {
    let ended = sqlx::query!(
        r#"delete from user_sessions s using users u
            where s.user_id = $1 and u.id = s.user_id and s.id is distinct from $2::uuid
        returning s.id, u.username as "username!: String""#,
        user,
        keep
    )
    .fetch_all(&mut *tx)
    .await?;
    crate::ssr::sessions::forget();
    for s in &ended {
        record_end(&mut *tx, actor, s.id, &s.username, Some(reason)).await?;
    }
    Ok(ended.len())
}

async fn record_end(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Uuid,
    user: &str,
    reason: Option<&str>,
) -> Result<()> {
    let mut changes = Map::from_iter([("user".to_string(), json!(user))]);
    if let Some(reason) = reason {
        changes.insert("reason".into(), json!(reason));
    }
    audit::record(
        &mut *tx,
        actor,
        audit::MODEL_DELETED,
        "session",
        id,
        user,
        changes,
    )
    .await
}
