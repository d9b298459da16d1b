//! Certificate-key pairs (Admin → System → Certificates): generate self-signed ones, import PEMs,
//! list, download, delete, and warn once before expiry. Private keys are sealed at rest and leave
//! this module only through [`private_key_pem`], for the server's own signing.
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::sealed;
use crate::ssr::events::{self, NewEvent};
use crate::ssr::{Error, Result};
use crate::types::certs::{CertRow, GenerateForm, ImportForm};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use rand::RngCore;
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PublicKeyData};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use serde_json::{Map, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::net::IpAddr;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{
    OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION, OID_SIG_ED25519,
};
use x509_parser::pem::Pem;

/// authentik's name for it, so existing configurations that refer to it keep working.
pub const DEFAULT_NAME: &str = "authentik Self-signed Certificate";
const KEY_PURPOSE: &str = "certificate-key";
const MODEL: &str = "certificate_key_pair";
const MAX_PEM_BYTES: usize = 64 * 1024;
const MAX_SANS: usize = 100;
const WARN_BEFORE_DAYS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa4096,
    EcP256,
    EcP384,
    Ed25519,
}

impl KeyAlgorithm {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "rsa2048" => Self::Rsa2048,
            "rsa4096" => Self::Rsa4096,
            "ec_p256" => Self::EcP256,
            "ec_p384" => Self::EcP384,
            "ed25519" => Self::Ed25519,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa2048",
            Self::Rsa4096 => "rsa4096",
            Self::EcP256 => "ec_p256",
            Self::EcP384 => "ec_p384",
            Self::Ed25519 => "ed25519",
        }
    }

    /// Slow for RSA (seconds for 4096 bits): call from a blocking thread.
    fn new_key(self) -> Result<KeyPair> {
        let rsa_bits = match self {
            Self::Rsa2048 => 2048,
            Self::Rsa4096 => 4096,
            Self::EcP256 => return generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            Self::EcP384 => return generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            Self::Ed25519 => return generate_for(&rcgen::PKCS_ED25519),
        };
        // rcgen's ring backend cannot generate RSA keys, so the rsa crate does and rcgen signs.
        let key =
            rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, rsa_bits).map_err(Error::internal)?;
        let der = key.to_pkcs8_der().map_err(Error::internal)?;
        KeyPair::from_pkcs8_der_and_sign_algo(&der.as_bytes().into(), &rcgen::PKCS_RSA_SHA256)
            .map_err(Error::internal)
    }
}

fn generate_for(alg: &'static rcgen::SignatureAlgorithm) -> Result<KeyPair> {
    KeyPair::generate_for(alg).map_err(Error::internal)
}

/// What we read from a certificate.
#[derive(Clone, Debug)]
pub struct CertInfo {
    /// The subject DN, e.g. "CN=ward".
    pub subject: String,
    pub common_name: String,
    pub sans: Vec<String>,
    /// "rsa", "ec" or "ed25519".
    pub key_type: &'static str,
    pub fingerprint_sha256: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The subject public key (the BIT STRING of the SubjectPublicKeyInfo).
    pub public_key: Vec<u8>,
}

/// Reads the first certificate of a PEM text.
pub fn inspect(pem: &str) -> Option<CertInfo> {
    read_certificates(pem).ok().map(|(info, _)| info)
}

/// Whether `key_pem` is the private key of the certificate in `cert_pem`.
pub fn key_belongs_to(cert_pem: &str, key_pem: &str) -> bool {
    match (inspect(cert_pem), load_key(key_pem)) {
        (Some(info), Ok(key)) => matches(&info, &key),
        _ => false,
    }
}

/// Compares the key itself rather than the whole SubjectPublicKeyInfo: issuers encode the
/// algorithm parameters in more than one valid way (e.g. RSA with or without a NULL).
fn matches(info: &CertInfo, key: &KeyPair) -> bool {
    info.public_key == key.der_bytes()
}

