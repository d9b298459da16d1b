//! The MFA devices users enrolled (`mfa_devices`): what the validate stage offers and checks,
//! what the portal and the admin list.
use crate::ssr::Result;
use crate::ssr::crypto::sealed;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::mfa::{recovery_codes, webauthn};
use crate::types::mfa::DeviceRow;
use sqlx::{PgConnection, PgExecutor, PgPool};
use std::net::IpAddr;
use uuid::Uuid;

/// What a TOTP secret is sealed for: a blob sealed for anything else cannot be opened as one.
const TOTP_PURPOSE: &str = "mfa-totp-secret";

pub struct TotpDevice {
    pub id: Uuid,
    pub secret: Vec<u8>,
    pub digits: u8,
}

/// The device classes `user` has enrolled, in authentik's names, without repeats.
pub async fn classes(db: impl PgExecutor<'_>, user: Uuid) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "select distinct class from mfa_devices where user_id = $1 order by class",
        user
    )
    .fetch_all(db)
    .await?)
}

/// Enrolls a TOTP device whose first code was just checked.
pub async fn add_totp(
    db: impl PgExecutor<'_>,
    secret_key: &str,
    user: Uuid,
    name: &str,
    secret: &[u8],
    digits: u8,
    first_step: u64,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let sealed = sealed::seal(secret_key, TOTP_PURPOSE, secret);
    sqlx::query!(
        "insert into mfa_devices (id, user_id, class, name, secret, digits, last_step, last_used)
         values ($1, $2, 'totp', $3, $4, $5, $6, now())",
        id,
        user,
        name,
        sealed,
        i16::from(digits),
        i64::try_from(first_step).unwrap_or(i64::MAX),
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// Enrolls an email address whose first code was just entered.
pub async fn add_email(
    db: impl PgExecutor<'_>,
    user: Uuid,
    name: &str,
    email: &str,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into mfa_devices (id, user_id, class, name, email, last_used)
         values ($1, $2, 'email', $3, $4, now())",
        id,
        user,
        name,
        email
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// `user`'s email devices and their addresses, oldest first.
pub async fn email_devices(db: impl PgExecutor<'_>, user: Uuid) -> Result<Vec<(Uuid, String)>> {
    let rows = sqlx::query!(
        "select id, email from mfa_devices
         where user_id = $1 and class = 'email' and email is not null order by created, id",
        user
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.id, r.email?)))
        .collect())
}

/// Notes that `device` (of `user`) just passed; false when it is gone (removed meanwhile).
pub async fn mark_used(db: impl PgExecutor<'_>, user: Uuid, device: Uuid) -> Result<bool> {
    let done = sqlx::query!(
        "update mfa_devices set last_used = now() where id = $1 and user_id = $2",
        device,
        user
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Enrolls a WebAuthn credential; None when that credential is enrolled already (anyone's).
pub async fn add_webauthn(
    db: impl PgExecutor<'_>,
    user: Uuid,
    name: &str,
    passkey: &webauthn_rs::prelude::Passkey,
) -> Result<Option<Uuid>> {
    let (credential, credential_id) =
        webauthn::stored(passkey).map_err(|e| crate::ssr::Error::internal(e.0))?;
    let id = Uuid::new_v4();
    let added = sqlx::query!(
        "insert into mfa_devices (id, user_id, class, name, credential, credential_id, last_used)
         values ($1, $2, 'webauthn', $3, $4, $5, now())
         on conflict (credential_id) where credential_id is not null do nothing",
        id,
        user,
        name,
        credential,
        credential_id
    )
    .execute(db)
    .await?;
    Ok((added.rows_affected() == 1).then_some(id))
}

/// `user`'s WebAuthn credentials, oldest first.
pub async fn webauthn_devices(
    db: impl PgExecutor<'_>,
    user: Uuid,
) -> Result<Vec<(Uuid, webauthn_rs::prelude::Passkey)>> {
    let rows = sqlx::query!(
        "select id, credential from mfa_devices
         where user_id = $1 and class = 'webauthn' and credential is not null order by created, id",
        user
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.id, webauthn::parse_stored(&r.credential?)?)))
        .collect())
}

/// The WebAuthn credential of this id: its device, owner and key.
pub async fn webauthn_by_credential(
    db: impl PgExecutor<'_>,
    credential_id: &[u8],
) -> Result<Option<(Uuid, Uuid, webauthn_rs::prelude::Passkey)>> {
    let row = sqlx::query!(
        "select id, user_id, credential from mfa_devices
         where credential_id = $1 and class = 'webauthn'",
        credential_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| Some((r.id, r.user_id, webauthn::parse_stored(&r.credential?)?))))
}

