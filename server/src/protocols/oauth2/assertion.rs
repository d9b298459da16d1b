//! JWT assertions at the client credentials grant (RFC 7523 §2.2, authentik's "JWT
//! federation"): `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
//! with `client_assertion=<JWT>` (or the JWT as `client_secret`, as authentik allows). The JWT
//! must be a live access token issued by one of the providers the client lists in
//! `jwt_federation_providers`, signed with that provider's key and algorithm (never `none`,
//! never another algorithm), not expired; the new tokens are for the user it was issued to.
//! Like authentik, the audience is not this client (the token was issued to another one).
use super::grants;
use super::keys::{self, Signer};
use super::{Endpoint, errors::OAuthResult};
use app::ssr::providers::clients::{self, OAuthClient};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use uuid::Uuid;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Longer assertions are refused unread (Ward's own access tokens are far shorter).
const MAX_LEN: usize = 16 * 1024;
/// How far `nbf` and `iat` may lie in the future (clocks differ a little).
const SKEW_SECS: i64 = 30;

/// Why an assertion was refused: for the event, never shown to the client in detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    Algorithm,
    Signature,
    Expired,
    NotYetValid,
    Audience,
    /// Not a live access token Ward issued (unknown, revoked, expired, its user inactive).
    Unknown,
    /// Issued by a provider this client does not list in `jwt_federation_providers`.
    NotFederated,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "the client assertion is not a well-formed JWT",
            Self::Algorithm => "the client assertion's algorithm is not its issuer's",
            Self::Signature => "the client assertion's signature does not verify",
            Self::Expired => "the client assertion has no exp or has expired",
            Self::NotYetValid => "the client assertion is not valid yet (nbf or iat)",
            Self::Audience => "the client assertion is not an access token of its issuer",
            Self::Unknown => "the client assertion is not a live token of a Ward provider",
            Self::NotFederated => "the client assertion's provider is not federated",
        }
    }
}

/// The algorithm the header names, when it is one Ward signs with. `none`, unknown algorithms
/// and anything that is not three base64url parts are refused here, before any lookup.
pub fn header_alg(jwt: &str) -> Result<Algorithm, Refusal> {
    if jwt.len() > MAX_LEN || jwt.split('.').count() != 3 {
        return Err(Refusal::Malformed);
    }
    // Extensions that must be understood (`crit`, RFC 7515 §4.1.11): Ward understands none.
    let raw = jwt.split('.').next().unwrap_or_default();
    let json = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| Refusal::Malformed)?;
    match serde_json::from_slice::<Value>(&json) {
        Ok(Value::Object(h)) if !h.contains_key("crit") => {}
        _ => return Err(Refusal::Malformed),
    }
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| Refusal::Malformed)?;
    match header.alg {
        a @ (Algorithm::HS256 | Algorithm::RS256 | Algorithm::ES256) => Ok(a),
        _ => Err(Refusal::Algorithm),
    }
}

/// Verifies the signature with `key` for `alg` only, then the times: `exp` required and in the
/// future, `nbf` and `iat` (when present) not later than now plus a small skew. The claims.
pub fn verify(
    jwt: &str,
    key: &DecodingKey,
    alg: Algorithm,
    now: i64,
) -> Result<Map<String, Value>, Refusal> {
    if header_alg(jwt)? != alg {
        return Err(Refusal::Algorithm);
    }
    let mut v = Validation::new(alg);
    // The times are checked below, strictly; the audience by the caller.
    v.required_spec_claims.clear();
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    let data = jsonwebtoken::decode::<Map<String, Value>>(jwt, key, &v).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        match e.kind() {
            ErrorKind::InvalidSignature => Refusal::Signature,
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => Refusal::Algorithm,
            _ => Refusal::Malformed,
        }
    })?;
    check_times(&data.claims, now)?;
    Ok(data.claims)
}

fn number(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, Refusal> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => match v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)) {
            Some(n) => Ok(Some(n)),
            None => Err(Refusal::Malformed),
        },
    }
}

