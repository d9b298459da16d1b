//! `/api/v3/authenticators/…`: a user's own devices and, for superusers, anyone's; rename and
//! delete, each recorded.
use crate::helpers::{TestApp, spawn_api};
use app::ssr::mfa::devices;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// jane with recovery codes and an email device; (jane's token, static pk, email pk).
async fn jane_with_devices(app: &TestApp) -> (uuid::Uuid, String, String, String) {
    let (jane, key) = app.user_with_token("jane").await;
    let codes = devices::add_static(&app.pool, jane, "Recovery codes", &["abcd-efgh".into()])
        .await
        .expect("static");
    let email = devices::add_email(&app.pool, jane, "Email", "jane@example.com")
        .await
        .expect("email");
    (jane, key, codes.to_string(), email.to_string())
}

#[tokio::test]
async fn people_list_rename_and_delete_their_own_devices_only() {
    let app = spawn_api().await;
    let (_, key, codes, email) = jane_with_devices(&app).await;
    let (_, john) = app.user_with_token("john").await;

    let (status, all) = app
        .api(Method::GET, "/authenticators/all/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let types: Vec<&str> = all
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        types,
        [
            "authentik_stages_authenticator_static.StaticDevice",
            "authentik_stages_authenticator_email.EmailDevice"
        ]
    );
    assert_eq!(all[0]["pk"], codes.as_str());
    assert_eq!(all[0]["confirmed"], true);
    assert_eq!(
        all[1]["meta_model_name"],
        "authentik_stages_authenticator_email.emaildevice"
    );
    let (_, none) = app
        .api(Method::GET, "/authenticators/all/", Some(&john), None)
        .await;
    assert_eq!(none, json!([]));

    let (status, list) = app
        .api(Method::GET, "/authenticators/email/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["pagination"]["count"], 1, "{list}");
    assert_eq!(list["results"][0]["pk"], email.as_str());
    assert_eq!(list["results"][0]["user"]["username"], "jane");

    // Renaming: checked, trimmed, recorded.
    let one = format!("/authenticators/email/{email}/");
    let (status, renamed) = app
        .api(
            Method::PATCH,
            &one,
            Some(&key),
            Some(json!({ "name": "  Work mail " })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Work mail");
    for (body, why) in [
        (json!({ "name": "" }), "empty"),
        (json!({ "name": "x".repeat(65) }), "too long"),
        (json!({ "name": "a\u{7}b" }), "control character"),
        (json!({ "name": 5 }), "not a string"),
        (json!({}), "missing on PUT"),
    ] {
        let method = if why == "missing on PUT" {
            Method::PUT
        } else {
            Method::PATCH
        };
        let (status, err) = app.api(method, &one, Some(&key), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {err}");
        assert!(
            err["name"].is_array() || err["name"].is_string(),
            "{why}: {err}"
        );
    }
    let (status, _) = app
        .api(Method::PATCH, &one, Some(&key), Some(json!("Work")))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let renames = app.events("model_updated").await;
    assert_eq!(renames.len(), 1, "{renames:?}");
    assert_eq!(renames[0].2["diff"]["name"]["new"], "Work mail");

    // Another person's device, or the wrong class, is not there.
    for (who, path) in [
        (&john, one.clone()),
        (&key, format!("/authenticators/totp/{email}/")),
        (&key, "/authenticators/email/not-a-uuid/".to_string()),
    ] {
        let (status, _) = app.api(Method::GET, &path, Some(who), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status, _) = app.api(Method::DELETE, &path, Some(who), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .api(Method::GET, "/authenticators/admin/all/", Some(&john), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let codes_path = format!("/authenticators/static/{codes}/");
    let (status, body) = app.api(Method::DELETE, &codes_path, Some(&key), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = app.api(Method::GET, &codes_path, Some(&key), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let removed = app.events("mfa_removed").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].0, "jane");
    assert_eq!(removed[0].2["by"], Value::Null);
}

#[tokio::test]
async fn admins_list_any_users_devices_and_remove_them() {
    let app = spawn_api().await;
    let (jane, _, codes, email) = jane_with_devices(&app).await;

    let all = app
        .admin_api(
            Method::GET,
            &format!("/authenticators/admin/all/?user={jane}"),
            None,
        )
        .await;
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");
    let nobody = app
        .admin_api(Method::GET, "/authenticators/admin/all/?user=garbage", None)
        .await;
    assert_eq!(nobody, json!([]));
    let statics = app
        .admin_api(
            Method::GET,
            &format!("/authenticators/admin/static/?user={jane}"),
            None,
        )
        .await;
    assert_eq!(statics["results"][0]["pk"], codes.as_str(), "{statics}");
    assert_eq!(statics["results"][0]["user"]["pk"], jane.to_string());
    // Admin listings hold no secret: no codes, no address (the whole code: a random UUID may
    // hold its hex half).
    assert!(!statics.to_string().contains("abcd-efgh"), "{statics}");
    let renamed = app
        .admin_api(
            Method::PUT,
            &format!("/authenticators/admin/static/{codes}/"),
            Some(json!({ "name": "Paper in the safe" })),
        )
        .await;
    assert_eq!(renamed["name"], "Paper in the safe");
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("/authenticators/admin/static/{codes}/"),
            Some(crate::helpers::ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let removed = app.events("mfa_removed").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].0, "jane");
    assert_eq!(removed[0].2["by"], "akadmin");
    let left = app
        .admin_api(
            Method::GET,
            &format!("/authenticators/admin/all/?user={jane}"),
            None,
        )
        .await;
    assert_eq!(left[0]["pk"], email.as_str(), "{left}");
}

/// Blueprints name devices by authentik's models: rename one, remove one (a lost key), and
/// are told that creating one is not theirs to do.
#[tokio::test]
async fn blueprints_rename_and_remove_devices_but_do_not_create_them() {
    use app::ssr::audit::Actor;
    use app::ssr::blueprints::{apply::Options, apply_text};
    let app = spawn_api().await;
    let (jane, _, codes, email) = jane_with_devices(&app).await;
    let system = app::ssr::users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let blueprint = format!(
        r#"
version: 1
metadata: {{ name: devices }}
entries:
  - model: authentik_stages_authenticator_email.emaildevice
    identifiers: {{ user: "{jane}", name: Email }}
    attrs: {{ name: Old phone mail }}
  - model: authentik_stages_authenticator_static.staticdevice
    state: absent
    identifiers: {{ pk: "{codes}" }}
"#
    );
    apply_text(&app.pool, &actor, &blueprint, &Options::default())
        .await
        .expect("applies");
    let names: Vec<(String, String)> =
        sqlx::query_as("select id::text, name from mfa_devices where user_id = $1")
            .bind(jane)
            .fetch_all(&app.pool)
            .await
            .expect("devices");
    assert_eq!(names, [(email.clone(), "Old phone mail".to_string())]);
    let removed = app.events("mfa_removed").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].2["device"], codes.as_str());

    let create = format!(
        r#"
version: 1
metadata: {{ name: new device }}
entries:
  - model: authentik_stages_authenticator_totp.totpdevice
    identifiers: {{ user: "{jane}", name: Phone }}
"#
    );
    let err = apply_text(&app.pool, &actor, &create, &Options::default())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("setup flow"), "{err}");
}
