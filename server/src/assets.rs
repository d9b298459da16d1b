//! The browser's files under `/pkg/`: the WebAssembly chunks, their JavaScript and the CSS.
//!
//! A release build (`cargo leptos build --release --split --precompress`) names each file after
//! a hash of its content and writes `.br` and `.gz` copies beside it; `hash.txt` next to the
//! binary maps the entry files to their hashes. Hashed files never change under their name, so
//! they are cached for a year; anything else is revalidated on each use.
use axum::http::{HeaderValue, Request, header};
use axum::response::Response;
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use tower::ServiceExt;
use tower_http::services::ServeDir;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// `hash.txt` beside the running binary, when this is a hashed build.
pub fn hash_file() -> Option<PathBuf> {
    let path = std::env::current_exe().ok()?.parent()?.join("hash.txt");
    path.is_file().then_some(path)
}

/// The options Leptos renders with: hashed names only when the build wrote them.
pub fn leptos_options(site_root: String) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("ward")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .hash_files(hash_file().is_some())
        .build()
}

/// The stylesheet's URL, for pages rendered outside Leptos.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    let hash = options
        .hash_files
        .then(hash_file)
        .flatten()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| entry_hash(&text, "css"));
    match hash {
        Some(h) => format!("/{}/{}.{h}.css", options.site_pkg_dir, options.output_name),
        None => format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
    }
}

/// The flow client's files (`scripts/flow-client.sh` builds them): hashed names from the
/// `flow-js` and `flow-wasm` lines it adds to `hash.txt`, else plain `flow.js` and `flow.wasm`.
/// None when they are not in the site, so flow pages stay plain forms.
pub fn flow_client(options: &LeptosOptions) -> Option<app::app::FlowClient> {
    let hashes = options
        .hash_files
        .then(hash_file)
        .flatten()
        .and_then(|path| std::fs::read_to_string(path).ok());
    let pkg = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let Some((js, wasm)) = flow_client_files(&pkg, hashes.as_deref()) else {
        tracing::warn!("the flow client is not built: flow pages are served as plain forms");
        return None;
    };
    let url = |file: &str| format!("/{}/{file}", options.site_pkg_dir);
    Some(app::app::FlowClient {
        js: url(&js),
        wasm: url(&wasm),
    })
}

/// The flow client's file names in `pkg`, when both are there.
fn flow_client_files(pkg: &Path, hashes: Option<&str>) -> Option<(String, String)> {
    let name = |kind: &str, ext: &str| match hashes {
        Some(text) => entry_hash(text, kind).map(|h| format!("flow.{h}.{ext}")),
        None => Some(format!("flow.{ext}")),
    };
    let (js, wasm) = (name("flow-js", "js")?, name("flow-wasm", "wasm")?);
    (pkg.join(&js).is_file() && pkg.join(&wasm).is_file()).then_some((js, wasm))
}

/// The hash `hash.txt` gives the entry file of kind `kind` (`js`, `wasm`, `css`).
fn entry_hash(text: &str, kind: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == kind).then(|| v.trim().to_string())
    })
}

