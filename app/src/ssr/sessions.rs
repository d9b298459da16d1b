//! Browser sessions (tower-sessions on Postgres) and the signed-in user. Each sign-in also gets a
//! row in `user_sessions`, whose id the browser session holds: listing and revoking sessions work
//! on those rows, and a revoked row signs that browser out on its very next request.
use crate::ssr::client::ClientInfo;
use crate::ssr::{Result, users};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::{Expiry, Session};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

const USER_KEY: &str = "ward.user";

tokio::task_local! {
    /// The signed-in user this request already found (`current_user` is asked several times
    /// a request: the guards, the protocol endpoint, the flow and its stages).
    static FOUND: std::cell::RefCell<Option<(SignedIn, users::User)>>;
}

/// Runs one request's handling with its own memory of the signed-in user.
pub async fn remembering<F: std::future::Future>(request: F) -> F::Output {
    FOUND.scope(std::cell::RefCell::new(None), request).await
}

/// Forgets what this request found (a session row was deleted, or a user changed).
pub fn forget() {
    let _ = FOUND.try_with(|found| found.borrow_mut().take());
}
/// A browser session without a configured duration lives this long without activity.
const DEFAULT_IDLE_SECS: i64 = 14 * 24 * 3600;

/// The session store lives in its own schema (`tower_sessions`).
pub fn store(pool: &PgPool) -> PostgresStore {
    PostgresStore::new(pool.clone())
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct SignedIn {
    user: Uuid,
    /// The `user_sessions` row of this sign-in.
    handle: Uuid,
}

/// Signs `user` in if they exist and are active: a new session id (no fixation), a tracked
/// session row (with how the sign-in was proven, OIDC `amr`) and the user's last login, in one
/// statement, then the user. Returns their username; None (nobody signed in) for an inactive
/// or unknown user. `duration_secs` None = until the browser closes.
pub async fn sign_in(
    pool: &PgPool,
    session: &Session,
    user: Uuid,
    client: &ClientInfo,
    duration_secs: Option<i64>,
    amr: &[String],
) -> Result<Option<String>> {
    session.cycle_id().await?;
    let handle = Uuid::new_v4();
    let idle = duration_secs.unwrap_or(DEFAULT_IDLE_SECS);
    let username = sqlx::query_scalar!(
        r#"with u as (update users set last_login = now() where id = $2 and is_active
                      returning id, username::text as username),
                s as (insert into user_sessions (id, user_id, client_ip, user_agent, expires_at, amr)
                      select $1, u.id, $3, $4, now() + make_interval(secs => $5), $6 from u)
           select username as "username!" from u"#,
        handle,
        user,
        ipnetwork::IpNetwork::from(client.ip),
        client.user_agent,
        idle as f64,
        amr
    )
    .fetch_optional(pool)
    .await?;
    if username.is_none() {
        return Ok(None);
    }
    session.insert(USER_KEY, SignedIn { user, handle }).await?;
    session.set_expiry(Some(match duration_secs {
        Some(secs) => Expiry::OnInactivity(tower_sessions::cookie::time::Duration::seconds(secs)),
        None => Expiry::OnSessionEnd,
    }));
    Ok(username)
}

/// Ends the session: its row and its store entry are deleted, the cookie removed.
pub async fn sign_out(pool: &PgPool, session: &Session) -> Result<()> {
    if let Some(s) = session.get::<SignedIn>(USER_KEY).await? {
        sqlx::query!("delete from user_sessions where id = $1", s.handle)
            .execute(pool)
            .await?;
    }
    forget();
    session.flush().await?;
    Ok(())
}

/// The id of this browser's tracked session row, if signed in.
pub async fn handle(session: &Session) -> Result<Option<Uuid>> {
    Ok(session.get::<SignedIn>(USER_KEY).await?.map(|s| s.handle))
}

/// The signed-in user, if the session is still valid (not revoked or expired) and the user active.
pub async fn current_user(pool: &PgPool, session: &Session) -> Result<Option<users::User>> {
    let Some(signed) = session.get::<SignedIn>(USER_KEY).await? else {
        return Ok(None);
    };
    let seen = FOUND
        .try_with(|found| {
            found
                .borrow()
                .as_ref()
                .filter(|(s, _)| s.handle == signed.handle && s.user == signed.user)
                .map(|(_, u)| u.clone())
        })
        .ok()
        .flatten();
    if seen.is_some() {
        return Ok(seen);
    }
    // One round trip: the session row, its staleness and the user (asked several times a request).
    let row = sqlx::query!(
        r#"select s.last_seen < now() - interval '60 seconds' as "stale!",
                  u.id, u.username as "username!: String", u.email as "email: String", u.name,
                  u.is_active
             from user_sessions s join users u on u.id = s.user_id
            where s.id = $1 and s.user_id = $2 and s.expires_at > now()"#,
        signed.handle,
        signed.user
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        // Revoked or expired: forget it, so this browser is anonymous from now on.
        session.remove::<SignedIn>(USER_KEY).await?;
        return Ok(None);
    };
    if row.stale {
        // Activity is recorded at most once a minute per session.
        sqlx::query!(
            r#"update user_sessions
                  set last_seen = now(), expires_at = now() + (expires_at - last_seen)
                where id = $1"#,
            signed.handle
        )
        .execute(pool)
        .await?;
    }
    let user = row.is_active.then_some(users::User {
        id: row.id,
        username: row.username,
        email: row.email,
        name: row.name,
        is_active: row.is_active,
    });
    if let Some(u) = &user {
        let _ = FOUND.try_with(|found| *found.borrow_mut() = Some((signed, u.clone())));
    }
    Ok(user)
}
