//! Certificate-key pairs (Admin → System → Certificates): generate self-signed ones, import PEMs,
//! list, download, delete, and warn once before expiry. Private keys are sealed at rest and leave
//! this module only through [`private_key_pem`], for the server's own signing.
mod pem;

use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::sealed;
use crate::ssr::events::{self, NewEvent};
use crate::ssr::{Error, Result};
use crate::types::certs::{CertRow, GenerateForm, ImportForm};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use pem::*;
pub use pem::{CertInfo, KeyAlgorithm, inspect, key_belongs_to};
use serde_json::{Map, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// authentik's name for it, so existing configurations that refer to it keep working.
pub const DEFAULT_NAME: &str = "authentik Self-signed Certificate";
const KEY_PURPOSE: &str = "certificate-key";
const MODEL: &str = "certificate_key_pair";
const MAX_PEM_BYTES: usize = 64 * 1024;
const MAX_SANS: usize = 100;
const WARN_BEFORE_DAYS: i64 = 30;

fn check_name(name: &str, errors: &mut FieldErrors) {
    if name.is_empty() || name.chars().count() > 150 || crate::types::validated::has_nul(name) {
        errors.insert(
            "name".into(),
            "Give the certificate a name of 1 to 150 characters.".into(),
        );
    }
}

const NAME_TAKEN: &str = "A certificate with this name already exists.";

async fn name_taken(pool: &PgPool, name: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, bool>(
        "select exists(select 1 from certificate_key_pairs where name = $1::text::citext)",
    )
    .bind(name)
    .fetch_one(pool)
    .await?)
}

/// A self-signed certificate and its PKCS#8 private key, both PEM.
/// One row to insert.
struct NewPair<'a> {
    name: &'a str,
    certificate: &'a str,
    key_pem: Option<&'a str>,
    key_type: &'a str,
    info: &'a CertInfo,
}

const INSERT: &str = "insert into certificate_key_pairs
    (id, name, certificate_pem, key_sealed, key_type, subject, sans, fingerprint_sha256, not_before, not_after)
    values ($1, $2::text::citext, $3, $4, $5, $6, $7, $8, $9, $10)";

async fn insert(
    db: impl sqlx::PgExecutor<'_>,
    secret_key: &str,
    id: Uuid,
    pair: &NewPair<'_>,
    sql: &str,
) -> std::result::Result<u64, sqlx::Error> {
    let sealed_key = pair
        .key_pem
        .map(|k| sealed::seal(secret_key, KEY_PURPOSE, k.as_bytes()));
    Ok(sqlx::query(sql)
        .bind(id)
        .bind(pair.name)
        .bind(pair.certificate)
        .bind(sealed_key)
        .bind(pair.key_type)
        .bind(&pair.info.subject)
        .bind(&pair.info.sans)
        .bind(&pair.info.fingerprint_sha256)
        .bind(pair.info.not_before)
        .bind(pair.info.not_after)
        .execute(db)
        .await?
        .rows_affected())
}