/// Parses every block of a PEM text as a certificate (a chain, leaf first); returns the leaf's
/// metadata and the blocks re-encoded, so nothing but certificates is ever stored or served.
/// The error is the message for the form.
fn read_certificates(text: &str) -> Result<(CertInfo, String), &'static str> {
    const NOT_PEM: &str = "This is not a PEM certificate.";
    let mut leaf = None;
    let mut out = String::new();
    for block in Pem::iter_from_buffer(text.as_bytes()) {
        let block = block.map_err(|_| NOT_PEM)?;
        if block.label != "CERTIFICATE" {
            return Err(NOT_PEM);
        }
        let cert = block.parse_x509().map_err(|_| NOT_PEM)?;
        if leaf.is_none() {
            leaf = Some(describe(&cert, &block.contents)?);
        }
        out.push_str(
            &rsa::pkcs8::der::pem::encode_string(
                "CERTIFICATE",
                rsa::pkcs8::LineEnding::LF,
                &block.contents,
            )
            .map_err(|_| NOT_PEM)?,
        );
    }
    leaf.map(|info| (info, out)).ok_or(NOT_PEM)
}

fn describe(
    cert: &x509_parser::certificate::X509Certificate<'_>,
    der: &[u8],
) -> Result<CertInfo, &'static str> {
    let spki = cert.public_key();
    let alg = &spki.algorithm.algorithm;
    let key_type = if *alg == OID_PKCS1_RSAENCRYPTION {
        "rsa"
    } else if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        "ec"
    } else if *alg == OID_SIG_ED25519 {
        "ed25519"
    } else {
        return Err("Only RSA, EC and Ed25519 certificates are supported.");
    };
    let sans = cert
        .subject_alternative_name()
        .map_err(|_| "The certificate's subject alternative names could not be read.")?
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(san_text)
                .collect()
        })
        .unwrap_or_default();
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        common_name,
        sans,
        key_type,
        fingerprint_sha256: hex::encode(Sha256::digest(der)),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        public_key: spki.subject_public_key.data.to_vec(),
    })
}

fn san_text(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
            Some((*s).to_string())
        }
        GeneralName::IPAddress(b) => match b.len() {
            4 => <[u8; 4]>::try_from(*b)
                .ok()
                .map(|a| IpAddr::from(a).to_string()),
            16 => <[u8; 16]>::try_from(*b)
                .ok()
                .map(|a| IpAddr::from(a).to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// A private key PEM as a key pair: PKCS#8, or PKCS#1 RSA (converted to PKCS#8).
fn load_key(text: &str) -> Result<KeyPair, &'static str> {
    const USE_PKCS8: &str = "Use a PKCS#8 key (BEGIN PRIVATE KEY).";
    let (_, block) = x509_parser::pem::parse_x509_pem(text.as_bytes())
        .map_err(|_| "This is not a PEM private key.")?;
    let pkcs8 = match block.label.as_str() {
        "PRIVATE KEY" => block.contents,
        "RSA PRIVATE KEY" => {
            const UNREADABLE: &str = "This RSA key could not be read.";
            let key =
                rsa::RsaPrivateKey::from_pkcs1_der(&block.contents).map_err(|_| UNREADABLE)?;
            key.to_pkcs8_der()
                .map_err(|_| UNREADABLE)?
                .as_bytes()
                .to_vec()
        }
        // ring reads EC keys only inside PKCS#8; converting SEC1 by hand is not worth the risk.
        "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => return Err(USE_PKCS8),
        _ => return Err("This is not a PEM private key."),
    };
    KeyPair::try_from(pkcs8.as_slice()).map_err(
        |_| "This key could not be read: use RSA (2048 bits or more), EC P-256/P-384 or Ed25519.",
    )
}

/// Splits the SAN list (commas or new lines); each entry must be a DNS name (optionally `*.`) or
/// an IP address. The error names the bad entry.
fn parse_sans(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for entry in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let name = match entry.parse::<IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) if is_dns_name(entry) => entry.to_ascii_lowercase(),
            Err(_) => {
                let shown: String = entry.chars().take(64).collect();
                return Err(format!(
                    "\"{shown}\" is neither a DNS name nor an IP address."
                ));
            }
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    if out.len() > MAX_SANS {
        return Err(format!("At most {MAX_SANS} names."));
    }
    Ok(out)
}

