//! Authorization codes and tokens at rest: only their SHA-256 digests are stored. A code is
//! used once (a second use revokes what the first issued); a refresh token is used once and
//! replaced (a second use revokes its whole family, RFC 9700 §4.14). Every lookup checks that
//! the login session behind the grant is still alive and the user still active.
use app::ssr::Result;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// A new random secret (256 bits, base64url).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub struct NewCode<'a> {
    pub provider: Uuid,
    pub user: Uuid,
    pub session: Option<Uuid>,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub nonce: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub ttl_secs: i64,
}

/// Stores a new code; the code itself, for the redirect.
pub async fn create_code(pool: &PgPool, c: &NewCode<'_>) -> Result<String> {
    let code = new_secret();
    sqlx::query!(
        r#"insert into oauth2_codes (id, code_hash, provider_id, user_id, session_id, redirect_uri,
                                    scopes, nonce, code_challenge, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))"#,
        Uuid::new_v4(),
        digest(&code),
        c.provider,
        c.user,
        c.session,
        c.redirect_uri,
        c.scopes,
        c.nonce,
        c.code_challenge,
        c.ttl_secs as f64
    )
    .execute(pool)
    .await?;
    Ok(code)
}

/// A code taken for exchange.
#[derive(Debug)]
pub struct Code {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// The login session behind it, read in the same statement (None: it has ended).
    pub auth_time: Option<OffsetDateTime>,
    pub amr: Option<Vec<String>>,
}

impl Code {
    /// The login session the code was issued in: None when it was issued without one;
    /// `Err(())` when that session has ended since.
    pub fn login(&self) -> std::result::Result<Option<LoginSession>, ()> {
        match (self.session_id, self.auth_time) {
            (None, _) => Ok(None),
            (Some(_), Some(auth_time)) => Ok(Some(LoginSession {
                auth_time,
                amr: self.amr.clone().unwrap_or_default(),
            })),
            (Some(_), None) => Err(()),
        }
    }
}

pub enum Taken {
    Fresh(Code),
    /// Used before: what it issued is now revoked.
    Reused,
    /// Unknown, expired, or for another client.
    Invalid,
}

/// Takes `code` for `provider` (once), with its login session in the same round trip.
pub async fn take_code(state: &app::ssr::AppState, code: &str, provider: Uuid) -> Result<Taken> {
    let pool = &state.pool;
    let hash = digest(code);
    let row = sqlx::query_as!(
        Code,
        r#"with c as (
             update oauth2_codes set used_at = now()
              where code_hash = $1 and provider_id = $2 and used_at is null and expires_at > now()
          returning id, user_id, session_id, redirect_uri, scopes, nonce, code_challenge)
           select c.id as "id!", c.user_id as "user_id!", c.session_id,
                  c.redirect_uri as "redirect_uri!", c.scopes as "scopes!", c.nonce,
                  c.code_challenge, s.created_at as "auth_time?", s.amr as "amr?"
             from c left join user_sessions s
               on s.id = c.session_id and (s.expires_at is null or s.expires_at > now())"#,
        hash,
        provider
    )
    .fetch_optional(pool)
    .await?;
    if let Some(code) = row {
        return Ok(Taken::Fresh(code));
    }
    let used = sqlx::query_scalar!(
        "select id from oauth2_codes where code_hash = $1 and used_at is not null",
        hash
    )
    .fetch_optional(pool)
    .await?;
    let Some(id) = used else {
        return Ok(Taken::Invalid);
    };
    sqlx::query!(
        "update oauth2_tokens set revoked_at = now()
          where revoked_at is null and family in (select family from oauth2_tokens where code_id = $1)",
        id
    )
    .execute(pool)
    .await?;
    state.oauth2.clear_tokens();
    Ok(Taken::Reused)
}

/// The login session behind a grant: when it was signed in and how (`auth_time`, `amr`), if
/// it is still alive.
pub struct LoginSession {
    pub auth_time: OffsetDateTime,
    pub amr: Vec<String>,
}

pub async fn login_session(pool: &PgPool, id: Uuid) -> Result<Option<LoginSession>> {
    Ok(sqlx::query_as!(
        LoginSession,
        r#"select created_at as auth_time, amr from user_sessions
            where id = $1 and (expires_at is null or expires_at > now())"#,
        id
    )
    .fetch_optional(pool)
    .await?)
}

pub struct NewToken<'a> {
    pub kind: &'static str,
    pub token: &'a str,
    pub provider: Uuid,
    pub user: Uuid,
    pub session: Option<Uuid>,
    pub code: Option<Uuid>,
    pub family: Uuid,
    pub scopes: &'a [String],
    pub ttl_secs: i64,
}

