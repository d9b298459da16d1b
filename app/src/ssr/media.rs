//! Uploaded images (brand logos, favicons, backgrounds) under `<data dir>/media`.
//! Only PNG, JPEG (recognised by their first bytes) and SVG are kept; SVG is served sandboxed.
use crate::ssr::audit::{self, Actor};
use crate::ssr::{Error, Result};
use crate::types::brands::{Brand, SLOTS};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, json};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub const MAX_UPLOAD: usize = 512 * 1024;
pub const TOO_LARGE: &str = "The file is larger than 512 KiB.";
pub const WRONG_TYPE: &str = "Upload a PNG, JPEG or SVG image.";

/// The media directory inside the data dir.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// The file extension for an image, from its content; None for anything else.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("jpg")
    } else if is_svg(bytes) {
        Some("svg")
    } else {
        None
    }
}

/// UTF-8 text that starts (after an optional XML declaration, comments and a doctype) with an
/// `<svg` element.
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(after) = rest.strip_prefix("<?xml") {
        let Some(end) = after.find("?>") else {
            return false;
        };
        rest = &after[end + 2..];
    }
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return false;
            };
            rest = &after[end + 3..];
        } else if rest
            .as_bytes()
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"<!doctype"))
        {
            let Some(end) = rest.find('>') else {
                return false;
            };
            rest = &rest[end + 1..];
        } else {
            break;
        }
    }
    rest.strip_prefix("<svg").is_some_and(|after| {
        after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_whitespace() || c == '>' || c == '/')
    })
}

/// The most base64 characters `MAX_UPLOAD` bytes can take.
const MAX_ENCODED: usize = MAX_UPLOAD.div_ceil(3) * 4;

