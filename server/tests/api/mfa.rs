//! Second factors (issue 13): enrolling an authenticator app through its setup flow, and the
//! sign-in that then asks for its code, each code good once, wrong ones throttled.
use crate::helpers::{TestApp, spawn_app};
use serde_json::Value;
use totp_rs::{Algorithm, Secret, TOTP};

pub const SIGN_IN: &str = "default-authentication-flow";
const SETUP: &str = "default-authenticator-totp-setup";
pub const PASSWORD: &str = "jane-password-1";

/// The code of the authenticator app holding `secret` (base32), `steps` steps from now:
/// computed here from the secret the page showed, as the app would.
pub fn code(secret: &str, steps: i64) -> String {
    let bytes = Secret::Encoded(secret.to_string())
        .to_bytes()
        .expect("base32 secret");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let at = now.checked_add_signed(steps * 30).expect("time");
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, bytes, None, String::new()).generate(at)
}

/// Signs `jane` in (no second factor yet) and enrolls an authenticator app; its secret and the
/// code that confirmed it.
pub async fn enroll(app: &TestApp) -> (String, String) {
    let view = app.login("jane", PASSWORD).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let view = app.load_flow(SETUP, &[]).await;
    let view = &view["Found"];
    assert_eq!(view["challenge"]["component"], "totp_setup", "{view}");
    let secret = view["challenge"]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let uri = view["challenge"]["uri"].as_str().expect("uri");
    assert!(
        uri.starts_with("otpauth://totp/") && uri.contains(&secret),
        "{uri}"
    );
    assert!(uri.contains("jane"), "{uri}");
    assert!(
        view["challenge"]["qr_svg"]
            .as_str()
            .expect("qr")
            .starts_with("<?xml")
    );

    // A wrong code saves nothing and says so beside the field.
    let wrong = app.submit(SETUP, &[("code", "000000")]).await;
    if wrong["challenge"]["component"] != "redirect" {
        assert_eq!(wrong["challenge"]["component"], "totp_setup", "{wrong}");
        assert!(wrong["errors"]["code"].as_str().is_some(), "{wrong}");
        // The same secret is offered again until a code confirms it.
        assert_eq!(wrong["challenge"]["secret"], secret.as_str());
    }
    let first = code(&secret, 0);
    let done = app.submit(SETUP, &[("code", &first)]).await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    (secret, first)
}

/// The password step of a new sign-in; the view that follows it.
pub async fn after_password(app: &TestApp) -> Value {
    app.load_flow(SIGN_IN, &[]).await;
    app.submit(SIGN_IN, &[("uid_field", "jane")]).await;
    app.submit(SIGN_IN, &[("password", PASSWORD)]).await
}

