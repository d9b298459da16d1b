//! Proxy sessions: what an `authentik_proxy_*` cookie stands for once its browser signed in
//! through the outpost's OAuth code flow. The cookie holds `<id>.<secret>`; the database keeps
//! the secret's SHA-256 only, and the access token the exchange gave sealed.
use crate::ssr::crypto::{sealed, secret};
use crate::ssr::error::Result;
use serde_json::{Map, Value};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

const TOKEN_PURPOSE: &str = "proxy session token";

/// A live proxy session.
#[derive(Clone, Debug)]
pub struct ProxySession {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    /// The claims of the ID token the exchange gave (the headers come from them).
    pub claims: Map<String, Value>,
    /// The access token (`X-authentik-jwt`).
    pub token: String,
    /// The earliest of its own end and its login session's.
    pub expires_at: OffsetDateTime,
}

impl ProxySession {
    pub fn is_live(&self) -> bool {
        self.expires_at > OffsetDateTime::now_utc()
    }
}

/// A session as the forward-auth check caches it: with whether its user may use the
/// application (policies are evaluated once per load, not per request).
#[derive(Clone, Debug)]
pub struct CheckedSession {
    pub session: ProxySession,
    /// Why its user may not use the application (the policies' first message); None: they may.
    pub refused: Option<String>,
}

pub struct NewSession<'a> {
    pub provider_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    pub claims: &'a Map<String, Value>,
    pub token: &'a str,
    pub ttl_secs: i64,
}

/// Stores a session; the cookie value that names it.
pub async fn create(pool: &PgPool, secret_key: &str, s: &NewSession<'_>) -> Result<String> {
    let id = Uuid::new_v4();
    let secret = secret::random_token(32);
    sqlx::query(
        "insert into proxy_sessions
           (id, secret_hash, provider_id, user_id, session_id, claims, sealed_token, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))",
    )
    .bind(id)
    .bind(secret::digest(&secret))
    .bind(s.provider_id)
    .bind(s.user_id)
    .bind(s.session_id)
    .bind(Value::Object(s.claims.clone()))
    .bind(sealed::seal(secret_key, TOKEN_PURPOSE, s.token.as_bytes()))
    .bind(s.ttl_secs as f64)
    .execute(pool)
    .await?;
    Ok(format!("{}.{secret}", id.simple()))
}

/// The id and secret a cookie value holds, if it has the shape `create` gives.
pub fn parse_cookie(value: &str) -> Option<(Uuid, &str)> {
    let (id, secret) = value.split_once('.')?;
    if id.len() != 32 || secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((Uuid::try_parse(id).ok()?, secret))
}

/// The live session a cookie value names, of `provider`: None for anything else (unknown,
/// tampered, expired, another provider's, its user deactivated or its login session ended).
pub async fn load(
    pool: &PgPool,
    secret_key: &str,
    provider: Uuid,
    cookie: &str,
) -> Result<Option<ProxySession>> {
    let Some((id, secret)) = parse_cookie(cookie) else {
        return Ok(None);
    };
    let row = sqlx::query_as::<
        _,
        (
            Vec<u8>,
            Uuid,
            Uuid,
            Option<Uuid>,
            Value,
            Vec<u8>,
            OffsetDateTime,
        ),
    >(
        "select ps.secret_hash, ps.provider_id, ps.user_id, ps.session_id, ps.claims,
                ps.sealed_token,
                least(ps.expires_at, coalesce(us.expires_at, ps.expires_at))
           from proxy_sessions ps
           join users u on u.id = ps.user_id and u.is_active
           left join user_sessions us on us.id = ps.session_id
          where ps.id = $1 and ps.provider_id = $2
            and ps.expires_at > now() and (us.expires_at is null or us.expires_at > now())",
    )
    .bind(id)
    .bind(provider)
    .fetch_optional(pool)
    .await?;
    let Some((hash, provider_id, user_id, session_id, claims, sealed_token, expires_at)) = row
    else {
        return Ok(None);
    };
    if !secret::constant_time_eq(&hash, &secret::digest(secret)) {
        return Ok(None);
    }
    let Value::Object(claims) = claims else {
        return Ok(None);
    };
    let token = String::from_utf8(sealed::open(secret_key, TOKEN_PURPOSE, &sealed_token)?)
        .map_err(crate::ssr::error::Error::internal)?;
    Ok(Some(ProxySession {
        id,
        provider_id,
        user_id,
        session_id,
        claims,
        token,
        expires_at,
    }))
}

/// Ends the session a cookie value names (sign out); whether there was one.
pub async fn end(pool: &PgPool, cookie: &str) -> Result<Option<Uuid>> {
    let Some((id, secret)) = parse_cookie(cookie) else {
        return Ok(None);
    };
    Ok(sqlx::query_scalar::<_, Uuid>(
        "delete from proxy_sessions where id = $1 and secret_hash = $2 returning user_id",
    )
    .bind(id)
    .bind(secret::digest(secret))
    .fetch_optional(pool)
    .await?)
}

/// Deletes sessions past their end (the cleanup job). Nothing is deleted, and no cache-clearing
/// notice sent, when none has ended.
pub async fn delete_expired(pool: &PgPool) -> Result<u64> {
    let any = sqlx::query_scalar::<_, bool>(
        "select exists(select 1 from proxy_sessions where expires_at <= now())",
    )
    .fetch_one(pool)
    .await?;
    if !any {
        return Ok(0);
    }
    Ok(
        sqlx::query("delete from proxy_sessions where expires_at <= now()")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_the_shape_create_gives_parses() {
        let id = Uuid::new_v4();
        let secret = "ab".repeat(32);
        let value = format!("{}.{secret}", id.simple());
        assert_eq!(parse_cookie(&value), Some((id, secret.as_str())));
        assert_eq!(parse_cookie(&format!("{id}.{secret}")), None);
        assert_eq!(
            parse_cookie(&format!("{}.{}", id.simple(), &secret[1..])),
            None
        );
        assert_eq!(parse_cookie(&format!("{}.{secret}z", id.simple())), None);
        assert_eq!(parse_cookie(""), None);
    }

    proptest! {
        #[test]
        fn garbage_cookies_never_panic(value in ".{0,200}") {
            let _ = parse_cookie(&value);
        }
    }
}
