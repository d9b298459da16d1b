//! Every response carries nosniff, Referrer-Policy and a framing rule; every HTML page a
//! Content-Security-Policy whose scripts need this response's nonce.
use crate::helpers::spawn_app;

/// The nonce a policy allows for scripts, if any.
pub fn nonce_of(policy: &str) -> Option<String> {
    let scripts = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))?;
    scripts
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .map(str::to_string)
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} on {}", res.url()))
        .to_str()
        .expect("ascii")
        .to_string()
}

#[tokio::test]
async fn pages_allow_only_their_own_nonced_scripts() {
    let app = spawn_app().await;
    let res = app.get("/if/flow/default-authentication-flow/").await;
    assert_eq!(res.status(), 200);
    let policy = header(&res, "content-security-policy");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "referrer-policy"), "same-origin");
    assert_eq!(header(&res, "x-frame-options"), "SAMEORIGIN");
    let html = res.text().await.expect("html");
    let nonce = nonce_of(&policy).expect("a nonce in script-src");
    assert!(nonce.len() >= 16, "{nonce}");
    let scripts = policy
        .split(';')
        .find(|d| d.contains("script-src"))
        .expect("script-src");
    assert!(!scripts.contains("unsafe-inline"), "{policy}");
    assert!(scripts.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'self'"), "{policy}");
    // Every inline script on the page carries the nonce; none without it.
    let inline: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!inline.is_empty(), "{html}");
    for script in inline {
        let tag = &script[..script.find('>').expect("tag end")];
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "<script{tag}>");
    }
    // The brand's variables are an inline style: they carry the nonce too.
    assert!(
        html.contains(&format!("<style id=\"brand-vars\" nonce=\"{nonce}\">")),
        "{html}"
    );
    // A nonce is used once: the next response has another.
    let again = app.get("/if/flow/default-authentication-flow/").await;
    let other = nonce_of(&header(&again, "content-security-policy")).expect("nonce");
    assert_ne!(nonce, other);
}

#[tokio::test]
async fn other_html_gets_a_policy_without_inline_scripts() {
    let app = spawn_app().await;
    for path in ["/api/v3/", "/if/flow/no-such-flow/", "/no/such/page"] {
        let res = app.get(path).await;
        let policy = header(&res, "content-security-policy");
        let scripts = policy
            .split(';')
            .find(|d| d.contains("script-src"))
            .expect("script-src");
        assert!(!scripts.contains("unsafe-inline"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'self'"),
            "{path}: {policy}"
        );
    }
    // The API browser is a static page: no script may run on it.
    let res = app.get("/api/v3/").await;
    let policy = header(&res, "content-security-policy");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(nonce_of(&policy).is_none());
}

#[tokio::test]
async fn json_and_files_get_the_common_headers_but_no_policy() {
    let app = spawn_app().await;
    for path in ["/-/health/live/", "/api/v3/schema/", "/api/v3/"] {
        let res = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&res, "referrer-policy"), "same-origin", "{path}");
        let html = res
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        assert_eq!(
            res.headers().contains_key("content-security-policy"),
            html,
            "{path}"
        );
    }
}
