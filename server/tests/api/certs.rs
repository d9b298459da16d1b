//! Certificate-key pairs, through the domain functions (the admin UI is wired elsewhere).
use crate::helpers::{TestApp, spawn_app};
use app::ssr::audit::Actor;
use app::ssr::certs;
use app::types::certs::{GenerateForm, ImportForm};
use app::types::directory::Saved;
use app::types::flow::FieldErrors;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const SECRET: &str = "test-secret-key-test-secret-key-0123456789";

fn form(name: &str, algorithm: &str) -> GenerateForm {
    GenerateForm {
        name: name.into(),
        algorithm: algorithm.into(),
        common_name: "idp.example.com".into(),
        sans: "idp.example.com, *.apps.example.com\n192.0.2.7".into(),
        validity_days: 90,
    }
}

fn saved(s: Saved<String>) -> Uuid {
    match s {
        Saved::Ok(id) => id.parse().expect("uuid"),
        Saved::Invalid(e) => panic!("refused: {e:?}"),
    }
}

fn refused(s: Saved<String>) -> FieldErrors {
    match s {
        Saved::Ok(id) => panic!("saved {id}"),
        Saved::Invalid(e) => e,
    }
}

async fn generate(app: &TestApp, name: &str, algorithm: &str) -> Uuid {
    saved(
        certs::generate(&app.pool, SECRET, None, &form(name, algorithm))
            .await
            .expect("generate"),
    )
}

async fn pems(app: &TestApp, id: Uuid) -> (String, String) {
    let (_, cert) = certs::certificate_pem(&app.pool, id)
        .await
        .expect("cert")
        .expect("exists");
    let key = certs::private_key_pem(&app.pool, SECRET, id)
        .await
        .expect("key")
        .expect("has a key");
    (cert, key)
}

/// Generates a pair and checks the certificate says what was asked, the key is its own, and the
/// pair can be imported again.
async fn check_algorithm(app: &TestApp, algorithm: &str, key_type: &str) {
    let before = OffsetDateTime::now_utc();
    let id = generate(app, algorithm, algorithm).await;
    // RSA 4096 can take a minute on a busy machine: the dates are checked against both ends.
    let after = OffsetDateTime::now_utc();
    let (cert, key) = pems(app, id).await;
    let info = certs::inspect(&cert).expect("x509 parses");
    assert_eq!(info.common_name, "idp.example.com", "{algorithm}");
    assert_eq!(info.subject, "CN=idp.example.com");
    assert_eq!(
        info.sans,
        ["idp.example.com", "*.apps.example.com", "192.0.2.7"]
    );
    assert_eq!(info.key_type, key_type);
    // Backdated by a minute against clock skew; X.509 keeps whole seconds.
    let second = Duration::seconds(1);
    let skew = Duration::minutes(1);
    assert!(
        info.not_before >= before - skew - second && info.not_before <= after - skew,
        "{}",
        info.not_before
    );
    let validity = info.not_after - info.not_before;
    assert!(
        validity >= Duration::days(90) + skew - second
            && validity <= Duration::days(90) + skew + second,
        "{validity}"
    );
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    assert!(certs::key_belongs_to(&cert, &key), "{algorithm}");

    let copy = ImportForm {
        name: format!("{algorithm} imported"),
        certificate: cert.clone(),
        key: key.clone(),
    };
    let copy = saved(
        certs::import(&app.pool, SECRET, None, &copy)
            .await
            .expect("import"),
    );
    assert_eq!(pems(app, copy).await, (cert, key));
}

#[tokio::test]
async fn generates_each_algorithm() {
    let app = spawn_app().await;
    for (algorithm, key_type) in [
        ("rsa2048", "rsa"),
        ("ec_p256", "ec"),
        ("ec_p384", "ec"),
        ("ed25519", "ed25519"),
    ] {
        check_algorithm(&app, algorithm, key_type).await;
    }
    let types: Vec<(String, String)> = sqlx::query_as(
        "select name::text, key_type from certificate_key_pairs where name not like '% imported' and name <> 'authentik Self-signed Certificate' order by name",
    )
    .fetch_all(&app.pool)
    .await
    .expect("rows");
    assert!(types.iter().all(|(name, key_type)| name == key_type));
}

#[tokio::test]
async fn generates_rsa_4096() {
    let app = spawn_app().await;
    check_algorithm(&app, "rsa4096", "rsa").await;
}

