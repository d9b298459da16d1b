//! authentik's reputation: a score per (identifier, client IP), one down per failed credential
//! check and one up per success, within authentik's default limits. The reputation policy reads
//! it through [`score`].
use super::{Attempt, username_key};
use crate::ssr::Result;
use sqlx::{PgPool, Postgres, Transaction};
use std::net::IpAddr;

/// authentik's default `reputation_lower_limit` / `reputation_upper_limit`.
pub const LOWER: i32 = -5;
pub const UPPER: i32 = 5;

pub(super) async fn update(
    tx: &mut Transaction<'_, Postgres>,
    attempt: Attempt<'_>,
    change: i32,
) -> Result<()> {
    let ip = ipnetwork::IpNetwork::from(attempt.ip.to_canonical());
    sqlx::query!(
        r#"insert into reputation (identifier, ip, score, expires)
           values ($1, $2, greatest($3::int4, least($4::int4, $5::int4)), now() + interval '1 day')
           on conflict (identifier, ip) do update set
             score = greatest($3::int4, least($4::int4, reputation.score + $5::int4)),
             updated = now(),
             expires = now() + interval '1 day'"#,
        username_key(attempt.username),
        ip,
        LOWER,
        UPPER,
        change,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The summed score of unexpired rows matching the IP and/or the identifier (as the reputation
/// policy's `check_ip` / `check_username` choose); 0 when nothing is known.
pub async fn score(pool: &PgPool, ip: Option<IpAddr>, identifier: Option<&str>) -> Result<i64> {
    let ip = ip.map(|ip| ipnetwork::IpNetwork::from(ip.to_canonical()));
    let identifier = identifier.map(username_key);
    let row = sqlx::query_scalar!(
        r#"select coalesce(sum(score), 0)::int8 as "score!" from reputation
            where expires > now()
              and ($1::inet is null or ip = $1)
              and ($2::text is null or identifier = $2)"#,
        ip,
        identifier,
    )
    .fetch_one(pool)
    .await?;
    Ok(row)
}
