//! Second factors beyond the app (issue 13): email codes through the SMTP sink, choosing among
//! several classes, enrolling a device during sign-in (`not_configured_action: configure`), and
//! a browser that passed not being asked again within `last_auth_threshold`.
use crate::email::app_with_sink;
use crate::helpers::TestApp;
use crate::mfa::{PASSWORD, SIGN_IN, after_password, code, enroll};
use crate::smtp_sink::SmtpSink;
use app::ssr::jobs::Worker;
use serde_json::{Value, json};

const EMAIL_SETUP: &str = "default-authenticator-email-setup";

/// Sends what is queued; the code in the newest mail to `to`.
async fn mailed_code(app: &TestApp, sink: &SmtpSink, to: &str) -> String {
    let worker = Worker::new(app.pool.clone()).with_email(app.email.clone().expect("email"));
    worker.run_due().await.expect("send");
    let mail = sink.received();
    let last = mail
        .iter()
        .rev()
        .find(|m| m.to == [to])
        .unwrap_or_else(|| panic!("no mail to {to}: {mail:?}"));
    let at = last
        .data
        .find("sign-in code for")
        .expect("the code's sentence");
    let rest = &last.data[at..];
    let bytes = rest.as_bytes();
    (0..bytes.len().saturating_sub(6))
        .find(|&i| {
            bytes[i..i + 6].iter().all(u8::is_ascii_digit)
                && !bytes.get(i + 6).is_some_and(u8::is_ascii_digit)
                && (i == 0 || !bytes[i - 1].is_ascii_digit())
        })
        .map(|i| rest[i..i + 6].to_string())
        .unwrap_or_else(|| panic!("no code in {}", last.data))
}

/// Sets the sign-in's validation stage's settings.
async fn validation_settings(app: &TestApp, settings: Value) {
    sqlx::query(
        "update stages set config = config || $1 where name = 'default-authentication-mfa-validation'",
    )
    .bind(settings)
    .execute(&app.pool)
    .await
    .expect("settings");
    app.caches.clear();
}