fn check_times(claims: &Map<String, Value>, now: i64) -> Result<(), Refusal> {
    match number(claims, "exp")? {
        Some(exp) if exp > now => {}
        _ => return Err(Refusal::Expired),
    }
    for name in ["nbf", "iat"] {
        if number(claims, name)?.is_some_and(|t| t > now.saturating_add(SKEW_SECS)) {
            return Err(Refusal::NotYetValid);
        }
    }
    Ok(())
}

/// The key that verifies `issuer`'s tokens: the public half of its signing key, or its client
/// secret for HS256 (none when it has no secret: such a token proves nothing).
fn verifying_key(signer: &Signer, issuer: &OAuthClient) -> Option<DecodingKey> {
    let text = |k: &str| signer.jwk.as_ref()?.get(k)?.as_str();
    match signer.alg {
        Algorithm::HS256 if !issuer.client_secret.is_empty() => {
            Some(DecodingKey::from_secret(issuer.client_secret.as_bytes()))
        }
        Algorithm::RS256 => DecodingKey::from_rsa_components(text("n")?, text("e")?).ok(),
        Algorithm::ES256 => DecodingKey::from_ec_components(text("x")?, text("y")?).ok(),
        _ => None,
    }
}

/// What a verified assertion signs in as.
pub struct Federated {
    pub user: Uuid,
    /// The provider that issued it.
    pub issuer: String,
    pub claims: Map<String, Value>,
}