#[tokio::test]
async fn sign_in_asks_for_the_code_once_an_app_is_enrolled_and_takes_each_code_once() {
    let app = spawn_app().await;
    let jane = app.create_user("jane", PASSWORD).await;
    let (secret, first) = enroll(&app).await;
    let enrolled = app.events("mfa_enrolled").await;
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(enrolled[0].2["class"], "totp");

    // The secret rests sealed: neither its bytes nor its base32 are in the row.
    let (stored, digits): (Vec<u8>, i16) = sqlx::query_as(
        "select secret, digits from mfa_devices where user_id = $1 and class = 'totp'",
    )
    .bind(jane)
    .fetch_one(&app.pool)
    .await
    .expect("device row");
    let raw = Secret::Encoded(secret.clone()).to_bytes().expect("bytes");
    assert_eq!(digits, 6);
    assert!(!stored.windows(raw.len()).any(|w| w == raw.as_slice()));
    assert!(!String::from_utf8_lossy(&stored).contains(&secret));

    app.logout().await;
    let view = after_password(&app).await;
    assert_eq!(
        view["challenge"]["component"], "authenticator_validate",
        "{view}"
    );
    assert_eq!(view["challenge"]["classes"], serde_json::json!(["totp"]));
    // The code used to enroll is spent (RFC 6238 §5.2), and a wrong one is refused.
    for spent in [first, "123456".to_string()] {
        let view = app.submit(SIGN_IN, &[("code", &spent)]).await;
        assert_eq!(
            view["challenge"]["component"], "authenticator_validate",
            "{view}"
        );
        assert_eq!(view["errors"]["code"], "That code is not right.", "{spent}");
    }
    assert!(app.session_cookie().is_some());
    let next = code(&secret, 1);
    let view = app.submit(SIGN_IN, &[("code", &next)]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let me: Value = app.server_fn("me", &[]).await.json().await.expect("me");
    assert_eq!(me["username"], "jane");
    let failed = app.events("mfa_failed").await;
    assert_eq!(failed.len(), 2, "{failed:?}");
    let logins = app.events("login").await;
    assert_eq!(logins.last().expect("login").2["mfa_class"], "totp");

    // The same code in another sign-in: still spent.
    app.logout().await;
    let view = after_password(&app).await;
    assert_eq!(view["challenge"]["component"], "authenticator_validate");
    let view = app.submit(SIGN_IN, &[("code", &next)]).await;
    assert_eq!(view["errors"]["code"], "That code is not right.", "{view}");
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_wrong_passwords() {
    let app = spawn_app().await;
    app.create_user("jane", PASSWORD).await;
    enroll(&app).await;
    app.logout().await;
    after_password(&app).await;
    let mut answers = Vec::new();
    for guess in ["111111", "222222", "333333", "444444", "555555", "666666"] {
        let view = app.submit(SIGN_IN, &[("code", guess)]).await;
        answers.push(
            view["errors"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert_eq!(answers[0], "That code is not right.", "{answers:?}");
    assert!(
        answers
            .iter()
            .any(|a| a.starts_with("Too many failed sign-in attempts. Try again in")),
        "{answers:?}"
    );
}

#[tokio::test]
async fn without_a_device_the_second_factor_is_skipped_and_setup_needs_a_session() {
    let app = spawn_app().await;
    app.create_user("jane", PASSWORD).await;
    let anonymous = app.load_flow(SETUP, &[]).await;
    assert_ne!(
        anonymous["Found"]["challenge"]["component"], "totp_setup",
        "{anonymous}"
    );
    let view = app.login("jane", PASSWORD).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
}

#[tokio::test]
async fn the_setup_stage_settings_are_checked() {
    use app::ssr::stages::by_kind;
    let totp = by_kind("authenticator_totp").expect("kind");
    assert!(totp.normalize(&serde_json::json!({"digits": "8"})).is_ok());
    let err = totp
        .normalize(&serde_json::json!({"digits": 7}))
        .expect_err("7 digits");
    assert!(err.contains_key("digits"), "{err:?}");
    let validate = by_kind("authenticator_validate").expect("kind");
    assert!(validate.normalize(&serde_json::json!({})).is_ok());
    for (bad, field) in [
        (
            serde_json::json!({"device_classes": ["totp", "carrier-pigeon"]}),
            "device_classes",
        ),
        (
            serde_json::json!({"not_configured_action": "maybe"}),
            "not_configured_action",
        ),
        (
            serde_json::json!({"last_auth_threshold": "fortnights=2"}),
            "last_auth_threshold",
        ),
        (
            serde_json::json!({"not_configured_action": "configure"}),
            "configuration_stages",
        ),
    ] {
        let err = validate.normalize(&bad).expect_err("refused");
        assert!(err.contains_key(field), "{bad}: {err:?}");
    }
    let email = by_kind("authenticator_email").expect("kind");
    // What an authentik blueprint writes loads (its own SMTP settings are read, not used).
    let authentik = serde_json::json!({
        "use_global_settings": true, "host": "smtp.example.com", "port": 25,
        "template": "email/email_otp.html", "token_expiry": "minutes=15", "subject": "Code",
    });
    assert!(email.normalize(&authentik).is_ok());
    for (bad, field) in [
        (
            serde_json::json!({"use_global_settings": false}),
            "use_global_settings",
        ),
        (
            serde_json::json!({"token_expiry": "days=2"}),
            "token_expiry",
        ),
        (
            serde_json::json!({"template": "../../etc/passwd"}),
            "template",
        ),
        (serde_json::json!({"subject": ""}), "subject"),
    ] {
        let err = email.normalize(&bad).expect_err("refused");
        assert!(err.contains_key(field), "{bad}: {err:?}");
    }
}

#[tokio::test]
async fn users_list_and_remove_their_own_devices_only() {
    let app = spawn_app().await;
    app.create_user("jane", PASSWORD).await;
    app.create_user("john", "john-password-1").await;
    enroll(&app).await;
    let devices = app.ok_fn("me/mfa", serde_json::json!({})).await;
    let devices = devices.as_array().expect("devices");
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0]["class"], "totp");
    assert_eq!(devices[0]["name"], "Authenticator app");
    assert!(
        devices[0]["last_used"].is_string(),
        "enrolling uses the first code"
    );
    let id = devices[0]["id"].clone();

    // Someone else's device is not found, and stays.
    let john = app.new_browser();
    john.login("john", "john-password-1").await;
    let res = john
        .json_fn("me/mfa/remove", serde_json::json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        john.ok_fn("me/mfa", serde_json::json!({})).await,
        serde_json::json!([])
    );

    app.ok_fn("me/mfa/remove", serde_json::json!({ "id": id }))
        .await;
    assert_eq!(
        app.ok_fn("me/mfa", serde_json::json!({})).await,
        serde_json::json!([])
    );
    let removed = app.events("mfa_removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0].0, "jane");
    // Without a device, the password is enough again.
    app.logout().await;
    let view = app.login("jane", PASSWORD).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
}

#[tokio::test]
async fn recovery_codes_are_shown_once_stored_as_digests_and_each_works_once() {
    let app = spawn_app().await;
    let jane = app.create_user("jane", PASSWORD).await;
    app.login("jane", PASSWORD).await;
    let view = app
        .load_flow("default-authenticator-static-setup", &[])
        .await;
    let view = &view["Found"];
    assert_eq!(view["challenge"]["component"], "static_setup", "{view}");
    let codes: Vec<String> = view["challenge"]["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_string())
        .collect();
    assert_eq!(codes.len(), 6);
    assert!(codes.iter().all(|c| c.len() == 12), "{codes:?}");
    // Until the person goes on, nothing is saved, and a reload shows the same codes.
    let again = app
        .load_flow("default-authenticator-static-setup", &[])
        .await;
    assert_eq!(
        again["Found"]["challenge"]["codes"],
        view["challenge"]["codes"]
    );
    assert_eq!(
        app.ok_fn("me/mfa", serde_json::json!({})).await,
        serde_json::json!([])
    );
    let done = app.submit("default-authenticator-static-setup", &[]).await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");

    let stored: Vec<Vec<u8>> = sqlx::query_scalar(
        "select t.token_hash from mfa_static_tokens t join mfa_devices d on d.id = t.device_id
         where d.user_id = $1",
    )
    .bind(jane)
    .fetch_all(&app.pool)
    .await
    .expect("tokens");
    assert_eq!(stored.len(), 6);
    assert!(stored.iter().all(|s| {
        codes
            .iter()
            .all(|c| !String::from_utf8_lossy(s).contains(c.as_str()))
    }));

    app.logout().await;
    let view = after_password(&app).await;
    assert_eq!(
        view["challenge"]["classes"],
        serde_json::json!(["static"]),
        "{view}"
    );
    let view = app.submit(SIGN_IN, &[("code", &codes[0])]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    assert_eq!(
        app.events("login").await.last().expect("login").2["mfa_class"],
        "static"
    );

    // Spent; the next one works typed in capitals with a space.
    app.logout().await;
    after_password(&app).await;
    let view = app.submit(SIGN_IN, &[("code", &codes[0])]).await;
    assert_eq!(view["errors"]["code"], "That code is not right.", "{view}");
    let typed = format!("{} {}", &codes[1][..6], &codes[1][6..]).to_uppercase();
    let view = app.submit(SIGN_IN, &[("code", &typed)]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let left: i64 = sqlx::query_scalar("select count(*) from mfa_static_tokens")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(left, 4);
}

#[tokio::test]
async fn with_an_app_and_recovery_codes_either_is_taken() {
    let app = spawn_app().await;
    app.create_user("jane", PASSWORD).await;
    let (secret, _) = enroll(&app).await;
    app.load_flow("default-authenticator-static-setup", &[])
        .await;
    let codes = app
        .load_flow("default-authenticator-static-setup", &[])
        .await["Found"]["challenge"]["codes"]
        .clone();
    app.submit("default-authenticator-static-setup", &[]).await;
    app.logout().await;
    let view = after_password(&app).await;
    assert_eq!(
        view["challenge"]["classes"],
        serde_json::json!(["totp", "static"]),
        "{view}"
    );
    let view = app
        .submit(SIGN_IN, &[("code", codes[0].as_str().expect("code"))])
        .await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    app.logout().await;
    after_password(&app).await;
    let view = app.submit(SIGN_IN, &[("code", &code(&secret, 1))]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    assert_eq!(
        app.events("login").await.last().expect("login").2["mfa_class"],
        "totp"
    );
}