#[tokio::test]
async fn no_key_material_leaves_in_lists_or_rests_in_clear() {
    let app = spawn_app().await;
    let with_key = generate(&app, "signing", "ec_p256").await;
    let (cert, key) = pems(&app, with_key).await;
    let cert_only = saved(
        certs::import(
            &app.pool,
            SECRET,
            None,
            &ImportForm {
                name: "verify only".into(),
                certificate: cert.clone(),
                key: String::new(),
            },
        )
        .await
        .expect("import"),
    );

    let rows = certs::list(&app.pool).await.expect("list");
    let json = serde_json::to_string(&rows).expect("json");
    assert!(!json.contains("PRIVATE KEY"), "{json}");
    assert!(!json.contains(key.lines().nth(1).expect("base64")));
    let mine: Vec<_> = rows
        .iter()
        .filter(|r| r.name == "signing" || r.name == "verify only")
        .collect();
    assert_eq!(mine[0].id, cert_only.to_string(), "newest first");
    assert!(!mine[0].has_key);
    assert!(mine[1].has_key);
    assert_eq!(mine[1].key_type, "ec_p256");
    assert_eq!(mine[0].key_type, "ec");
    assert_eq!(mine[1].expires_in_days, 89);
    assert_eq!(mine[0].fingerprint_sha256, mine[1].fingerprint_sha256);
    assert_eq!(mine[1].fingerprint_sha256.len(), 64);
    assert!(
        mine[1]
            .fingerprint_sha256
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    );
    assert!(mine[1].sans.contains(&"192.0.2.7".to_string()));
    OffsetDateTime::parse(
        &mine[1].not_after,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");

    let sealed: Vec<Option<Vec<u8>>> =
        sqlx::query_scalar("select key_sealed from certificate_key_pairs")
            .fetch_all(&app.pool)
            .await
            .expect("sealed");
    for blob in sealed.iter().flatten() {
        assert!(!blob.windows(11).any(|w| w == b"-----BEGIN "));
        assert!(!blob.windows(11).any(|w| w == b"PRIVATE KEY"));
    }
    assert_eq!(
        certs::private_key_pem(&app.pool, SECRET, cert_only)
            .await
            .expect("none"),
        None
    );
    assert!(
        certs::private_key_pem(&app.pool, "another-secret", with_key)
            .await
            .is_err(),
        "a different instance secret cannot open it"
    );
    assert_eq!(
        certs::certificate_pem(&app.pool, cert_only)
            .await
            .expect("pem"),
        Some(("verify only".into(), cert))
    );
}

#[tokio::test]
async fn import_checks_the_key_and_the_pem() {
    let app = spawn_app().await;
    let a = generate(&app, "a", "ec_p256").await;
    let b = generate(&app, "b", "ec_p256").await;
    let (cert_a, key_a) = pems(&app, a).await;
    let (_, key_b) = pems(&app, b).await;
    let import = |name: &str, certificate: &str, key: &str| ImportForm {
        name: name.into(),
        certificate: certificate.into(),
        key: key.into(),
    };

    let e = refused(
        certs::import(&app.pool, SECRET, None, &import("mixed", &cert_a, &key_b))
            .await
            .expect("import"),
    );
    assert_eq!(e["key"], "This key does not belong to the certificate.");
    assert_eq!(e.len(), 1);

    let e = refused(
        certs::import(&app.pool, SECRET, None, &import("junk", "not a pem", ""))
            .await
            .expect("import"),
    );
    assert_eq!(e["certificate"], "This is not a PEM certificate.");
    // A key pasted into the certificate field would end up downloadable: refused.
    let both = format!("{cert_a}{key_a}");
    let e = refused(
        certs::import(&app.pool, SECRET, None, &import("both", &both, ""))
            .await
            .expect("import"),
    );
    assert_eq!(e["certificate"], "This is not a PEM certificate.");
    let e = refused(
        certs::import(&app.pool, SECRET, None, &import("bad key", &cert_a, "junk"))
            .await
            .expect("import"),
    );
    assert!(e.contains_key("key"));
    let sec1 = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
    let e = refused(
        certs::import(&app.pool, SECRET, None, &import("sec1", &cert_a, sec1))
            .await
            .expect("import"),
    );
    assert_eq!(e["key"], "Use a PKCS#8 key (BEGIN PRIVATE KEY).");
    let huge = format!("{cert_a}{}", " ".repeat(64 * 1024));
    let e = refused(
        certs::import(&app.pool, SECRET, None, &import("huge", &huge, ""))
            .await
            .expect("import"),
    );
    assert_eq!(e["certificate"], "At most 64 KiB.");
    let e = refused(
        certs::import(&app.pool, SECRET, None, &import("A", &cert_a, &key_a))
            .await
            .expect("import"),
    );
    assert_eq!(e["name"], "A certificate with this name already exists.");

    let count: i64 = sqlx::query_scalar("select count(*) from certificate_key_pairs where name <> 'authentik Self-signed Certificate'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(count, 2, "nothing stored by a refused import");
}

#[tokio::test]
async fn generate_validates_every_field() {
    let app = spawn_app().await;
    generate(&app, "taken", "ed25519").await;
    let e = refused(
        certs::generate(
            &app.pool,
            SECRET,
            None,
            &GenerateForm {
                name: "Taken".into(),
                algorithm: "dsa".into(),
                common_name: " ".into(),
                sans: "ok.example.com, bad_name.example.com".into(),
                validity_days: 0,
            },
        )
        .await
        .expect("generate"),
    );
    assert_eq!(e["name"], "A certificate with this name already exists.");
    assert!(e.contains_key("algorithm"));
    assert!(e.contains_key("common_name"));
    assert!(e["sans"].contains("bad_name.example.com"), "{}", e["sans"]);
    assert!(e.contains_key("validity_days"));
    let too_long = GenerateForm {
        validity_days: 3651,
        common_name: "x".repeat(65),
        name: String::new(),
        ..form("", "ec_p256")
    };
    let e = refused(
        certs::generate(&app.pool, SECRET, None, &too_long)
            .await
            .expect("generate"),
    );
    assert_eq!(
        e.keys().collect::<Vec<_>>(),
        ["common_name", "name", "validity_days"]
    );
}

#[tokio::test]
async fn default_pair_is_created_once() {
    let app = spawn_app().await;
    let (a, b) = tokio::join!(
        certs::ensure_default(&app.pool, SECRET),
        certs::ensure_default(&app.pool, SECRET)
    );
    a.expect("first");
    b.expect("second");
    certs::ensure_default(&app.pool, SECRET)
        .await
        .expect("again");
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from certificate_key_pairs where name = $1")
        .bind(certs::DEFAULT_NAME)
        .fetch_all(&app.pool)
        .await
        .expect("ids");
    assert_eq!(ids.len(), 1);
    let (cert, key) = pems(&app, ids[0]).await;
    let info = certs::inspect(&cert).expect("parses");
    assert_eq!(info.common_name, "ward");
    assert!(certs::key_belongs_to(&cert, &key));
}

#[tokio::test]
async fn expiry_is_warned_about_once() {
    let app = spawn_app().await;
    let soon = generate(&app, "soon", "ec_p256").await;
    generate(&app, "later", "ec_p256").await;
    sqlx::query(
        "update certificate_key_pairs set not_after = now() + interval '10 days' where id = $1",
    )
    .bind(soon)
    .execute(&app.pool)
    .await
    .expect("update");

    assert_eq!(certs::check_expiry(&app.pool).await.expect("check"), 1);
    assert_eq!(certs::check_expiry(&app.pool).await.expect("again"), 0);
    let events = app.events("certificate_expiring").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].2["name"], "soon");
    assert_eq!(events[0].2["id"], soon.to_string());
    assert!(events[0].2["not_after"].as_str().is_some());
}

