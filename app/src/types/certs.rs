//! Certificate-key pair DTOs (Admin → System → Certificates). No key material ever goes in here:
//! these travel to the browser.
use serde::{Deserialize, Serialize};

/// A new self-signed certificate to generate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerateForm {
    pub name: String,
    /// "rsa2048", "rsa4096", "ec_p256", "ec_p384" or "ed25519".
    pub algorithm: String,
    pub common_name: String,
    /// DNS names or IP addresses, separated by commas or new lines.
    #[serde(default)]
    pub sans: String,
    pub validity_days: i64,
}

/// A certificate (and optionally its private key) pasted as PEM.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportForm {
    pub name: String,
    pub certificate: String,
    /// Empty for a certificate without its key.
    #[serde(default)]
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertRow {
    pub id: String,
    pub name: String,
    pub subject: String,
    pub sans: Vec<String>,
    pub key_type: String,
    /// Lowercase hex, no colons.
    pub fingerprint_sha256: String,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// Whether the private key is stored (a pair may be a certificate only).
    pub has_key: bool,
    /// Whole days until expiry; negative once expired.
    pub expires_in_days: i64,
}
