//! The keys a provider signs its tokens with: the certificate-key pair it names (RS256 for RSA,
//! ES256 for P-256), or none, in which case HS256 with the client secret (as authentik). Keys
//! are read, opened and parsed once a minute at most, not at every token.
use app::ssr::certs;
use app::ssr::providers::clients::OAuthClient;
use app::ssr::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A key that signs: its algorithm, key id and the public half as a JWK (none for HS256).
pub struct Signer {
    pub alg: Algorithm,
    pub kid: Option<String>,
    key: EncodingKey,
    pub jwk: Option<Value>,
}

impl Signer {
    pub fn sign(&self, claims: &Value) -> Result<String> {
        let mut header = Header::new(self.alg);
        header.kid = self.kid.clone();
        jsonwebtoken::encode(&header, claims, &self.key).map_err(Error::internal)
    }

    /// Signs with a `typ` other than JWT (a back-channel logout token is `logout+jwt`).
    pub fn sign_typed(&self, claims: &Value, typ: &str) -> Result<String> {
        let mut header = Header::new(self.alg);
        header.kid = self.kid.clone();
        header.typ = Some(typ.to_string());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(Error::internal)
    }

    pub fn alg_name(&self) -> &'static str {
        match self.alg {
            Algorithm::RS256 => "RS256",
            Algorithm::ES256 => "ES256",
            _ => "HS256",
        }
    }
}

const CACHE_FOR: Duration = Duration::from_secs(60);
/// Signers by key pair, with when they were loaded.
type Cache = HashMap<Uuid, (Instant, Arc<Signer>)>;
static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The signer of `client`'s tokens.
pub async fn signer(pool: &PgPool, secret_key: &str, client: &OAuthClient) -> Result<Arc<Signer>> {
    let Some(pair) = client
        .settings
        .signing_key
        .as_deref()
        .and_then(|k| k.parse::<Uuid>().ok())
    else {
        let secret = client.client_secret.as_bytes();
        return Ok(Arc::new(Signer {
            alg: Algorithm::HS256,
            kid: None,
            key: EncodingKey::from_secret(secret),
            jwk: None,
        }));
    };
    if let Ok(cache) = CACHE.lock()
        && let Some((at, s)) = cache.get(&pair)
        && at.elapsed() < CACHE_FOR
    {
        return Ok(s.clone());
    }
    let signer = Arc::new(load(pool, secret_key, pair).await?);
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(pair, (Instant::now(), signer.clone()));
    }
    Ok(signer)
}

async fn load(pool: &PgPool, secret_key: &str, pair: Uuid) -> Result<Signer> {
    let missing = || Error::internal(format!("signing key {pair} is gone or has no private key"));
    let (_, cert_pem) = certs::certificate_pem(pool, pair)
        .await?
        .ok_or_else(missing)?;
    let key_pem = certs::private_key_pem(pool, secret_key, pair)
        .await?
        .ok_or_else(missing)?;
    from_pems(&cert_pem, &key_pem)
}

/// A signer from a certificate and its PKCS#8 private key.
pub fn from_pems(cert_pem: &str, key_pem: &str) -> Result<Signer> {
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).map_err(Error::internal)?;
    let cert = pem.parse_x509().map_err(Error::internal)?;
    let der = pem.contents.clone();
    // authentik's kid: base64url SHA-512 of the private key's PEM text.
    let kid = URL_SAFE_NO_PAD.encode(sha2::Sha512::digest(key_pem.as_bytes()));
    let x5c = STANDARD.encode(&der);
    let x5t = URL_SAFE_NO_PAD.encode(sha1_smol_digest(&der));
    let x5t256 = URL_SAFE_NO_PAD.encode(Sha256::digest(&der));
    use x509_parser::public_key::PublicKey;
    let public = cert.public_key().parsed().map_err(Error::internal)?;
    let (alg, jwk, key) = match public {
        PublicKey::RSA(rsa) => {
            let n = URL_SAFE_NO_PAD.encode(strip_zeros(rsa.modulus));
            let e = URL_SAFE_NO_PAD.encode(strip_zeros(rsa.exponent));
            let jwk = json!({ "alg": "RS256", "kid": kid, "kty": "RSA", "use": "sig",
                "n": n, "e": e, "x5c": [x5c], "x5t": x5t, "x5t#S256": x5t256 });
            let key = EncodingKey::from_rsa_pem(key_pem.as_bytes()).map_err(Error::internal)?;
            (Algorithm::RS256, jwk, key)
        }
        PublicKey::EC(point) if point.data().len() == 65 && point.data()[0] == 4 => {
            let data = point.data();
            let x = URL_SAFE_NO_PAD.encode(&data[1..33]);
            let y = URL_SAFE_NO_PAD.encode(&data[33..]);
            let jwk = json!({ "alg": "ES256", "kid": kid, "kty": "EC", "use": "sig",
                "x": x, "y": y, "crv": "P-256", "x5c": [x5c], "x5t": x5t, "x5t#S256": x5t256 });
            let key = EncodingKey::from_ec_pem(key_pem.as_bytes()).map_err(Error::internal)?;
            (Algorithm::ES256, jwk, key)
        }
        _ => {
            return Err(Error::internal(
                "signing keys must be RSA or ECDSA P-256".to_string(),
            ));
        }
    };
    Ok(Signer {
        alg,
        kid: Some(kid),
        key,
        jwk: Some(jwk),
    })
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    &b[start..]
}

/// SHA-1 of the certificate, for `x5t` only (a thumbprint, not a signature).
fn sha1_smol_digest(data: &[u8]) -> [u8; 20] {
    sha1::Sha1::digest(data).into()
}