#[tokio::test]
async fn admin_changes_are_audited_without_key_material() {
    let app = spawn_app().await;
    app.setup_admin().await;
    let admin = app::ssr::users::get_by_username(&app.pool, "akadmin")
        .await
        .expect("query")
        .expect("admin");
    let actor = Actor {
        user: &admin,
        ip: "192.0.2.1".parse().expect("ip"),
    };
    let id = saved(
        certs::generate(&app.pool, SECRET, Some(&actor), &form("audited", "ed25519"))
            .await
            .expect("generate"),
    );
    let created = app.events("model_created").await;
    let created = created
        .iter()
        .find(|e| e.2["model"]["model_name"] == "certificate_key_pair")
        .expect("event");
    assert_eq!(created.0, "akadmin");
    assert_eq!(created.2["model"]["pk"], id.to_string());
    assert_eq!(created.2["diff"]["name"]["new"], "audited");
    assert_eq!(created.2["diff"]["algorithm"]["new"], "ed25519");
    assert_eq!(created.2["diff"]["subject"]["new"], "CN=idp.example.com");
    assert!(created.2["diff"]["not_after"]["new"].as_str().is_some());
    assert!(!created.2.to_string().contains("PRIVATE"));

    certs::delete(&app.pool, &actor, id).await.expect("delete");
    assert_eq!(
        certs::certificate_pem(&app.pool, id).await.expect("pem"),
        None
    );
    let deleted = app.events("model_deleted").await;
    assert_eq!(deleted[0].2["model"]["name"], "audited");
    assert!(matches!(
        certs::delete(&app.pool, &actor, id).await,
        Err(app::ssr::Error::NotFound)
    ));
}