/// Inserts the pair and, with an actor, its `model_created` event in the same transaction.
async fn store(
    pool: &PgPool,
    secret_key: &str,
    actor: Option<&Actor<'_>>,
    pair: NewPair<'_>,
) -> Result<Saved<String>> {
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    match insert(&mut *tx, secret_key, id, &pair, INSERT).await {
        Err(sqlx::Error::Database(db))
            if db.constraint() == Some("certificate_key_pairs_name_key") =>
        {
            return Ok(invalid("name", NAME_TAKEN));
        }
        other => other?,
    };
    if let Some(actor) = actor {
        let fields = Map::from_iter([
            ("name".to_string(), json!(pair.name)),
            ("algorithm".to_string(), json!(pair.key_type)),
            ("subject".to_string(), json!(pair.info.subject)),
            ("not_after".to_string(), json!(rfc3339(pair.info.not_after))),
        ]);
        let changes = audit::diff(&Map::new(), &fields);
        audit::record(
            &mut *tx,
            actor,
            audit::MODEL_CREATED,
            MODEL,
            id,
            pair.name,
            changes,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Saved::Ok(id.to_string()))
}

fn invalid<T>(field: &str, msg: &str) -> Saved<T> {
    Saved::Invalid(FieldErrors::from([(field.to_string(), msg.to_string())]))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Generates a key and a self-signed certificate for it.
pub async fn generate(
    pool: &PgPool,
    secret_key: &str,
    actor: Option<&Actor<'_>>,
    form: &GenerateForm,
) -> Result<Saved<String>> {
    let mut errors = FieldErrors::new();
    let name = form.name.trim();
    check_name(name, &mut errors);
    let algorithm = KeyAlgorithm::parse(form.algorithm.trim());
    if algorithm.is_none() {
        errors.insert(
            "algorithm".into(),
            "Choose rsa2048, rsa4096, ec_p256, ec_p384 or ed25519.".into(),
        );
    }
    let common_name = form.common_name.trim();
    if common_name.is_empty() || common_name.chars().count() > 64 {
        errors.insert(
            "common_name".into(),
            "Give a common name of 1 to 64 characters.".into(),
        );
    }
    let sans = parse_sans(&form.sans)
        .map_err(|m| errors.insert("sans".into(), m))
        .ok();
    if !(1..=3650).contains(&form.validity_days) {
        errors.insert("validity_days".into(), "Choose 1 to 3650 days.".into());
    }
    // Checked before the (possibly slow) key generation; the constraint still decides races.
    if !errors.contains_key("name") && name_taken(pool, name).await? {
        errors.insert("name".into(), NAME_TAKEN.into());
    }
    let (Some(algorithm), Some(sans), true) = (algorithm, sans, errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let material =
        self_signed(algorithm, common_name.to_string(), sans, form.validity_days).await?;
    let info = inspect(&material.certificate)
        .ok_or_else(|| Error::internal("generated certificate did not parse"))?;
    store(
        pool,
        secret_key,
        actor,
        NewPair {
            name,
            certificate: &material.certificate,
            key_pem: Some(&material.key),
            key_type: algorithm.as_str(),
            info: &info,
        },
    )
    .await
}

/// Imports a PEM certificate (or chain, leaf first) and optionally its private key.
pub async fn import(
    pool: &PgPool,
    secret_key: &str,
    actor: Option<&Actor<'_>>,
    form: &ImportForm,
) -> Result<Saved<String>> {
    const TOO_BIG: &str = "At most 64 KiB.";
    let mut errors = FieldErrors::new();
    let name = form.name.trim();
    check_name(name, &mut errors);
    let cert = if form.certificate.len() > MAX_PEM_BYTES {
        errors.insert("certificate".into(), TOO_BIG.into());
        None
    } else {
        read_certificates(&form.certificate)
            .map_err(|msg| errors.insert("certificate".into(), msg.into()))
            .ok()
    };
    let key = if form.key.trim().is_empty() {
        None
    } else if form.key.len() > MAX_PEM_BYTES {
        errors.insert("key".into(), TOO_BIG.into());
        None
    } else {
        match load_key(&form.key) {
            Ok(key) => Some(key),
            Err(msg) => {
                errors.insert("key".into(), msg.into());
                None
            }
        }
    };
    if let (Some((info, _)), Some(key)) = (&cert, &key)
        && !matches(info, key)
    {
        errors.insert(
            "key".into(),
            "This key does not belong to the certificate.".into(),
        );
    }
    if !errors.contains_key("name") && name_taken(pool, name).await? {
        errors.insert("name".into(), NAME_TAKEN.into());
    }
    let (Some((info, certificate)), true) = (cert, errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let key_pem = key.map(|k| k.serialize_pem());
    store(
        pool,
        secret_key,
        actor,
        NewPair {
            name,
            certificate: &certificate,
            key_pem: key_pem.as_deref(),
            key_type: info.key_type,
            info: &info,
        },
    )
    .await
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: Uuid,
    name: String,
    subject: String,
    sans: Vec<String>,
    key_type: String,
    fingerprint_sha256: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    has_key: bool,
}

/// All pairs, newest first. Never includes key material.
pub async fn list(pool: &PgPool) -> Result<Vec<CertRow>> {
    let rows = sqlx::query_as::<_, ListRow>(
        "select id, name::text as name, subject, sans, key_type, fingerprint_sha256, not_before, not_after,
                key_sealed is not null as has_key
           from certificate_key_pairs order by created_at desc, name",
    )
    .fetch_all(pool)
    .await?;
    let now = OffsetDateTime::now_utc();
    Ok(rows
        .into_iter()
        .map(|r| CertRow {
            id: r.id.to_string(),
            name: r.name,
            subject: r.subject,
            sans: r.sans,
            key_type: r.key_type,
            fingerprint_sha256: r.fingerprint_sha256,
            not_before: rfc3339(r.not_before),
            not_after: rfc3339(r.not_after),
            has_key: r.has_key,
            // Floor, so a certificate that expired an hour ago shows -1, not 0.
            expires_in_days: (r.not_after - now).whole_seconds().div_euclid(86_400),
        })
        .collect())
}

/// `(name, certificate PEM)` for a download.
pub async fn certificate_pem(pool: &PgPool, id: Uuid) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "select name::text, certificate_pem from certificate_key_pairs where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// The PKCS#8 private key PEM, for the server's own signing (SAML, OIDC). Never expose it
/// through an API or a page. None when the pair does not exist or has no key.
pub async fn private_key_pem(pool: &PgPool, secret_key: &str, id: Uuid) -> Result<Option<String>> {
    let sealed_key = sqlx::query_scalar::<_, Option<Vec<u8>>>(
        "select key_sealed from certificate_key_pairs where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .flatten();
    let Some(sealed_key) = sealed_key else {
        return Ok(None);
    };
    let pem = sealed::open(secret_key, KEY_PURPOSE, &sealed_key)?;
    String::from_utf8(pem).map(Some).map_err(Error::internal)
}

pub async fn delete(pool: &PgPool, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    let name = sqlx::query_scalar::<_, String>(
        "delete from certificate_key_pairs where id = $1 returning name::text",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    audit::commit_delete(tx, actor, MODEL, id, name).await
}

/// Creates the default pair (authentik's name) unless it exists. Safe to run on every start of
/// every replica: the insert does nothing when another process got there first.
pub async fn ensure_default(pool: &PgPool, secret_key: &str) -> Result<()> {
    if name_taken(pool, DEFAULT_NAME).await? {
        return Ok(());
    }
    // EC P-256: generated in microseconds, so start-up stays fast.
    let alg = KeyAlgorithm::EcP256;
    let material = self_signed(alg, "ward".into(), Vec::new(), 365).await?;
    let info = inspect(&material.certificate)
        .ok_or_else(|| Error::internal("generated certificate did not parse"))?;
    let pair = NewPair {
        name: DEFAULT_NAME,
        certificate: &material.certificate,
        key_pem: Some(&material.key),
        key_type: alg.as_str(),
        info: &info,
    };
    let sql = format!("{INSERT} on conflict (name) do nothing");
    if insert(pool, secret_key, Uuid::new_v4(), &pair, &sql).await? == 1 {
        tracing::info!(name = DEFAULT_NAME, "created the default certificate");
    }
    Ok(())
}

/// Writes one `certificate_expiring` event for each pair that expires within 30 days and was
/// not warned about yet; returns how many. The update takes row locks, so concurrent runs on
/// several replicas still warn once.
pub async fn check_expiry(pool: &PgPool) -> Result<u64> {
    let mut tx = pool.begin().await?;
    let due = sqlx::query_as::<_, (Uuid, String, OffsetDateTime)>(
        "update certificate_key_pairs set expiry_warned_at = now()
          where not_after < now() + make_interval(days => $1) and expiry_warned_at is null
          returning id, name::text, not_after",
    )
    .bind(i32::try_from(WARN_BEFORE_DAYS).map_err(Error::internal)?)
    .fetch_all(&mut *tx)
    .await?;
    for (id, name, not_after) in &due {
        events::record(
            &mut *tx,
            NewEvent {
                action: events::action::CERTIFICATE_EXPIRING,
                user: None,
                client_ip: None,
                context: json!({ "name": name, "id": id, "not_after": rfc3339(*not_after) }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(due.len() as u64)
}
