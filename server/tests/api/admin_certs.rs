//! Admin → System → Certificates through HTTP: the server fns, the page and the download route.
use crate::admin_users::admin_app;
use crate::helpers::TestApp;
use app::ssr::certs;
use serde_json::{Value, json};
use uuid::Uuid;

const SECRET: &str = "test-secret-key-test-secret-key-0123456789";

/// Every answer body a test saw, to check afterwards that no key material was in any.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    /// A JSON server fn that must answer 200; its answer.
    async fn call(&mut self, app: &TestApp, endpoint: &str, body: Value) -> Value {
        let res = app.json_fn(endpoint, body).await;
        let status = res.status();
        let text = res.text().await.expect("body");
        assert_eq!(status, 200, "{endpoint}: {text}");
        self.0.push(text.clone());
        serde_json::from_str(&text).expect("json")
    }

    /// The field errors of a refused save.
    async fn refused(&mut self, app: &TestApp, endpoint: &str, body: Value) -> Value {
        let answer = self.call(app, endpoint, body).await;
        assert!(answer["Ok"].is_null(), "{endpoint} saved: {answer}");
        answer["Invalid"].clone()
    }

    async fn list(&mut self, app: &TestApp) -> Vec<Value> {
        self.call(app, "admin/certs/list", json!({}))
            .await
            .as_array()
            .expect("rows")
            .clone()
    }

    /// Asserts that no body contains a PEM key or any 40 characters of `key`'s base64.
    fn assert_no_key(&self, key: &str) {
        let base64: String = key
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>();
        assert!(base64.len() > 40, "a real key: {key}");
        let slices: Vec<&str> = (0..=base64.len() - 40)
            .map(|i| &base64[i..i + 40])
            .collect();
        for body in &self.0 {
            assert!(!body.contains("PRIVATE KEY"), "{body}");
            // A leaked PEM would be wrapped: compare with line breaks (and their escapes) removed.
            let flat: String = body.replace("\\n", "").split_whitespace().collect();
            for slice in &slices {
                assert!(!flat.contains(slice), "key material in {body}");
            }
        }
    }
}

fn generate_form(name: &str, sans: &str, validity_days: i64) -> Value {
    json!({ "form": {
        "name": name,
        "algorithm": "ec_p256",
        "common_name": "web.example.com",
        "sans": sans,
        "validity_days": validity_days,
    } })
}

fn saved_id(answer: &Value) -> Uuid {
    answer["Ok"]
        .as_str()
        .unwrap_or_else(|| panic!("not saved: {answer}"))
        .parse()
        .expect("uuid")
}

fn view_path(id: &str) -> String {
    format!("/api/v3/crypto/certificatekeypairs/{id}/view_certificate/")
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("GET")
}

async fn key_of(app: &TestApp, id: Uuid) -> String {
    certs::private_key_pem(&app.pool, SECRET, id)
        .await
        .expect("key")
        .expect("has a key")
}

