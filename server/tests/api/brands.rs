//! Brands: saving with field errors, image uploads and how they are served, and the brand a
//! request gets from its Host.
use crate::admin_users::admin_app;
use crate::helpers::TestApp;
use serde_json::{Value, json};

/// A 1×1 PNG.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn form(domain: &str) -> Value {
    json!({
        "domain": domain, "is_default": false, "title": format!("Brand {domain}"),
        "custom_css": "", "primary_color": "#ff0000",
        "flow_authentication": "", "flow_invalidation": "", "flow_recovery": "",
        "flow_user_settings": "", "default_application": "", "footer_links": []
    })
}

async fn save(app: &TestApp, id: &str, form: Value) -> Value {
    app.ok_fn("admin/brands/save", json!({ "id": id, "form": form }))
        .await
}

async fn create(app: &TestApp, form: Value) -> String {
    let saved = save(app, "", form).await;
    saved["Ok"]["id"].as_str().expect("saved").to_string()
}

async fn upload(app: &TestApp, id: &str, slot: &str, name: &str, data: &str) -> Value {
    app.ok_fn(
        "admin/brands/upload",
        json!({ "brand_id": id, "slot": slot, "filename": name, "data_base64": data }),
    )
    .await
}

#[tokio::test]
async fn saving_validates_every_field() {
    let app = admin_app().await;
    create(&app, form("taken.example")).await;
    let mut bad = form("taken.example");
    bad["primary_color"] = json!("red");
    bad["footer_links"] = json!([{ "name": "x", "href": "javascript:alert(1)" }]);
    bad["flow_authentication"] = json!("no-such-flow");
    bad["custom_css"] = json!("body{}</style><script>alert(1)</script>");
    let saved = save(&app, "", bad).await;
    let errors = &saved["Invalid"];
    for field in [
        "domain",
        "primary_color",
        "footer_links",
        "flow_authentication",
        "custom_css",
    ] {
        assert!(errors[field].is_string(), "{field}: {saved}");
    }
    assert!(
        errors["domain"]
            .as_str()
            .expect("msg")
            .contains("already exists")
    );
    let mut bad_host = form("not a host");
    bad_host["custom_css"] = json!("x".repeat(64 * 1024 + 1));
    let saved = save(&app, "", bad_host).await;
    assert!(saved["Invalid"]["domain"].is_string(), "{saved}");
    assert!(saved["Invalid"]["custom_css"].is_string(), "{saved}");

    // A good one is saved and audited; an existing flow slug is accepted.
    let mut good = form("ok.example");
    good["flow_recovery"] = json!("default-authentication-flow");
    good["footer_links"] = json!([{ "name": "Help", "href": "https://example.com/help" }]);
    let id = create(&app, good).await;
    let created = app.events("model_created").await;
    assert!(
        created
            .iter()
            .any(|(_, _, ctx)| ctx["model"]["pk"] == json!(id)),
        "{created:?}"
    );

    // The default brand cannot be deleted; another one can, once.
    let list = app.ok_fn("admin/brands/list", json!({})).await;
    let default = list
        .as_array()
        .expect("list")
        .iter()
        .find(|b| b["form"]["is_default"] == json!(true))
        .expect("a default brand");
    assert_eq!(default["form"]["domain"], "authentik-default");
    let res = app
        .ok_fn("admin/brands/delete", json!({ "id": default["id"] }))
        .await;
    assert!(res["Invalid"]["is_default"].is_string(), "{res}");
    let res = app.ok_fn("admin/brands/delete", json!({ "id": id })).await;
    assert_eq!(res, json!({ "Ok": null }));
    let res = app
        .json_fn("admin/brands/delete", json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn uploads_are_checked_and_served_safely() {
    let app = admin_app().await;
    let id = create(&app, form("img.example")).await;

    // Too large: refused by size, whatever it holds.
    let mut big = vec![0u8; 512 * 1024 + 1];
    big[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let res = upload(&app, &id, "logo", "logo.png", &base64(&big)).await;
    assert_eq!(
        res["Invalid"]["logo"], "The file is larger than 512 KiB.",
        "{res}"
    );
    // Text named logo.png: the name does not matter.
    let res = upload(
        &app,
        &id,
        "logo",
        "logo.png",
        &base64(b"hello, not an image"),
    )
    .await;
    assert_eq!(
        res["Invalid"]["logo"], "Upload a PNG, JPEG or SVG image.",
        "{res}"
    );

    // A PNG is stored and served back as a PNG.
    let res = upload(&app, &id, "logo", "whatever.bin", PNG_1X1).await;
    let logo = res["Ok"]["logo"].as_str().expect("logo path").to_string();
    assert!(
        logo.starts_with("brands/") && logo.ends_with(".png"),
        "{logo}"
    );
    let served = app.get(&format!("/media/{logo}")).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    let body = served.bytes().await.expect("body");
    assert!(body.starts_with(b"\x89PNG"));

    // An SVG is served with a sandboxing CSP; replacing the logo removes the old file.
    let svg = "<?xml version=\"1.0\"?>\n<!-- logo -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"><script>alert(1)</script></svg>";
    let res = upload(&app, &id, "logo", "logo.svg", &base64(svg.as_bytes())).await;
    let svg_path = res["Ok"]["logo"].as_str().expect("svg path").to_string();
    assert!(svg_path.ends_with(".svg"), "{svg_path}");
    let served = app.get(&format!("/media/{svg_path}")).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        served.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    );
    assert_eq!(app.get(&format!("/media/{logo}")).await.status(), 404);

    // Only Ward's own file names are served.
    for path in [
        "/media/brands/..%2F..%2Fsecret.key",
        "/media/brands/notes.txt",
        "/media/brands/0123456789abcdef0123456789ABCDEF.png",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    // A slot that does not exist is a field error.
    let res = upload(&app, &id, "script", "a.png", PNG_1X1).await;
    assert!(res["Invalid"]["slot"].is_string(), "{res}");
}

/// Text with a multi-byte character across byte 9 once killed the request task.
#[tokio::test]
async fn multibyte_text_upload_is_a_field_error() {
    let app = admin_app().await;
    let id = create(&app, form("utf8.example")).await;
    let res = upload(
        &app,
        &id,
        "logo",
        "logo.svg",
        &base64("12345678é".as_bytes()),
    )
    .await;
    assert_eq!(
        res["Invalid"]["logo"], "Upload a PNG, JPEG or SVG image.",
        "{res}"
    );
}

/// A GET as a browser sends it to `host`.
async fn get_on(app: &TestApp, host: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("host", host)
        .header("Accept", "text/html")
        .send()
        .await
        .expect("GET")
}

#[tokio::test]
async fn requests_get_the_brand_of_their_host() {
    let app = admin_app().await;
    sqlx::query(
        "insert into flows (id, slug, name, title, designation)
         values (gen_random_uuid(), 'b-login', 'B login', 'Sign in to B', 'authentication')",
    )
    .execute(&app.pool)
    .await
    .expect("flow");
    let mut b = form("b.example");
    b["title"] = json!("Brand B Title");
    b["primary_color"] = json!("#12ab34");
    b["flow_authentication"] = json!("b-login");
    b["custom_css"] = json!("main > div { border-color: #12ab34; }");
    b["footer_links"] = json!([{ "name": "B help", "href": "https://b.example/help" }]);
    let id = create(&app, b).await;
    let res = upload(&app, &id, "logo", "logo.png", PNG_1X1).await;
    let logo = res["Ok"]["logo"].as_str().expect("logo").to_string();
    let res = upload(&app, &id, "favicon", "icon.png", PNG_1X1).await;
    let favicon = res["Ok"]["favicon"].as_str().expect("favicon").to_string();

    // Brand B on its domain (any port) and its subdomains.
    let anonymous = app.new_browser();
    for host in ["b.example", "B.Example:8443", "login.b.example"] {
        let page = get_on(&anonymous, host, "/if/flow/default-authentication-flow/").await;
        assert_eq!(page.status(), 200, "{host}");
        let policy = page.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .to_string();
        let html = page.text().await.expect("html");
        assert!(html.contains("Brand B Title"), "{host}: {html}");
        assert!(html.contains(":root{--ward-primary:#12ab34}"), "{html}");
        assert!(
            html.contains(&format!("id=\"brand-logo\" src=\"/media/{logo}\"")),
            "{html}"
        );
        assert!(
            html.contains(&format!("href=\"/media/{favicon}\"")),
            "{html}"
        );
        assert!(html.contains("https://b.example/help"), "{html}");
        // The custom CSS comes after Ward's stylesheet, unescaped, with the nonce the page's
        // Content-Security-Policy allows.
        let nonce = crate::headers::nonce_of(&policy).expect("nonce");
        let css = html
            .find(&format!(
                "<style id=\"brand-css\" nonce=\"{nonce}\">main > div {{ border-color: #12ab34; }}</style>"
            ))
            .expect("custom css");
        let sheet = html.find("/pkg/ward.css").expect("stylesheet");
        assert!(sheet < css);
        let res = get_on(&anonymous, host, "/if/user/").await;
        let to = res.headers()["location"].to_str().expect("location");
        assert!(to.starts_with("/if/flow/b-login/?next="), "{host}: {to}");
    }

    // Another host gets the default brand.
    for host in ["other.example", "xb.example", "127.0.0.1"] {
        let html = get_on(&anonymous, host, "/if/flow/default-authentication-flow/")
            .await
            .text()
            .await
            .expect("html");
        assert!(!html.contains("Brand B Title"), "{host}");
        assert!(!html.contains("brand-logo"), "{host}");
        assert!(html.contains(":root{--ward-primary:#4f46e5}"), "{host}");
        assert!(!html.contains("id=\"brand-css\""), "{host}");
        let res = get_on(&anonymous, host, "/if/user/").await;
        let to = res.headers()["location"].to_str().expect("location");
        assert!(
            to.starts_with("/if/flow/default-authentication-flow/?next="),
            "{host}: {to}"
        );
    }

    // The current brand is public, as authentik's brands/current.
    let current = anonymous
        .client
        .post(anonymous.url("/-/fn/brand/current"))
        .header("host", "b.example")
        .header("Accept", "application/json")
        .send()
        .await
        .expect("current");
    let status = current.status();
    let text = current.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Brand B Title"), "{text}");
}

#[tokio::test]
async fn the_admin_page_lists_brands_and_has_the_form() {
    let app = admin_app().await;
    create(&app, form("listed.example")).await;
    let res = app.get("/if/admin/system/brands/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    for needle in [
        "id=\"brand-domain\"",
        "id=\"brand-title\"",
        "id=\"brand-primary_color\"",
        "id=\"brand-custom_css\"",
        "id=\"brand-flow_authentication\"",
        "id=\"brand-save\"",
        "id=\"brand-edit-listed.example\"",
        "id=\"brand-edit-authentik-default\"",
        "href=\"/if/admin/system/brands/\"",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    // Anonymous visitors are sent to log in.
    let res = app.new_browser().get("/if/admin/system/brands/").await;
    assert_eq!(res.status(), 302);
}