/// Whether a file name carries a content hash as cargo-leptos writes it: `name.<hash>.ext`, the
/// hash being an MD5 in unpadded base64url (22 characters).
pub fn is_hashed(file_name: &str) -> bool {
    let mut parts = file_name.rsplit('.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && hash.len() == 22
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Serves a `/pkg/…` request from the site root, preferring the precompressed copy the client
/// accepts.
pub async fn serve(site_root: &Path, req: Request<axum::body::Body>) -> Response {
    let name = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let dir = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip();
    let mut res = match dir.oneshot(req).await {
        Ok(res) => res.map(axum::body::Body::new),
        Err(never) => match never {},
    };
    if res.status().is_success() {
        let policy = if is_hashed(&name) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hashed_names_are_those_cargo_leptos_writes() {
        assert!(is_hashed("ward.Q2xhc3NpY0hhc2hWYWx1ZQ.wasm"));
        assert!(is_hashed(
            "split_admin_users_route_view.AAAAAAAAAAAAAAAAAAAA-_.wasm"
        ));
        assert!(!is_hashed("ward.wasm"));
        assert!(!is_hashed("ward.css"));
        assert!(!is_hashed(".Q2xhc3NpY0hhc2hWYWx1ZQ.js"));
        assert!(!is_hashed("ward.short.js"));
        assert!(!is_hashed("ward.Q2xhc3NpY0hhc2hWYWx1Z!.js"));
    }

    #[test]
    fn entry_hashes_are_read_by_kind() {
        let text = "js: aaa\nwasm: bbb\ncss: ccc\nmanifest: ddd\n";
        assert_eq!(entry_hash(text, "css").as_deref(), Some("ccc"));
        assert_eq!(entry_hash(text, "wasm").as_deref(), Some("bbb"));
        assert_eq!(entry_hash(text, "split"), None);
    }

    #[test]
    fn the_flow_client_is_found_by_its_hashes_or_plain_names() {
        let pkg = site().join("pkg");
        assert_eq!(flow_client_files(&pkg, None), None);
        std::fs::write(pkg.join("flow.js"), "js").expect("js");
        std::fs::write(pkg.join("flow.wasm"), "wasm").expect("wasm");
        assert_eq!(
            flow_client_files(&pkg, None),
            Some(("flow.js".into(), "flow.wasm".into()))
        );
        let hashes = "js: a\nflow-js: Q2xhc3NpY0hhc2hWYWx1ZQ\nflow-wasm: AAAAAAAAAAAAAAAAAAAA-_\n";
        assert_eq!(
            flow_client_files(&pkg, Some(hashes)),
            None,
            "hashed files missing"
        );
        std::fs::write(pkg.join("flow.Q2xhc3NpY0hhc2hWYWx1ZQ.js"), "js").expect("js");
        std::fs::write(pkg.join("flow.AAAAAAAAAAAAAAAAAAAA-_.wasm"), "wasm").expect("wasm");
        let (js, wasm) = flow_client_files(&pkg, Some(hashes)).expect("hashed files");
        assert!(is_hashed(&js) && is_hashed(&wasm), "{js} {wasm}");
        assert_eq!(js, "flow.Q2xhc3NpY0hhc2hWYWx1ZQ.js");
        // A hash file from a build that did not write the flow client's lines.
        assert_eq!(flow_client_files(&pkg, Some("js: a\nwasm: b\n")), None);
    }

    /// A site root with one hashed and one unhashed file, each with its compressed copies.
    fn site() -> PathBuf {
        let root = std::env::temp_dir().join(format!("ward-assets-{}", uuid::Uuid::new_v4()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).expect("pkg dir");
        for name in ["ward.Q2xhc3NpY0hhc2hWYWx1ZQ.wasm", "ward.css"] {
            std::fs::write(pkg.join(name), format!("raw {name}")).expect("file");
            std::fs::write(pkg.join(format!("{name}.br")), format!("br {name}")).expect("br");
            std::fs::write(pkg.join(format!("{name}.gz")), format!("gz {name}")).expect("gz");
        }
        root
    }

    async fn get(root: &Path, path: &str, accept: &str) -> (Response, String) {
        let req = Request::get(path)
            .header(header::ACCEPT_ENCODING, accept)
            .body(axum::body::Body::empty())
            .expect("request");
        let res = serve(root, req).await;
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.expect("body");
        (
            Response::from_parts(parts, axum::body::Body::empty()),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    fn header_of(res: &Response, name: header::HeaderName) -> &str {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[tokio::test]
    async fn precompressed_copies_are_sent_as_the_client_accepts() {
        let root = site();
        let wasm = "/pkg/ward.Q2xhc3NpY0hhc2hWYWx1ZQ.wasm";
        let (res, body) = get(&root, wasm, "gzip, deflate, br").await;
        assert_eq!(header_of(&res, header::CONTENT_ENCODING), "br");
        assert_eq!(body, "br ward.Q2xhc3NpY0hhc2hWYWx1ZQ.wasm");
        assert_eq!(header_of(&res, header::CONTENT_TYPE), "application/wasm");
        assert_eq!(header_of(&res, header::CACHE_CONTROL), IMMUTABLE);
        let (res, body) = get(&root, wasm, "gzip").await;
        assert_eq!(header_of(&res, header::CONTENT_ENCODING), "gzip");
        assert_eq!(body, "gz ward.Q2xhc3NpY0hhc2hWYWx1ZQ.wasm");
        let (res, body) = get(&root, wasm, "identity").await;
        assert_eq!(header_of(&res, header::CONTENT_ENCODING), "");
        assert_eq!(body, "raw ward.Q2xhc3NpY0hhc2hWYWx1ZQ.wasm");
        // A name without a hash may change under the same URL: revalidated on each use.
        let (res, body) = get(&root, "/pkg/ward.css", "br").await;
        assert_eq!(body, "br ward.css");
        assert_eq!(header_of(&res, header::CACHE_CONTROL), REVALIDATE);
        // Nothing outside the site root, and no caching promise for what is not there.
        let (res, _) = get(&root, "/pkg/../../etc/passwd", "br").await;
        assert_eq!(res.status(), axum::http::StatusCode::NOT_FOUND);
        let (res, _) = get(&root, "/pkg/missing.Q2xhc3NpY0hhc2hWYWx1ZQ.js", "br").await;
        assert_eq!(res.status(), axum::http::StatusCode::NOT_FOUND);
        assert_eq!(header_of(&res, header::CACHE_CONTROL), "");
        std::fs::remove_dir_all(root).ok();
    }

    proptest! {
        #[test]
        fn garbage_names_never_panic(name in ".{0,80}") {
            let _ = is_hashed(&name);
            let _ = entry_hash(&name, "css");
        }
    }
}