async fn stage_id(app: &TestApp, name: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar("select id from stages where name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .expect("stage");
    id.to_string()
}

#[tokio::test]
async fn email_codes_enroll_through_the_mail_and_then_sign_in() {
    let sink = SmtpSink::start(false).await;
    let admin = app_with_sink(&sink).await;
    let app = admin.new_browser();
    app.create_user("jane", PASSWORD).await;
    app.login("jane", PASSWORD).await;
    let view = app.load_flow(EMAIL_SETUP, &[]).await;
    let view = &view["Found"];
    assert_eq!(view["challenge"]["component"], "email_setup", "{view}");
    assert_eq!(view["challenge"]["sent_to"], "j•••@example.com");
    let first = mailed_code(&app, &sink, "jane@example.com").await;

    // A wrong code saves nothing; asking again at once is refused (no mail flood).
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    let view = app.submit(EMAIL_SETUP, &[("code", wrong)]).await;
    assert_eq!(view["errors"]["code"], "That code is not right.", "{view}");
    let view = app.submit(EMAIL_SETUP, &[("resend", "1")]).await;
    assert!(
        view["errors"]["code"]
            .as_str()
            .unwrap_or_default()
            .contains("Wait"),
        "{view}"
    );
    let view = app.submit(EMAIL_SETUP, &[("code", &first)]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let enrolled = app.events("mfa_enrolled").await;
    assert_eq!(enrolled.last().expect("event").2["class"], "email");
    let address: Option<String> =
        sqlx::query_scalar("select email from mfa_devices where class = 'email'")
            .fetch_one(&app.pool)
            .await
            .expect("device");
    assert_eq!(address.as_deref(), Some("jane@example.com"));

    // Signing in sends a code of its own; the enrollment's is not good for it.
    app.logout().await;
    let view = after_password(&app).await;
    assert_eq!(
        view["challenge"]["component"], "authenticator_validate",
        "{view}"
    );
    assert_eq!(view["challenge"]["selected"], "email");
    assert_eq!(view["challenge"]["sent_to"], "j•••@example.com");
    let sign_in = mailed_code(&app, &sink, "jane@example.com").await;
    if sign_in != first {
        let view = app.submit(SIGN_IN, &[("code", &first)]).await;
        assert_eq!(view["errors"]["code"], "That code is not right.", "{view}");
    }
    let view = app.submit(SIGN_IN, &[("code", &sign_in)]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let logins = app.events("login").await;
    assert_eq!(logins.last().expect("login").2["mfa_class"], "email");

    // Once: the same code in the next sign-in is refused.
    app.logout().await;
    after_password(&app).await;
    let next = mailed_code(&app, &sink, "jane@example.com").await;
    if next != sign_in {
        let view = app.submit(SIGN_IN, &[("code", &sign_in)]).await;
        assert_eq!(view["errors"]["code"], "That code is not right.", "{view}");
    }
}

#[tokio::test]
async fn an_account_without_an_address_gives_one_to_enroll() {
    let sink = SmtpSink::start(false).await;
    let admin = app_with_sink(&sink).await;
    let app = admin.new_browser();
    let jane = app.create_user("jane", PASSWORD).await;
    sqlx::query("update users set email = null where id = $1")
        .bind(jane)
        .execute(&app.pool)
        .await
        .expect("no email");
    app.login("jane", PASSWORD).await;
    let view = app.load_flow(EMAIL_SETUP, &[]).await;
    assert_eq!(view["Found"]["challenge"]["sent_to"], Value::Null, "{view}");
    let view = app
        .submit(EMAIL_SETUP, &[("email", "not an address")])
        .await;
    assert!(view["errors"]["email"].is_string(), "{view}");
    let view = app
        .submit(EMAIL_SETUP, &[("email", "jane.doe@example.org")])
        .await;
    assert_eq!(view["challenge"]["sent_to"], "j•••@example.org", "{view}");
    let code = mailed_code(&app, &sink, "jane.doe@example.org").await;
    let view = app.submit(EMAIL_SETUP, &[("code", &code)]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
}

#[tokio::test]
async fn with_two_classes_the_person_picks_one() {
    let sink = SmtpSink::start(false).await;
    let admin = app_with_sink(&sink).await;
    let app = admin.new_browser();
    app.create_user("jane", PASSWORD).await;
    let (secret, _) = enroll(&app).await;
    app.load_flow(EMAIL_SETUP, &[]).await;
    let first = mailed_code(&app, &sink, "jane@example.com").await;
    app.submit(EMAIL_SETUP, &[("code", &first)]).await;
    app.logout().await;

    let view = after_password(&app).await;
    assert_eq!(
        view["challenge"]["classes"],
        json!(["totp", "email"]),
        "{view}"
    );
    assert_eq!(view["challenge"]["selected"], "totp");
    let sent_before = sink.received().len();
    let view = app.submit(SIGN_IN, &[("class", "email")]).await;
    assert_eq!(view["challenge"]["selected"], "email", "{view}");
    assert!(
        view["errors"].as_object().is_none_or(|e| e.is_empty()),
        "{view}"
    );
    let emailed = mailed_code(&app, &sink, "jane@example.com").await;
    assert_eq!(sink.received().len(), sent_before + 1);
    // The app's code is not taken while email is the chosen way.
    let view = app.submit(SIGN_IN, &[("code", &code(&secret, 1))]).await;
    assert_eq!(view["errors"]["code"], "That code is not right.", "{view}");
    let view = app.submit(SIGN_IN, &[("code", &emailed)]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");

    // Back to the app in the next sign-in.
    app.logout().await;
    after_password(&app).await;
    let view = app.submit(SIGN_IN, &[("class", "totp")]).await;
    assert_eq!(view["challenge"]["selected"], "totp", "{view}");
    // (the step after the one that enrolled the app: that one is spent)
    let view = app.submit(SIGN_IN, &[("code", &code(&secret, 1))]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    assert_eq!(
        app.events("login").await.last().expect("login").2["mfa_class"],
        "totp"
    );
}

#[tokio::test]
async fn configure_enrolls_a_device_during_sign_in() {
    let app = crate::helpers::spawn_app().await;
    let jane = app.create_user("jane", PASSWORD).await;
    let totp = stage_id(&app, "default-authenticator-totp-setup").await;
    validation_settings(
        &app,
        json!({ "not_configured_action": "configure", "configuration_stages": [totp] }),
    )
    .await;
    let view = after_password(&app).await;
    assert_eq!(view["challenge"]["component"], "totp_setup", "{view}");
    let secret = view["challenge"]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let view = app.submit(SIGN_IN, &[("code", &code(&secret, 0))]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let me: Value = app.server_fn("me", &[]).await.json().await.expect("me");
    assert_eq!(me["username"], "jane");
    let classes: Vec<String> =
        sqlx::query_scalar("select class from mfa_devices where user_id = $1")
            .bind(jane)
            .fetch_all(&app.pool)
            .await
            .expect("devices");
    assert_eq!(classes, ["totp"]);
    assert_eq!(
        app.events("login").await.last().expect("login").2["mfa_class"],
        "totp"
    );

    // With several stages to choose from, the person picks one; john has no device yet.
    app.logout().await;
    app.create_user("john", "john-password-1").await;
    let codes = stage_id(&app, "default-authenticator-static-setup").await;
    validation_settings(&app, json!({ "configuration_stages": [totp, codes] })).await;
    app.load_flow(SIGN_IN, &[]).await;
    app.submit(SIGN_IN, &[("uid_field", "john")]).await;
    let view = app
        .submit(SIGN_IN, &[("password", "john-password-1")])
        .await;
    assert_eq!(
        view["challenge"]["component"], "authenticator_validate",
        "{view}"
    );
    assert_eq!(view["challenge"]["enroll"], true);
    assert_eq!(view["challenge"]["classes"], json!(["totp", "static"]));
    let view = app.submit(SIGN_IN, &[("class", "static")]).await;
    assert_eq!(view["challenge"]["component"], "static_setup", "{view}");
    let view = app.submit(SIGN_IN, &[]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
}

#[tokio::test]
async fn the_same_browser_is_not_asked_again_within_the_threshold_another_is() {
    let app = crate::helpers::spawn_app().await;
    app.create_user("jane", PASSWORD).await;
    validation_settings(&app, json!({ "last_auth_threshold": "hours=12" })).await;
    let (secret, _) = enroll(&app).await;
    app.logout().await;
    after_password(&app).await;
    let view = app.submit(SIGN_IN, &[("code", &code(&secret, 1))]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");

    // This browser: the password is enough now.
    app.logout().await;
    let view = after_password(&app).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");

    // Another browser is asked.
    let other = app.new_browser();
    let view = after_password(&other).await;
    assert_eq!(
        view["challenge"]["component"], "authenticator_validate",
        "{view}"
    );

    // Without a threshold, the first browser is asked again.
    app.logout().await;
    validation_settings(&app, json!({ "last_auth_threshold": "seconds=0" })).await;
    let view = after_password(&app).await;
    assert_eq!(
        view["challenge"]["component"], "authenticator_validate",
        "{view}"
    );
}

#[tokio::test]
async fn security_keys_need_a_name_not_an_address_and_say_so() {
    // The tests reach Ward at 127.0.0.1: no WebAuthn relying party can be an IP address.
    let app = crate::helpers::spawn_app().await;
    app.create_user("jane", PASSWORD).await;
    app.login("jane", PASSWORD).await;
    let view = app
        .load_flow("default-authenticator-webauthn-setup", &[])
        .await;
    let view = &view["Found"];
    assert_eq!(view["challenge"]["component"], "access_denied", "{view}");
    assert!(
        view["challenge"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("reached by a name, not an address (127.0.0.1)"),
        "{view}"
    );
    // The sign-in page still works, without passkey autofill.
    app.logout().await;
    let view = app.load_flow(SIGN_IN, &[]).await;
    assert_eq!(
        view["Found"]["challenge"]["component"], "identification",
        "{view}"
    );
    assert_eq!(view["Found"]["challenge"]["passkey"], Value::Null);
    assert_eq!(
        view["Found"]["challenge"]["passwordless_url"],
        "/if/flow/default-passwordless-flow/"
    );
    // A forged autofill answer is refused beside the field, not a crash.
    let view = app
        .submit(
            SIGN_IN,
            &[("passkey", r#"{"id":"x","rawId":"eA","type":"public-key"}"#)],
        )
        .await;
    assert_eq!(view["challenge"]["component"], "identification", "{view}");
}

#[tokio::test]
async fn the_webauthn_setup_stage_settings_are_checked() {
    let kind = app::ssr::stages::by_kind("authenticator_webauthn").expect("kind");
    let authentik = json!({
        "user_verification": "preferred", "resident_key_requirement": "required",
        "authenticator_attachment": "cross-platform", "device_type_restrictions": [],
        "max_attempts": 0, "friendly_name": "YubiKey",
    });
    assert!(kind.normalize(&authentik).is_ok());
    for (bad, field) in [
        (
            json!({"user_verification": "sometimes"}),
            "user_verification",
        ),
        (
            json!({"resident_key_requirement": "maybe"}),
            "resident_key_requirement",
        ),
        (
            json!({"authenticator_attachment": "usb"}),
            "authenticator_attachment",
        ),
        (
            json!({"device_type_restrictions": ["fido2"]}),
            "device_type_restrictions",
        ),
    ] {
        let err = kind.normalize(&bad).expect_err("refused");
        assert!(err.contains_key(field), "{bad}: {err:?}");
    }
}

#[tokio::test]
async fn admins_see_remove_and_reset_a_users_devices() {
    let admin = crate::helpers::spawn_app().await;
    admin.setup_admin().await;
    let app = admin.new_browser();
    let jane = app.create_user("jane", PASSWORD).await;
    enroll(&app).await;
    app.load_flow("default-authenticator-static-setup", &[])
        .await;
    app.submit("default-authenticator-static-setup", &[]).await;
    let user = jane.to_string();

    // Only superusers may look.
    let res = app
        .json_fn("admin/users/mfa", json!({ "user": user }))
        .await;
    assert_eq!(res.status(), 403);
    let devices = admin
        .ok_fn("admin/users/mfa", json!({ "user": user }))
        .await;
    let classes: Vec<&str> = devices
        .as_array()
        .expect("devices")
        .iter()
        .map(|d| d["class"].as_str().expect("class"))
        .collect();
    assert_eq!(classes, ["totp", "static"], "{devices}");
    assert!(devices[0].get("secret").is_none());

    let one = devices[0]["id"].as_str().expect("id");
    let removed = admin
        .ok_fn("admin/users/mfa/remove", json!({ "user": user, "id": one }))
        .await;
    assert_eq!(removed, Value::Null);
    let left = admin
        .ok_fn("admin/users/mfa", json!({ "user": user }))
        .await;
    assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
    let again = admin
        .json_fn("admin/users/mfa/remove", json!({ "user": user, "id": one }))
        .await;
    assert_eq!(again.status(), 404);
    let reset = admin
        .ok_fn("admin/users/mfa/remove", json!({ "user": user }))
        .await;
    assert_eq!(reset, Value::Null);
    assert_eq!(
        admin
            .ok_fn("admin/users/mfa", json!({ "user": user }))
            .await,
        json!([])
    );
    let events = app.events("mfa_removed").await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e.0 == "jane" && e.2["by"] == "akadmin"),
        "{events:?}"
    );
    assert_eq!(events[1].2["reset"], true);
}

#[tokio::test]
async fn requiring_mfa_of_admins_makes_an_admin_without_a_device_enroll_one() {
    let admin = crate::helpers::spawn_app().await;
    let lone = admin.new_browser();
    lone.create_user("jane", PASSWORD).await;
    admin.setup_admin().await;
    let settings = admin.ok_fn("admin/settings", json!({})).await;
    assert_eq!(settings["require_admin_mfa"], false, "{settings}");
    let mut on = settings.clone();
    on["require_admin_mfa"] = json!(true);
    let saved = admin
        .ok_fn("admin/settings/save", json!({ "settings": on }))
        .await;
    assert_eq!(saved["Ok"]["require_admin_mfa"], true, "{saved}");
    assert_eq!(
        admin.ok_fn("admin/settings", json!({})).await["require_admin_mfa"],
        true
    );
    // Saving it on again binds nothing twice.
    admin
        .ok_fn("admin/settings/save", json!({ "settings": on }))
        .await;
    let gates: Vec<String> = sqlx::query_scalar(
        "select g.name from policy_bindings p join groups g on g.id = p.group_id
           join flow_stage_bindings b on b.id = p.flow_stage_binding_id
           join stages s on s.id = b.stage_id
          where s.name = 'default-authentication-mfa-enforce'",
    )
    .fetch_all(&admin.pool)
    .await
    .expect("gates");
    assert_eq!(gates, ["authentik Admins"]);

    // A user who is not an admin still signs in with a password alone.
    let view = lone.login("jane", PASSWORD).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");

    // The admin, with no device, picks one to set up before the sign-in completes.
    let browser = admin.new_browser();
    let view = browser
        .login("akadmin", crate::helpers::ADMIN_PASSWORD)
        .await;
    assert_eq!(
        view["challenge"]["component"], "authenticator_validate",
        "{view}"
    );
    assert_eq!(view["challenge"]["enroll"], true);
    assert_eq!(view["challenge"]["classes"], json!(["totp", "webauthn"]));
    let view = browser.submit(SIGN_IN, &[("class", "totp")]).await;
    assert_eq!(view["challenge"]["component"], "totp_setup", "{view}");
    let secret = view["challenge"]["secret"].as_str().expect("secret");
    let view = browser.submit(SIGN_IN, &[("code", &code(secret, 0))]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let me: Value = browser.server_fn("me", &[]).await.json().await.expect("me");
    assert_eq!(me["username"], "akadmin");

    // Next time the device is asked for (once: the enforcing stage sees it was checked).
    let again = admin.new_browser();
    let view = again.login("akadmin", crate::helpers::ADMIN_PASSWORD).await;
    assert_eq!(
        view["challenge"]["component"], "authenticator_validate",
        "{view}"
    );
    assert_ne!(view["challenge"]["enroll"], true, "{view}");
    let view = again.submit(SIGN_IN, &[("code", &code(secret, 1))]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");

    // Off unbinds the stage (and its gates); the change is audited.
    let mut off = on.clone();
    off["require_admin_mfa"] = json!(false);
    let saved = admin
        .ok_fn("admin/settings/save", json!({ "settings": off }))
        .await;
    assert_eq!(saved["Ok"]["require_admin_mfa"], false, "{saved}");
    let left: i64 = sqlx::query_scalar(
        "select count(*) from flow_stage_bindings b join stages s on s.id = b.stage_id
          where s.name = 'default-authentication-mfa-enforce'",
    )
    .fetch_one(&admin.pool)
    .await
    .expect("count");
    assert_eq!(left, 0);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from events where action = 'model_updated'
            and context->'diff' ? 'require_admin_mfa'",
    )
    .fetch_one(&admin.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 2);
}

/// Before any superuser group exists there is no one to require it of: said beside the box.
#[tokio::test]
async fn requiring_mfa_of_admins_needs_a_superuser_group() {
    let app = crate::helpers::spawn_app().await;
    let mut wanted = app::ssr::settings::load(&app.pool).await.expect("load");
    wanted.require_admin_mfa = true;
    let system = app::ssr::users::system();
    let actor = app::ssr::audit::Actor {
        user: &system,
        ip: std::net::IpAddr::from([127, 0, 0, 1]),
    };
    let saved = app::ssr::settings::save(&app.pool, &actor, wanted)
        .await
        .expect("save");
    let app::types::directory::Saved::Invalid(errors) = saved else {
        panic!("saved without a superuser group");
    };
    assert!(
        errors["require_admin_mfa"].contains("No group makes its members superusers"),
        "{errors:?}"
    );
    let now = app::ssr::settings::load(&app.pool).await.expect("load");
    assert!(!now.require_admin_mfa);
}