fn sextet(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decodes standard or URL-safe base64 (padding and ASCII whitespace ignored).
pub fn decode_base64(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut ended = false;
    for c in input.bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            ended = true;
            continue;
        }
        if ended {
            return None;
        }
        acc = (acc << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    (bits < 6).then_some(out)
}

/// The payload of a base64 string, without a `data:…;base64,` prefix if there is one.
fn payload(data: &str) -> &str {
    match data.strip_prefix("data:").and_then(|d| d.split_once(',')) {
        Some((_, rest)) => rest,
        None => data,
    }
}

/// Checks an upload: its size (from the encoded length first, so a huge body is never decoded)
/// and its type. The bytes and extension, or the error to show.
pub fn check(data_base64: &str) -> std::result::Result<(Vec<u8>, &'static str), &'static str> {
    let data = payload(data_base64);
    let significant = data.bytes().filter(|c| !c.is_ascii_whitespace()).count();
    if significant > MAX_ENCODED + 2 {
        return Err(TOO_LARGE);
    }
    let bytes = decode_base64(data).ok_or(WRONG_TYPE)?;
    if bytes.len() > MAX_UPLOAD {
        return Err(TOO_LARGE);
    }
    let ext = sniff(&bytes).ok_or(WRONG_TYPE)?;
    Ok((bytes, ext))
}

/// Writes the image as `brands/<hex>.<ext>` under the media dir; the relative path.
async fn store(media_dir: &Path, bytes: &[u8], ext: &str) -> Result<String> {
    let rel = format!("brands/{}.{ext}", Uuid::new_v4().simple());
    let full = media_dir.join(&rel);
    if let Some(parent) = full.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(Error::internal)?;
    }
    tokio::fs::write(&full, bytes)
        .await
        .map_err(Error::internal)?;
    Ok(rel)
}

/// Removes a stored file (a relative path as kept in the database); failures are only logged.
pub async fn remove(media_dir: &Path, rel: &str) {
    if !valid_name(rel.strip_prefix("brands/").unwrap_or("")) {
        return;
    }
    if let Err(e) = tokio::fs::remove_file(media_dir.join(rel)).await {
        tracing::warn!(error = %e, path = rel, "could not remove a media file");
    }
}

/// A stored file name: 32 lowercase hex digits and .png, .jpg or .svg.
pub fn valid_name(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    stem.len() == 32
        && stem.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        && matches!(ext, "png" | "jpg" | "svg")
}

/// The Content-Type for a stored file name.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("jpg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Stores an upload in a brand's image slot (`logo`, `favicon` or `background`) and replaces
/// the previous file. Field errors are keyed by the slot.
pub async fn upload_brand_image(
    pool: &PgPool,
    actor: &Actor<'_>,
    media_dir: &Path,
    brand: Uuid,
    slot: &str,
    data_base64: &str,
) -> Result<Saved<Brand>> {
    let Some(slot) = SLOTS.iter().copied().find(|s| *s == slot) else {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "slot".into(),
            "Choose logo, favicon or background.".into(),
        )])));
    };
    let (bytes, ext) = match check(data_base64) {
        Ok(ok) => ok,
        Err(message) => {
            return Ok(Saved::Invalid(FieldErrors::from([(
                slot.into(),
                message.into(),
            )])));
        }
    };
    let Some(before) = crate::ssr::brands::get(pool, brand).await? else {
        return Err(Error::NotFound);
    };
    let rel = store(media_dir, &bytes, ext).await?;
    let mut tx = pool.begin().await?;
    // `slot` is one of SLOTS, so it is a column name.
    let old: Option<Option<String>> = sqlx::query_scalar(&format!(
        "update brands b set {slot} = $1 from brands o where b.id = $2 and o.id = b.id
         returning o.{slot}"
    ))
    .bind(&rel)
    .bind(brand)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(old) = old else {
        drop(tx);
        remove(media_dir, &rel).await;
        return Err(Error::NotFound);
    };
    let changes = Map::from_iter([(slot.to_string(), json!({ "old": old, "new": rel }))]);
    audit::record(
        &mut *tx,
        actor,
        audit::MODEL_UPDATED,
        "brand",
        brand,
        &before.form.domain,
        changes,
    )
    .await?;
    tx.commit().await?;
    if let Some(old) = old {
        remove(media_dir, &old).await;
    }
    let saved = crate::ssr::brands::get(pool, brand)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Saved::Ok(saved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGV sbG8h").as_deref(), Some(&b"hello!"[..]));
        assert!(decode_base64("a*b").is_none());
    }

    #[test]
    fn types_are_sniffed() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some("jpg"));
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<!-- c --><!DOCTYPE svg><svg xmlns=\"x\"/>"),
            Some("svg")
        );
        assert_eq!(sniff(b"<svgfoo>"), None);
        assert_eq!(sniff(b"just text named logo.png"), None);
        assert!(valid_name("0123456789abcdef0123456789abcdef.png"));
        assert!(!valid_name("../etc/passwd.png"));
        assert!(!valid_name("0123456789ABCDEF0123456789abcdef.png"));
    }

    #[test]
    fn oversized_is_refused_before_decoding() {
        let big = "A".repeat(MAX_ENCODED + 100);
        assert_eq!(check(&big).err(), Some(TOO_LARGE));
    }

    /// A multi-byte character across byte 9 once killed the request (slicing inside it).
    #[test]
    fn multibyte_text_is_not_an_image() {
        assert_eq!(sniff("12345678é".as_bytes()), None);
        assert_eq!(sniff("<!-- x -->1234567é".as_bytes()), None);
        assert_eq!(sniff("<!DOCTYPé svg>".as_bytes()), None);
        // base64 of "12345678é", as the upload form sends it.
        assert_eq!(check("MTIzNDU2NzjDqQ==").err(), Some(WRONG_TYPE));
        assert_eq!(
            check("data:image/png;base64,MTIzNDU2NzjDqQ==").err(),
            Some(WRONG_TYPE)
        );
    }

    proptest::proptest! {
        /// Any bytes, any text: sniffing, decoding and checking answer without panicking.
        #[test]
        fn uploads_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            text in "(<\\?xml|<!--|-->|<!doctype|<svg|\\?>|>|é|\u{feff}| |[a-z0-9+/=_-]){0,16}",
            any in proptest::prelude::any::<String>(),
        ) {
            let _ = sniff(&bytes);
            let _ = sniff(text.as_bytes());
            let _ = sniff(any.as_bytes());
            for input in [&text, &any] {
                let _ = check(input);
                let _ = decode_base64(input);
                let _ = valid_name(input);
                let _ = content_type(input);
            }
        }
    }
}