/// Checks `jwt` for `client`: a live access token of a federated provider, verified with that
/// provider's key. Database failures are errors; everything about the JWT is a refusal.
pub async fn federated(
    ep: &Endpoint<'_>,
    client: &OAuthClient,
    jwt: &str,
) -> OAuthResult<Result<Federated, Refusal>> {
    if let Err(r) = header_alg(jwt) {
        return Ok(Err(r));
    }
    let Some(token) = grants::live(ep.pool, jwt).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    if token.kind != "access" {
        return Ok(Err(Refusal::Unknown));
    }
    let listed = client
        .settings
        .jwt_federation_providers
        .iter()
        .any(|p| p.parse::<Uuid>().ok() == Some(token.provider_id));
    if !listed {
        return Ok(Err(Refusal::NotFederated));
    }
    let Some(issuer) = clients::cached(ep.state, &token.client_id).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    let signer = keys::signer(ep.pool, ep.secret_key, &issuer).await?;
    let Some(key) = verifying_key(&signer, &issuer) else {
        return Ok(Err(Refusal::Signature));
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = match verify(jwt, &key, signer.alg, now) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    if claims.get("aud").and_then(Value::as_str) != Some(issuer.client_id.as_str()) {
        return Ok(Err(Refusal::Audience));
    }
    Ok(Ok(Federated {
        user: token.user_id,
        issuer: issuer.provider_name.clone(),
        claims,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use proptest::prelude::*;
    use serde_json::json;

    const SECRET: &[u8] = b"issuer-secret-0123456789";
    const NOW: i64 = 1_800_000_000;

    fn hs(claims: Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .expect("sign")
    }

    fn key() -> DecodingKey {
        DecodingKey::from_secret(SECRET)
    }

    fn unsigned(header: Value, claims: Value) -> String {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.", part(&header), part(&claims))
    }

    #[test]
    fn a_signed_unexpired_token_verifies() {
        let jwt = hs(json!({ "sub": "a", "exp": NOW + 60, "iat": NOW, "nbf": NOW + 5 }));
        let claims = verify(&jwt, &key(), Algorithm::HS256, NOW).expect("valid");
        assert_eq!(claims["sub"], "a");
    }

    #[test]
    fn times_are_strict() {
        for (claims, refusal) in [
            (json!({ "sub": "a" }), Refusal::Expired),
            (json!({ "exp": NOW }), Refusal::Expired),
            (json!({ "exp": NOW - 1 }), Refusal::Expired),
            (json!({ "exp": "tomorrow" }), Refusal::Malformed),
            (
                json!({ "exp": NOW + 600, "nbf": NOW + 120 }),
                Refusal::NotYetValid,
            ),
            (
                json!({ "exp": NOW + 600, "iat": NOW + 120 }),
                Refusal::NotYetValid,
            ),
            (json!({ "exp": NOW + 600, "iat": [1] }), Refusal::Malformed),
        ] {
            assert_eq!(
                verify(&hs(claims.clone()), &key(), Algorithm::HS256, NOW).expect_err("refused"),
                refusal,
                "{claims}"
            );
        }
    }

    #[test]
    fn wrong_keys_none_and_other_algorithms_are_refused() {
        let claims = json!({ "exp": NOW + 60 });
        let other = DecodingKey::from_secret(b"another secret");
        assert_eq!(
            verify(&hs(claims.clone()), &other, Algorithm::HS256, NOW),
            Err(Refusal::Signature)
        );
        // A tampered payload no longer matches its signature.
        let jwt = hs(claims.clone());
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({ "exp": NOW + 9999 }).to_string());
        parts[1] = &forged;
        assert_eq!(
            verify(&parts.join("."), &key(), Algorithm::HS256, NOW),
            Err(Refusal::Signature)
        );
        // `none`, with or without a signature part.
        let none = unsigned(json!({ "alg": "none", "typ": "JWT" }), claims.clone());
        assert_eq!(header_alg(&none), Err(Refusal::Malformed));
        assert!(verify(&none, &key(), Algorithm::HS256, NOW).is_err());
        assert!(verify(&format!("{none}x"), &key(), Algorithm::HS256, NOW).is_err());
        // HS256 where the issuer signs with RS256: refused before any key is tried (no
        // confusion of a public key with an HMAC secret).
        assert_eq!(
            verify(&hs(claims.clone()), &key(), Algorithm::RS256, NOW),
            Err(Refusal::Algorithm)
        );
        let hs384 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS384),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .expect("sign");
        assert_eq!(header_alg(&hs384), Err(Refusal::Algorithm));
        let crit = unsigned(json!({ "alg": "HS256", "crit": ["b64"] }), claims);
        assert_eq!(header_alg(&crit), Err(Refusal::Malformed));
    }

    #[test]
    fn malformed_input_is_refused() {
        for jwt in [
            "",
            ".",
            "..",
            "a.b.c",
            "a.b",
            "a.b.c.d",
            &"x".repeat(MAX_LEN + 1),
        ] {
            assert!(header_alg(jwt).is_err(), "{jwt}");
            assert!(verify(jwt, &key(), Algorithm::HS256, NOW).is_err(), "{jwt}");
        }
    }

    proptest! {
        #[test]
        fn garbage_assertions_never_panic(raw in ".{0,300}", header in ".{0,80}", body in ".{0,80}") {
            let _ = header_alg(&raw);
            let _ = verify(&raw, &key(), Algorithm::HS256, NOW);
            let made = format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(&header),
                URL_SAFE_NO_PAD.encode(&body),
                URL_SAFE_NO_PAD.encode(&raw)
            );
            let n = URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
            let xy = URL_SAFE_NO_PAD.encode([0x17u8; 32]);
            let rsa = DecodingKey::from_rsa_components(&n, "AQAB").expect("rsa");
            let ec = DecodingKey::from_ec_components(&xy, &xy).expect("ec");
            for (alg, key) in [
                (Algorithm::HS256, key()),
                (Algorithm::RS256, rsa),
                (Algorithm::ES256, ec),
            ] {
                let _ = verify(&made, &key, alg, NOW);
                // The same bytes under each algorithm's header.
                let named = format!(
                    "{}.{}.{}",
                    URL_SAFE_NO_PAD.encode(json!({ "alg": format!("{alg:?}") }).to_string()),
                    URL_SAFE_NO_PAD.encode(&body),
                    URL_SAFE_NO_PAD.encode(&raw)
                );
                let _ = verify(&named, &key, alg, NOW);
            }
            let with_alg = unsigned(json!({ "alg": header, "typ": "JWT" }), json!({ "exp": body }));
            let _ = verify(&with_alg, &key(), Algorithm::HS256, NOW);
        }

        #[test]
        fn any_claims_signed_verify_or_refuse_cleanly(exp in proptest::num::i64::ANY, iat in proptest::num::f64::ANY) {
            let jwt = hs(json!({ "exp": exp, "iat": iat }));
            let out = verify(&jwt, &key(), Algorithm::HS256, NOW);
            if exp <= NOW {
                prop_assert!(out.is_err());
            }
        }
    }
}
