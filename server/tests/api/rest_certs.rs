//! `/api/v3/crypto/certificatekeypairs/`: generate, import, list, download, delete.
use crate::helpers::{ADMIN_TOKEN, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn certificates_are_generated_imported_and_deleted() {
    let app = spawn_api().await;
    let made = app
        .admin_api(
            Method::POST,
            "/crypto/certificatekeypairs/generate/",
            Some(json!({ "common_name": "sso.example.com", "subject_alt_name": "sso.example.com, 10.0.0.1", "validity_days": 30, "alg": "ecdsa" })),
        )
        .await;
    assert_eq!(made["name"], "sso.example.com");
    assert_eq!(made["private_key_type"], "ec_p256");
    assert_eq!(made["private_key_available"], true);
    assert_eq!(
        made["subject_alt_names"],
        json!(["sso.example.com", "10.0.0.1"])
    );
    let pk = made["pk"].as_str().expect("pk").to_string();

    // The certificate alone, imported under another name: same fingerprint, no key.
    let pem = app
        .admin_api(
            Method::GET,
            &format!("/crypto/certificatekeypairs/{pk}/view_certificate/"),
            None,
        )
        .await["data"]
        .as_str()
        .expect("pem")
        .to_string();
    let imported = app
        .admin_api(
            Method::POST,
            "/crypto/certificatekeypairs/",
            Some(json!({ "name": "copy", "certificate_data": pem })),
        )
        .await;
    assert_eq!(imported["fingerprint_sha256"], made["fingerprint_sha256"]);
    assert_eq!(imported["private_key_available"], false);

    let (status, body) = app
        .api(
            Method::POST,
            "/crypto/certificatekeypairs/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "bad", "certificate_data": "not a pem" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["certificate_data"][0].is_string(), "{body}");
    let (status, body) = app
        .api(
            Method::POST,
            "/crypto/certificatekeypairs/generate/",
            Some(ADMIN_TOKEN),
            Some(json!({ "common_name": "x", "validity_days": 0, "alg": "dsa" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["validity_days"][0].is_string() && body["alg"][0].is_string(),
        "{body}"
    );

    let list = app
        .admin_api(Method::GET, "/crypto/certificatekeypairs/?search=sso", None)
        .await;
    assert_eq!(list["pagination"]["count"], 1);
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("/crypto/certificatekeypairs/{pk}/"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/crypto/certificatekeypairs/{pk}/"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