#[tokio::test]
async fn generate_list_download_import_and_delete() {
    let app = admin_app().await;
    let mut seen = Seen::default();

    // Only the default pair at first.
    let rows = seen.list(&app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["name"], certs::DEFAULT_NAME);
    assert_eq!(rows[0]["has_key"], true);
    let default_id: Uuid = rows[0]["id"].as_str().expect("id").parse().expect("uuid");

    let answer = seen
        .call(
            &app,
            "admin/certs/generate",
            generate_form("web", "web.example.com, 192.0.2.10", 30),
        )
        .await;
    let id = saved_id(&answer);

    // Bad input comes back beside its field, and nothing is stored.
    let e = seen
        .refused(
            &app,
            "admin/certs/generate",
            generate_form("other", "ok.example.com, bad name", 30),
        )
        .await;
    assert_eq!(e.as_object().expect("errors").len(), 1, "{e}");
    assert!(e["sans"].as_str().expect("msg").contains("bad name"), "{e}");
    let e = seen
        .refused(&app, "admin/certs/generate", generate_form("other", "", 0))
        .await;
    assert_eq!(e, json!({ "validity_days": "Choose 1 to 3650 days." }));
    let e = seen
        .refused(&app, "admin/certs/generate", generate_form("WEB", "", 30))
        .await;
    assert_eq!(
        e,
        json!({ "name": "A certificate with this name already exists." })
    );

    let rows = seen.list(&app).await;
    assert_eq!(rows.len(), 2, "the default and the new one: {rows:?}");
    let web = &rows[0];
    assert_eq!(web["id"], id.to_string(), "newest first");
    assert_eq!(web["name"], "web");
    assert_eq!(web["subject"], "CN=web.example.com");
    assert_eq!(web["sans"], json!(["web.example.com", "192.0.2.10"]));
    assert_eq!(web["key_type"], "ec_p256");
    assert_eq!(web["has_key"], true);
    assert_eq!(web["expires_in_days"], 29);
    assert_eq!(web["fingerprint_sha256"].as_str().expect("fp").len(), 64);

    // The page lists it with its download link.
    let html = app.html(&app.url("/if/admin/system/certificates/")).await;
    assert!(html.contains(r#"data-cert="web""#), "{html}");
    assert!(html.contains(&format!(
        r#"href="{}?download""#,
        view_path(&id.to_string())
    )));
    assert!(html.contains("cert-download"));
    assert!(html.contains(r#"id="cert-generate-name""#));
    seen.0.push(html);

    // The download: authentik's JSON, or the file itself.
    let res = get(&app, &view_path(&id.to_string())).await;
    assert_eq!(res.status(), 200);
    let data: Value = res.json().await.expect("json");
    let pem = data["data"].as_str().expect("pem").to_string();
    let res = get(&app, &format!("{}?download", view_path(&id.to_string()))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-disposition"],
        r#"attachment; filename="web_certificate.pem""#
    );
    assert_eq!(res.headers()["content-type"], "application/x-pem-file");
    let file = res.text().await.expect("pem");
    assert_eq!(file, pem);
    assert!(file.starts_with("-----BEGIN CERTIFICATE-----"), "{file}");
    let info = certs::inspect(&file).expect("x509");
    assert_eq!(info.common_name, "web.example.com");
    assert_eq!(info.sans, ["web.example.com", "192.0.2.10"]);
    assert_eq!(info.key_type, "ec");
    seen.0.push(data.to_string());
    seen.0.push(file.clone());
    let default = get(
        &app,
        &format!("{}?download", view_path(&default_id.to_string())),
    )
    .await;
    assert_eq!(
        default.headers()["content-disposition"],
        r#"attachment; filename="authentik Self-signed Certificate_certificate.pem""#
    );
    seen.0.push(default.text().await.expect("pem"));
    for missing in ["not-a-uuid", "00000000-0000-0000-0000-000000000000"] {
        let res = get(&app, &view_path(missing)).await;
        assert_eq!(res.status(), 404, "{missing}");
        seen.0.push(res.text().await.expect("body"));
    }

    // Import: a key of another certificate is refused beside the key field.
    let web_key = key_of(&app, id).await;
    let default_key = key_of(&app, default_id).await;
    let e = seen
        .refused(
            &app,
            "admin/certs/import",
            json!({ "form": { "name": "mixed", "certificate": pem, "key": default_key } }),
        )
        .await;
    assert_eq!(
        e,
        json!({ "key": "This key does not belong to the certificate." })
    );
    let answer = seen
        .call(
            &app,
            "admin/certs/import",
            json!({ "form": { "name": "web copy", "certificate": pem, "key": web_key } }),
        )
        .await;
    let copy = saved_id(&answer);
    let rows = seen.list(&app).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["name"], "web copy");
    assert_eq!(rows[0]["has_key"], true);
    assert_eq!(rows[0]["key_type"], "ec");
    assert_eq!(rows[0]["fingerprint_sha256"], web["fingerprint_sha256"]);

    // Delete: gone from the list and the download, audited.
    assert_eq!(
        seen.call(&app, "admin/certs/delete", json!({ "id": id.to_string() }))
            .await,
        Value::Null
    );
    let rows = seen.list(&app).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["name"] != "web"));
    assert_eq!(get(&app, &view_path(&id.to_string())).await.status(), 404);
    let res = app
        .json_fn("admin/certs/delete", json!({ "id": id.to_string() }))
        .await;
    assert_eq!(res.status(), 404, "already gone");
    seen.0.push(res.text().await.expect("body"));
    let deleted = app.events("model_deleted").await;
    let (who, _, context) = deleted
        .iter()
        .find(|e| e.2["model"]["model_name"] == "certificate_key_pair")
        .expect("a model_deleted event");
    assert_eq!(who, "akadmin");
    assert_eq!(context["model"]["name"], "web");
    assert_eq!(context["model"]["pk"], id.to_string());
    let created = app.events("model_created").await;
    assert_eq!(
        created
            .iter()
            .filter(|e| e.2["model"]["model_name"] == "certificate_key_pair")
            .count(),
        2,
        "web and web copy"
    );

    // No answer carried a private key, whole or in part.
    for key in [&web_key, &default_key, &key_of(&app, copy).await] {
        seen.assert_no_key(key);
    }
}

#[tokio::test]
async fn download_needs_a_superuser() {
    let app = admin_app().await;
    let id = certs::list(&app.pool).await.expect("list")[0].id.clone();
    let path = format!("{}?download", view_path(&id));

    let anonymous = app.new_browser();
    for p in [path.clone(), view_path("not-a-uuid")] {
        let res = get(&anonymous, &p).await;
        assert_eq!(res.status(), 401, "{p}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("application/json")
        );
        let body: Value = res.json().await.expect("json");
        assert!(body["detail"].is_string(), "{body}");
    }

    let user = app.new_browser();
    app.create_user("jane", "jane-password-1").await;
    user.login("jane", "jane-password-1").await;
    let res = get(&user, &path).await;
    assert_eq!(res.status(), 403);
    let body = res.text().await.expect("body");
    assert!(!body.contains("BEGIN CERTIFICATE"), "{body}");
    assert!(body.contains("permission"), "{body}");
    let denied = app.events("access_denied").await;
    assert_eq!(denied.len(), 1, "{denied:?}");
    let (who, ip, context) = &denied[0];
    assert_eq!(who, "jane");
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(context["path"], view_path(&id));

    // The admin may.
    let res = get(&app, &path).await;
    assert_eq!(res.status(), 200);
}
