//! The client credentials grant with a user's app password (`username` + `password`), as
//! authentik's machine-to-machine authentication; the helpers the JWT assertion tests share.
use crate::helpers::{TestApp, assert_refused, spawn_api};
use crate::oauth2_oidc::{SECRET, oauth_app};
use crate::policy_support::bind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) fn claims(jwt: &Value) -> serde_json::Map<String, Value> {
    server::protocols::oauth2::payload(jwt.as_str().expect("a JWT")).expect("claims")
}

/// A new app password of `user`; its key.
pub(crate) async fn app_password(app: &TestApp, user: Uuid, identifier: &str) -> String {
    token_of(app, user, identifier, "app_password").await
}

pub(crate) async fn token_of(app: &TestApp, user: Uuid, identifier: &str, intent: &str) -> String {
    app.admin_api(
        Method::POST,
        "/core/tokens/",
        Some(json!({ "identifier": identifier, "intent": intent, "user": user.to_string(), "expiring": false })),
    )
    .await;
    app.admin_api(
        Method::GET,
        &format!("/core/tokens/{identifier}/view_key/"),
        None,
    )
    .await["key"]
        .as_str()
        .expect("key")
        .to_string()
}

/// The throttle forgets every failure (each refusal below is checked on its own).
pub(crate) async fn forgive(app: &TestApp) {
    sqlx::query("delete from throttle_counters")
        .execute(&app.pool)
        .await
        .expect("forgive");
}

pub(crate) async fn with_password(
    app: &TestApp,
    client_id: &str,
    user: &str,
    pw: &str,
) -> (StatusCode, Value) {
    app.token(&[
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("username", user),
        ("password", pw),
        ("scope", "openid profile"),
    ])
    .await
}

#[tokio::test]
async fn an_app_password_signs_in_as_its_user() {
    let app = spawn_api().await;
    let bo = app.create_user("bo", "bos long password").await;
    let id = oauth_app(&app, "wiki", json!({ "sub_mode": "user_username" })).await;
    let key = app_password(&app, bo, "bo-wiki").await;

    let (status, body) = with_password(&app, &id, "bo", &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = claims(&body["access_token"]);
    assert_eq!(
        (access["sub"].as_str(), access["aud"].as_str()),
        (Some("bo"), Some(id.as_str()))
    );
    assert_eq!(access["iss"], app.url("/application/o/wiki/"));
    assert_eq!(claims(&body["id_token"])["sub"], "bo");
    let info: Value = app
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(body["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["preferred_username"], "bo", "{info}");
    // The login is an event of Bo's, by token, as authentik records it.
    let logins = app.events("login").await;
    let (who, _, ctx) = logins.last().expect("login event");
    assert_eq!(who, "bo");
    assert_eq!(
        (ctx["auth_method"].as_str(), ctx["client_id"].as_str()),
        (Some("token"), Some(id.as_str())),
        "{ctx}"
    );
    // The client's own secret still signs in as its service account.
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", SECRET),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims(&body["access_token"])["sub"],
        "ak-wiki provider-client_credentials"
    );
}

#[tokio::test]
async fn wrong_expired_foreign_and_non_app_passwords_are_refused() {
    let app = spawn_api().await;
    let bo = app.create_user("bo", "bos long password").await;
    let ann = app.create_user("ann", "anns long password").await;
    let id = oauth_app(&app, "wiki", json!({})).await;
    let bos = app_password(&app, bo, "bo-wiki").await;
    let anns = app_password(&app, ann, "ann-wiki").await;
    let api = token_of(&app, bo, "bo-api", "api").await;
    let expired = app_password(&app, bo, "bo-old").await;
    sqlx::query(
        "update tokens set expires_at = now() - interval '1 minute' where identifier = 'bo-old'",
    )
    .execute(&app.pool)
    .await
    .expect("expire");

    for (user, pw, what) in [
        ("bo", "not the app password", "a wrong password"),
        ("bo", "bos long password", "the account password"),
        ("bo", anns.as_str(), "another user's app password"),
        ("ann", bos.as_str(), "an app password of another user"),
        ("bo", api.as_str(), "an API token"),
        ("bo", expired.as_str(), "an expired app password"),
        ("nobody", bos.as_str(), "an unknown user"),
        ("bo", "", "no password"),
        ("bo\0x", bos.as_str(), "a NUL in the username"),
    ] {
        forgive(&app).await;
        let answer = with_password(&app, &id, user, pw).await;
        assert_refused(&answer, "invalid_grant", what);
        assert!(
            answer.1["error_description"]
                .as_str()
                .is_some_and(|d| d.contains("app password")),
            "{what}: {}",
            answer.1
        );
    }
    // Each refusal is a failed login.
    let failed = app.events("login_failed").await;
    assert_eq!(failed.len(), 9, "{failed:?}");
    assert_eq!(failed[0].2["auth_method"], "app_password");
    assert_eq!(failed[0].2["username"], "bo");

    // An inactive user gets nothing with a valid app password.
    forgive(&app).await;
    sqlx::query("update users set is_active = false where id = $1")
        .bind(ann)
        .execute(&app.pool)
        .await
        .expect("deactivate");
    assert_refused(
        &with_password(&app, &id, "ann", &anns).await,
        "invalid_grant",
        "an inactive user",
    );

    // An unknown client is a client error, whatever the password.
    let (status, body) = with_password(&app, "no-such-client", "bo", &bos).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "{body}"
    );

    // Guessing goes through the throttle: after the free failures, even the right password
    // waits.
    forgive(&app).await;
    for _ in 0..6 {
        with_password(&app, &id, "bo", "guess").await;
    }
    let (_, body) = with_password(&app, &id, "bo", &bos).await;
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("Too many")),
        "{body}"
    );
    forgive(&app).await;
    let (status, body) = with_password(&app, &id, "bo", &bos).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_user_the_application_refuses_gets_no_token() {
    let app = spawn_api().await;
    let bo = app.create_user("bo", "bos long password").await;
    let ann = app.create_user("ann", "anns long password").await;
    let id = oauth_app(&app, "wiki", json!({})).await;
    let key = app_password(&app, bo, "bo-wiki").await;
    let wiki = app
        .admin_api(Method::GET, "/core/applications/wiki/", None)
        .await;
    bind(&app, &wiki, json!({ "user": ann.to_string() }), 0).await;
    let (status, body) = with_password(&app, &id, "bo", &key).await;
    assert_refused(&(status, body.clone()), "invalid_grant", "no access");
    assert_eq!(
        body["error_description"],
        "The user may not use this application."
    );
    // A client that may not use the grant says so, before any password is checked.
    let other = oauth_app(
        &app,
        "web",
        json!({ "grant_types": ["authorization_code"] }),
    )
    .await;
    let (status, body) = with_password(&app, &other, "bo", &key).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client")),
        "{body}"
    );
}
