//! The sign-in throttle: every credential check goes through [`check`] (password stage and
//! password change today; MFA, LDAP bind, token endpoint and RADIUS later). Failures are counted
//! per username and per client IP in Postgres, so replicas share them, and earn a growing delay
//! ([`delay`]) instead of a lock. The same check keeps authentik's reputation scores
//! ([`reputation`]).
pub mod delay;
pub mod reputation;

use crate::ssr::Result;
use sqlx::PgPool;
use std::future::Future;
use std::net::IpAddr;

/// Who is trying: the username as typed (known or not) and the client's address.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub username: &'a str,
    pub ip: IpAddr,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid,
    /// Not checked: this many seconds must pass first.
    Wait(u64),
}

/// Runs `verify` unless the username or the IP must still wait, and counts the result.
/// `verify` is not polled at all while a delay runs, so a throttled guess costs no hashing.
pub async fn check(
    pool: &PgPool,
    attempt: Attempt<'_>,
    verify: impl Future<Output = Result<bool>>,
) -> Result<Verdict> {
    let wait = waiting(pool, attempt).await?;
    if wait > 0 {
        return Ok(Verdict::Wait(wait));
    }
    if verify.await? {
        succeeded(pool, attempt).await?;
        Ok(Verdict::Valid)
    } else {
        failed(pool, attempt).await?;
        Ok(Verdict::Invalid)
    }
}

/// `check` for machine secrets (OAuth2 client secrets, app passwords) that are cheap to compare
/// and asked for thousands of times a second: a success costs no database round trip unless
/// this process saw the username or the IP fail lately; every failure is counted in the
/// database as `check` counts it, and a delay it imposes is honoured.
pub async fn check_secret(pool: &PgPool, attempt: Attempt<'_>, valid: bool) -> Result<Verdict> {
    let suspect = recent::failed_lately(attempt);
    if suspect || !valid {
        let wait = waiting(pool, attempt).await?;
        if wait > 0 {
            if !valid {
                failed(pool, attempt).await?;
            }
            return Ok(Verdict::Wait(wait));
        }
    }
    if valid {
        if suspect {
            succeeded(pool, attempt).await?;
            recent::forget(attempt);
        }
        return Ok(Verdict::Valid);
    }
    recent::note(attempt);
    failed(pool, attempt).await?;
    Ok(Verdict::Invalid)
}

/// Which usernames and IPs failed in this process within the last decay period.
mod recent {
    use super::{Attempt, ip_key, username_key};
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    use std::time::{Duration, Instant};

    const KEEP: Duration = Duration::from_secs(4 * super::delay::DECAY_SECS as u64);
    const MAX: usize = 100_000;
    static FAILED: LazyLock<Mutex<HashMap<String, Instant>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));

    fn keys(a: Attempt<'_>) -> [String; 2] {
        [
            format!("u:{}", username_key(a.username)),
            format!("i:{}", ip_key(a.ip)),
        ]
    }

    pub fn failed_lately(a: Attempt<'_>) -> bool {
        let Ok(map) = FAILED.lock() else { return true };
        if map.is_empty() {
            return false;
        }
        keys(a)
            .iter()
            .any(|k| map.get(k).is_some_and(|t| t.elapsed() < KEEP))
    }

    pub fn note(a: Attempt<'_>) {
        if let Ok(mut map) = FAILED.lock() {
            if map.len() >= MAX {
                map.retain(|_, t| t.elapsed() < KEEP);
            }
            let now = Instant::now();
            for k in keys(a) {
                map.insert(k, now);
            }
        }
    }

    pub fn forget(a: Attempt<'_>) {
        if let Ok(mut map) = FAILED.lock() {
            map.remove(&keys(a)[0]);
        }
    }
}

/// The message for a refused attempt, beside the field that was refused.
pub fn wait_message(seconds: u64) -> String {
    let when = match seconds {
        0..=1 => "a second".to_string(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    };
    format!("Too many failed sign-in attempts. Try again in {when}.")
}

/// Usernames compare case-insensitively, as sign-in does; a long one is cut so the key stays small.
pub fn username_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(150).collect()
}

/// IPv6 clients are counted per /64: one host usually holds a whole /64.
pub fn ip_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

/// Seconds the attempt must still wait: the longer of the username's and the IP's delays.
async fn waiting(pool: &PgPool, attempt: Attempt<'_>) -> Result<u64> {
    let rows = sqlx::query!(
        r#"select scope, failures,
                  extract(epoch from now() - last_failure)::float8 as "elapsed!"
             from throttle_counters
            where (scope = 'username' and key = $1) or (scope = 'ip' and key = $2)"#,
        username_key(attempt.username),
        ip_key(attempt.ip),
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let rule = if r.scope == "ip" {
                delay::IP
            } else {
                delay::USERNAME
            };
            rule.remaining(r.failures.max(0) as u32, r.elapsed)
        })
        .max()
        .unwrap_or(0))
}

async fn failed(pool: &PgPool, attempt: Attempt<'_>) -> Result<()> {
    let mut tx = pool.begin().await?;
    // Decay happens here, where the count grows: one failure forgiven per quiet DECAY_SECS.
    sqlx::query!(
        r#"insert into throttle_counters (scope, key, failures, last_failure)
           values ('username', $1, 1, now()), ('ip', $2, 1, now())
           on conflict (scope, key) do update set
             failures = greatest(0, throttle_counters.failures
                 - floor(extract(epoch from now() - throttle_counters.last_failure)::float8 / $3::float8)::int) + 1,
             last_failure = now()"#,
        username_key(attempt.username),
        ip_key(attempt.ip),
        delay::DECAY_SECS,
    )
    .execute(&mut *tx)
    .await?;
    reputation::update(&mut tx, attempt, -1).await?;
    tx.commit().await?;
    Ok(())
}

/// Success clears the username's count (its owner is back); the IP's stays, so an attacker cannot
/// wipe it by signing in to an account of their own between guesses.
async fn succeeded(pool: &PgPool, attempt: Attempt<'_>) -> Result<()> {
    // One statement (atomic, one round trip): every sign-in takes this path.
    let ip = ipnetwork::IpNetwork::from(attempt.ip.to_canonical());
    sqlx::query!(
        r#"with cleared as (
             delete from throttle_counters where scope = 'username' and key = $1
           )
           insert into reputation (identifier, ip, score, expires)
           values ($1, $2, greatest($3::int4, least($4::int4, 1)), now() + interval '1 day')
           on conflict (identifier, ip) do update set
             score = greatest($3::int4, least($4::int4, reputation.score + 1)),
             updated = now(),
             expires = now() + interval '1 day'"#,
        username_key(attempt.username),
        ip,
        reputation::LOWER,
        reputation::UPPER,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets counts that have long decayed and expired reputation (the hourly cleanup job).
pub async fn forget_old(pool: &PgPool) -> Result<()> {
    sqlx::query!("delete from throttle_counters where last_failure < now() - interval '1 day'")
        .execute(pool)
        .await?;
    sqlx::query!("delete from reputation where expires < now()")
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(username_key("  AkAdmin "), "akadmin");
        assert_eq!(username_key(&"x".repeat(500)).len(), 150);
        assert_eq!(ip_key("192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(ip_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(
            ip_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn messages() {
        assert_eq!(
            wait_message(1),
            "Too many failed sign-in attempts. Try again in a second."
        );
        assert!(wait_message(42).ends_with("in 42 seconds."));
        assert!(wait_message(300).ends_with("in 5 minutes."));
    }
}