pub async fn store_token(pool: &PgPool, t: &NewToken<'_>) -> Result<()> {
    sqlx::query!(
        r#"insert into oauth2_tokens (id, kind, token_hash, provider_id, user_id, session_id,
                                     code_id, family, scopes, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))"#,
        Uuid::new_v4(),
        t.kind,
        digest(t.token),
        t.provider,
        t.user,
        t.session,
        t.code,
        t.family,
        t.scopes,
        t.ttl_secs as f64
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A live token: not expired, revoked or (refresh) used, its session alive, its user active.
pub use app::ssr::oauth2::cache::LiveToken as Token;

pub async fn live(pool: &PgPool, token: &str) -> Result<Option<Token>> {
    Ok(sqlx::query_as!(
        Token,
        r#"select t.id, t.kind, t.provider_id, p.client_id as "client_id!", t.user_id,
                  t.session_id, t.family, t.scopes, t.expires_at, t.created_at,
                  s.expires_at as "session_expires_at?"
             from oauth2_tokens t
             join providers p on p.id = t.provider_id
             join users u on u.id = t.user_id
             left join user_sessions s on s.id = t.session_id
            where t.token_hash = $1 and t.revoked_at is null and t.expires_at > now()
              and t.used_at is null and u.is_active
              and (t.session_id is null or s.expires_at is null or s.expires_at > now())"#,
        digest(token)
    )
    .fetch_optional(pool)
    .await?)
}

/// `live` for the read-only endpoints (introspection, userinfo), through this process's cache.
/// The grants never use it: they always read the database.
pub async fn live_cached(
    state: &app::ssr::AppState,
    token: &str,
) -> Result<Option<std::sync::Arc<Token>>> {
    let hash = digest(token);
    if let Some(t) = state.oauth2.token(&hash) {
        return Ok(Some(t));
    }
    let found = live(&state.pool, token).await?.map(std::sync::Arc::new);
    if let Some(t) = &found {
        state.oauth2.put_token(hash, t.clone());
    }
    Ok(found)
}

pub enum Refreshed {
    Fresh(Box<Token>),
    /// Used before: its family is now revoked.
    Reused,
    Invalid,
}

/// Uses a refresh token of `provider` (once).
pub async fn use_refresh(
    state: &app::ssr::AppState,
    token: &str,
    provider: Uuid,
) -> Result<Refreshed> {
    let pool = &state.pool;
    // A used refresh token is no longer live: no process may still call it so.
    let refreshed = use_refresh_in(state, pool, token, provider).await;
    state.oauth2.clear_tokens();
    refreshed
}

async fn use_refresh_in(
    state: &app::ssr::AppState,
    pool: &PgPool,
    token: &str,
    provider: Uuid,
) -> Result<Refreshed> {
    let _ = state;
    let Some(found) = live(pool, token).await? else {
        let hash = digest(token);
        let reused = sqlx::query_scalar!(
            "select family from oauth2_tokens
              where token_hash = $1 and kind = 'refresh' and provider_id = $2 and used_at is not null",
            hash,
            provider
        )
        .fetch_optional(pool)
        .await?;
        return Ok(match reused {
            Some(family) => {
                revoke_family(pool, family).await?;
                Refreshed::Reused
            }
            None => Refreshed::Invalid,
        });
    };
    if found.kind != "refresh" || found.provider_id != provider {
        return Ok(Refreshed::Invalid);
    }
    let taken = sqlx::query!(
        "update oauth2_tokens set used_at = now() where id = $1 and used_at is null",
        found.id
    )
    .execute(pool)
    .await?;
    if taken.rows_affected() == 0 {
        // Another request used it at the same moment: that is a reuse too.
        revoke_family(pool, found.family).await?;
        return Ok(Refreshed::Reused);
    }
    Ok(Refreshed::Fresh(Box::new(found)))
}

pub async fn revoke_family(pool: &PgPool, family: Uuid) -> Result<()> {
    sqlx::query!(
        "update oauth2_tokens set revoked_at = now() where family = $1 and revoked_at is null",
        family
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Revokes a token of `provider` (RFC 7009): a refresh token with its whole family, an access
/// token alone. Unknown tokens are no error.
pub async fn revoke(state: &app::ssr::AppState, token: &str, provider: Uuid) -> Result<()> {
    let done = revoke_in(&state.pool, token, provider).await;
    state.oauth2.clear_tokens();
    done
}

async fn revoke_in(pool: &PgPool, token: &str, provider: Uuid) -> Result<()> {
    let row = sqlx::query!(
        "select id, kind, family from oauth2_tokens where token_hash = $1 and provider_id = $2",
        digest(token),
        provider
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(()) };
    if row.kind == "refresh" {
        return revoke_family(pool, row.family).await;
    }
    sqlx::query!(
        "update oauth2_tokens set revoked_at = now() where id = $1 and revoked_at is null",
        row.id
    )
    .execute(pool)
    .await?;
    Ok(())
}
