//! Time-based one-time passwords (RFC 6238 with HMAC-SHA1, 30-second steps, 6 or 8 digits), the
//! codes authenticator apps show. The arithmetic is totp-rs's; what Ward adds is the drift window,
//! the step a code matched (so it is accepted once), and the enrollment URI and QR code.
use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

/// RFC 6238's time step.
pub const STEP: u64 = 30;
/// Steps either side of now that are still accepted (clock drift, RFC 6238 §5.2).
pub const DRIFT: u64 = 1;
/// A new secret: 160 bits, as RFC 4226 recommends for HMAC-SHA1.
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], digits: u8, issuer: &str, account: &str) -> TOTP {
    // An authenticator app splits the label at ':', so neither part may hold one.
    TOTP::new_unchecked(
        Algorithm::SHA1,
        usize::from(digits),
        0,
        STEP,
        secret.to_vec(),
        Some(issuer.replace(':', "")),
        account.replace(':', ""),
    )
}

/// The code for time step `step` (seconds since the epoch / 30).
pub fn code(secret: &[u8], digits: u8, step: u64) -> String {
    totp(secret, digits, "", "").generate(step.saturating_mul(STEP))
}

/// The step `given` is the code of, within the drift window around `now` (Unix seconds); the
/// comparison takes the same time whichever step matches, or none.
pub fn matching_step(secret: &[u8], digits: u8, given: &str, now: u64) -> Option<u64> {
    let given = given.trim().replace(' ', "");
    if given.len() != usize::from(digits) || !given.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP;
    let mut found = None;
    for step in current.saturating_sub(DRIFT)..=current + DRIFT {
        if bool::from(
            code(secret, digits, step)
                .as_bytes()
                .ct_eq(given.as_bytes()),
        ) {
            found = Some(step);
        }
    }
    found
}

/// The secret as people type it (base32, no padding).
pub fn secret_base32(secret: &[u8]) -> String {
    match Secret::Raw(secret.to_vec()).to_encoded() {
        Secret::Encoded(s) => s.trim_end_matches('=').to_string(),
        Secret::Raw(_) => String::new(),
    }
}

/// The `otpauth://totp/…` URI an authenticator app reads from the QR code.
pub fn uri(secret: &[u8], digits: u8, issuer: &str, account: &str) -> String {
    totp(secret, digits, issuer, account).get_url()
}

/// The URI as a QR code, an SVG drawn on the server (no JavaScript needed to show it).
pub fn qr_svg(uri: &str) -> String {
    match QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA1 key is "12345678901234567890"; 8-digit codes.
    const RFC_KEY: &[u8] = b"12345678901234567890";
    const VECTORS: &[(u64, &str)] = &[
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ];

    #[test]
    fn rfc_6238_sha1_test_vectors() {
        for (time, expected) in VECTORS {
            assert_eq!(code(RFC_KEY, 8, time / STEP), *expected, "T = {time}");
            assert_eq!(
                matching_step(RFC_KEY, 8, expected, *time),
                Some(time / STEP)
            );
        }
        // Six digits are the last six of the same value.
        assert_eq!(code(RFC_KEY, 6, 59 / STEP), "287082");
    }

    #[test]
    fn one_step_of_drift_either_way_and_no_more() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let step = now / STEP;
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let s = step.checked_add_signed(offset).expect("step");
            let given = code(&secret, 6, s);
            assert_eq!(
                matching_step(&secret, 6, &given, now),
                accepted.then_some(s),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn malformed_codes_never_match() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let good = code(&secret, 6, now / STEP);
        assert_eq!(matching_step(&secret, 6, &good, now), Some(now / STEP));
        assert_eq!(
            matching_step(&secret, 6, &format!(" {} {}", &good[..3], &good[3..]), now),
            Some(now / STEP)
        );
        for bad in [
            "",
            "12345",
            "1234567",
            "abcdef",
            "12345６",
            &format!("{good}0"),
        ] {
            assert_eq!(matching_step(&secret, 6, bad, now), None, "{bad:?}");
        }
        assert_eq!(
            matching_step(&secret, 8, &good, now),
            None,
            "6 digits for an 8-digit device"
        );
    }

    #[test]
    fn the_uri_and_qr_code_carry_the_secret() {
        let secret = new_secret();
        let uri = uri(&secret, 6, "Ward: home", "jane:doe");
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(
            uri.contains(&format!("secret={}", secret_base32(&secret))),
            "{uri}"
        );
        assert!(uri.contains("issuer=Ward"), "{uri}");
        let svg = qr_svg(&uri);
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    }

    proptest::proptest! {
        /// Whatever a person or a client sends as a code: matched or not, never a panic.
        #[test]
        fn any_code_is_checked_without_panicking(given in ".{0,40}", now in proptest::prelude::any::<u64>()) {
            let secret = [7u8; SECRET_BYTES];
            let _ = matching_step(&secret, 6, &given, now);
            let _ = matching_step(&secret, 8, &given, now);
        }
    }
}