/// Stores a credential's state after it signed in (its counter); false when it is gone.
pub async fn update_webauthn(
    db: impl PgExecutor<'_>,
    device: Uuid,
    passkey: &webauthn_rs::prelude::Passkey,
) -> Result<bool> {
    let (credential, _) =
        webauthn::stored(passkey).map_err(|e| crate::ssr::Error::internal(e.0))?;
    let done = sqlx::query!(
        "update mfa_devices set credential = $2, last_used = now() where id = $1",
        device,
        credential
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Enrolls a set of recovery codes (their digests) as one device.
pub async fn add_static(pool: &PgPool, user: Uuid, name: &str, codes: &[String]) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into mfa_devices (id, user_id, class, name) values ($1, $2, 'static', $3)",
        id,
        user,
        name
    )
    .execute(&mut *tx)
    .await?;
    let digests: Vec<Vec<u8>> = codes.iter().map(|c| recovery_codes::digest(c)).collect();
    sqlx::query!(
        "insert into mfa_static_tokens (device_id, token_hash) select $1, unnest($2::bytea[])
         on conflict do nothing",
        id,
        &digests
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Spends one of `user`'s recovery codes: true when `given` was one (it is gone now).
pub async fn use_recovery_code(pool: &PgPool, user: Uuid, given: &str) -> Result<bool> {
    let used = sqlx::query_scalar!(
        "delete from mfa_static_tokens t using mfa_devices d
         where t.device_id = d.id and d.user_id = $1 and d.class = 'static' and t.token_hash = $2
         returning d.id",
        user,
        recovery_codes::digest(given)
    )
    .fetch_optional(pool)
    .await?;
    let Some(device) = used else {
        return Ok(false);
    };
    sqlx::query!(
        "update mfa_devices set last_used = now() where id = $1",
        device
    )
    .execute(pool)
    .await?;
    Ok(true)
}

/// `user`'s TOTP devices, secrets opened.
pub async fn totp_devices(pool: &PgPool, secret_key: &str, user: Uuid) -> Result<Vec<TotpDevice>> {
    let rows = sqlx::query!(
        "select id, secret, digits from mfa_devices
         where user_id = $1 and class = 'totp' and secret is not null order by created",
        user
    )
    .fetch_all(pool)
    .await?;
    let mut devices = Vec::with_capacity(rows.len());
    for row in rows {
        let (Some(sealed), Some(digits)) = (row.secret, row.digits) else {
            continue;
        };
        devices.push(TotpDevice {
            id: row.id,
            secret: sealed::open(secret_key, TOTP_PURPOSE, &sealed)?,
            digits: u8::try_from(digits).unwrap_or(6),
        });
    }
    Ok(devices)
}

/// Records that `device` accepted the code of `step`, unless that step or a later one was
/// accepted before: false then, so a code (or an older one) is never good twice (RFC 6238 §5.2).
pub async fn accept_step(db: impl PgExecutor<'_>, device: Uuid, step: u64) -> Result<bool> {
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let done = sqlx::query!(
        "update mfa_devices set last_step = $2, last_used = now()
         where id = $1 and (last_step is null or last_step < $2)",
        device,
        step
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `user`'s devices, oldest first (no secrets).
pub async fn list(pool: &PgPool, user: Uuid) -> Result<Vec<DeviceRow>> {
    let rows = sqlx::query!(
        "select id, class, name, created, last_used from mfa_devices
         where user_id = $1 order by created, id",
        user
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeviceRow {
            id: r.id.to_string(),
            class: r.class,
            name: r.name,
            created: rfc3339(r.created),
            last_used: r.last_used.map(rfc3339),
        })
        .collect())
}

/// Removes one of `user`'s devices (`device`), or all of them (None: the person enrolls again),
/// each recorded as `mfa_removed` (`by` an admin, if not the user). How many went.
pub async fn remove(
    pool: &PgPool,
    user: (Uuid, &str),
    ip: IpAddr,
    device: Option<Uuid>,
    by: Option<&str>,
) -> Result<usize> {
    let mut tx = pool.begin().await?;
    let removed = remove_in(&mut tx, user, ip, device, by).await?;
    tx.commit().await?;
    Ok(removed)
}

/// [`remove`] inside a transaction (the REST API and blueprints).
pub async fn remove_in(
    tx: &mut PgConnection,
    user: (Uuid, &str),
    ip: IpAddr,
    device: Option<Uuid>,
    by: Option<&str>,
) -> Result<usize> {
    let removed = sqlx::query!(
        "delete from mfa_devices where user_id = $1 and ($2::uuid is null or id = $2)
         returning id, class, name",
        user.0,
        device
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in &removed {
        events::record(
            &mut *tx,
            NewEvent {
                action: action::MFA_REMOVED,
                user: Some(user),
                client_ip: Some(ip),
                context: serde_json::json!({ "class": row.class, "device": row.id, "name": row.name, "by": by, "reset": device.is_none() }),
            },
        )
        .await?;
    }
    Ok(removed.len())
}