fn is_dns_name(name: &str) -> bool {
    let host = name.strip_prefix("*.").unwrap_or(name);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn check_name(name: &str, errors: &mut FieldErrors) {
    if name.is_empty() || name.chars().count() > 150 {
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
struct Material {
    certificate: String,
    key: String,
}

async fn self_signed(
    alg: KeyAlgorithm,
    common_name: String,
    sans: Vec<String>,
    days: i64,
) -> Result<Material> {
    tokio::task::spawn_blocking(move || {
        let key = alg.new_key()?;
        let mut params = CertificateParams::new(sans).map_err(Error::internal)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name);
        params.distinguished_name = dn;
        let now = OffsetDateTime::now_utc();
        // A minute back, so a verifier whose clock lags a little still accepts it.
        params.not_before = now - Duration::minutes(1);
        params.not_after = now + Duration::days(days);
        let mut serial = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut serial);
        // Positive, with no leading zero byte: encodes as exactly 16 bytes (RFC 5280: at most 20).
        serial[0] = (serial[0] & 0x7f) | 0x40;
        params.serial_number = Some(serial.to_vec().into());
        let cert = params.self_signed(&key).map_err(Error::internal)?;
        Ok(Material {
            certificate: cert.pem(),
            key: key.serialize_pem(),
        })
    })
    .await
    .map_err(Error::internal)?
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms_parse_and_round_trip() {
        for name in ["rsa2048", "rsa4096", "ec_p256", "ec_p384", "ed25519"] {
            let alg = KeyAlgorithm::parse(name).expect(name);
            assert_eq!(alg.as_str(), name);
        }
        for bad in ["", "rsa", "RSA2048", "ec_p521", "ed448", " ed25519"] {
            assert_eq!(KeyAlgorithm::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn sans_accept_dns_names_and_ip_addresses() {
        let sans = parse_sans("example.com, *.Example.com\nlocalhost\r\n10.0.0.1,\n::1, a-b.c0")
            .expect("ok");
        assert_eq!(
            sans,
            [
                "example.com",
                "*.example.com",
                "localhost",
                "10.0.0.1",
                "::1",
                "a-b.c0"
            ]
        );
        assert_eq!(parse_sans("  ,\n ").expect("empty"), Vec::<String>::new());
        assert_eq!(parse_sans("a.com, A.com").expect("dedup"), ["a.com"]);
    }

    #[test]
    fn sans_name_the_bad_entry() {
        for bad in [
            "exa mple.com",
            "under_score.com",
            "*.",
            "a..b",
            ".a",
            "a.",
            "-a.com",
            "a-.com",
            "*.*.a",
            "a*.com",
            "ünï.com",
            "http://a.com",
        ] {
            let err = parse_sans(&format!("ok.com, {bad}")).expect_err(bad);
            assert!(err.contains(bad.trim()), "{bad}: {err}");
        }
        let long_label = "a".repeat(64);
        assert!(parse_sans(&long_label).is_err());
        let many: Vec<String> = (0..=MAX_SANS).map(|i| format!("h{i}.com")).collect();
        assert!(parse_sans(&many.join(",")).is_err());
    }

    #[tokio::test]
    async fn generated_certificate_reads_back() {
        let material = self_signed(
            KeyAlgorithm::EcP256,
            "ward".into(),
            vec!["a.example".into()],
            10,
        )
        .await
        .expect("generate");
        let info = inspect(&material.certificate).expect("parses");
        assert_eq!(info.common_name, "ward");
        assert_eq!(info.subject, "CN=ward");
        assert_eq!(info.sans, ["a.example"]);
        assert_eq!(info.key_type, "ec");
        assert!(key_belongs_to(&material.certificate, &material.key));
        assert!(
            inspect(&material.key).is_none(),
            "a key is not a certificate"
        );
    }

    #[test]
    fn pkcs1_rsa_keys_are_converted_to_pkcs8() {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("rsa");
        let pkcs1 = key.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).expect("pem");
        assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        let pkcs8 = key.to_pkcs8_der().expect("der");
        let expected = KeyPair::try_from(pkcs8.as_bytes()).expect("pkcs8");
        let loaded = load_key(&pkcs1).expect("pkcs1 loads");
        assert_eq!(loaded.der_bytes(), expected.der_bytes());
        assert!(
            loaded
                .serialize_pem()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
    }

    #[test]
    fn sec1_keys_get_a_clear_message() {
        let pem = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(
            load_key(pem).err(),
            Some("Use a PKCS#8 key (BEGIN PRIVATE KEY).")
        );
        assert_eq!(
            load_key("garbage").err(),
            Some("This is not a PEM private key.")
        );
    }
}
