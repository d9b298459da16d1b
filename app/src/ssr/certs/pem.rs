//! The X.509 and key side of certificate-key pairs: algorithms, parsing PEM, matching a key
//! to its certificate, and making self-signed certificates. No database here.
use super::MAX_SANS;
use crate::ssr::{Error, Result};
use rand::RngCore;
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PublicKeyData};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{
    OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION, OID_SIG_ED25519,
};
use x509_parser::pem::Pem;

/// authentik's name for it, so existing configurations that refer to it keep working.

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

pub(super) fn generate_for(alg: &'static rcgen::SignatureAlgorithm) -> Result<KeyPair> {
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
pub(super) fn matches(info: &CertInfo, key: &KeyPair) -> bool {
    info.public_key == key.der_bytes()
}

/// Parses every block of a PEM text as a certificate (a chain, leaf first); returns the leaf's
/// metadata and the blocks re-encoded, so nothing but certificates is ever stored or served.
/// The error is the message for the form.
pub(super) fn read_certificates(text: &str) -> Result<(CertInfo, String), &'static str> {
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

pub(super) fn describe(
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

pub(super) fn san_text(name: &GeneralName<'_>) -> Option<String> {
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
pub(super) fn load_key(text: &str) -> Result<KeyPair, &'static str> {
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
pub(super) fn parse_sans(text: &str) -> Result<Vec<String>, String> {
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

pub(super) fn is_dns_name(name: &str) -> bool {
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

pub(super) struct Material {
    pub(super) certificate: String,
    pub(super) key: String,
}

pub(super) async fn self_signed(
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

    /// A real certificate and key, DER, for the fuzzing below to damage.
    fn sample_der() -> &'static (Vec<u8>, Vec<u8>) {
        static SAMPLE: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
        SAMPLE.get_or_init(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            let m = rt
                .block_on(self_signed(
                    KeyAlgorithm::EcP256,
                    "ward".into(),
                    vec!["a.example".into(), "10.0.0.1".into()],
                    10,
                ))
                .expect("generate");
            let der = |pem: &str| {
                x509_parser::pem::parse_x509_pem(pem.as_bytes())
                    .expect("pem")
                    .1
                    .contents
            };
            (der(&m.certificate), der(&m.key))
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Damaged certificates and keys, odd labels and plain garbage: an answer or a message
        /// for the form, never a panic.
        #[test]
        fn pem_imports_never_panic(
            use_key in proptest::prelude::any::<bool>(),
            flips in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 0..4),
            keep in proptest::prelude::any::<proptest::sample::Index>(),
            label in proptest::sample::select(vec!["CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "X"]),
            any in proptest::prelude::any::<String>(),
        ) {
            let (cert, key) = sample_der();
            let mut der = if use_key { key.clone() } else { cert.clone() };
            for (at, byte) in flips {
                let i = at.index(der.len());
                der[i] = byte;
            }
            der.truncate(keep.index(der.len() + 1));
            let pem = rsa::pkcs8::der::pem::encode_string(label, rsa::pkcs8::LineEnding::LF, &der)
                .expect("encode");
            for text in [pem.as_str(), any.as_str(), &format!("{pem}{any}")] {
                let _ = read_certificates(text);
                let _ = load_key(text);
                let _ = inspect(text);
                let _ = key_belongs_to(text, text);
                let _ = parse_sans(text);
                let _ = KeyAlgorithm::parse(text);
            }
        }
    }
}
