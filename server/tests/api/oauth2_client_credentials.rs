//! The client credentials grant beyond the client's own secret, as authentik's machine-to-machine
//! authentication: a user's app password (`username` + `password`), and JWT assertions
//! (RFC 7523) issued by the providers a client federates with (`jwt_federation_providers`).
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use crate::oauth2_oidc::{SECRET, oauth_app};
use crate::policy_support::bind;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

async fn token(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url("/application/o/token/"))
        .form(form)
        .send()
        .await
        .expect("token");
    let status = res.status();
    (status, res.json().await.expect("json"))
}

fn claims(jwt: &Value) -> serde_json::Map<String, Value> {
    server::protocols::oauth2::payload(jwt.as_str().expect("a JWT")).expect("claims")
}

/// A new app password of `user`; its key.
async fn app_password(app: &TestApp, user: Uuid, identifier: &str) -> String {
    token_of(app, user, identifier, "app_password").await
}

async fn token_of(app: &TestApp, user: Uuid, identifier: &str, intent: &str) -> String {
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

async fn provider_pk(app: &TestApp, slug: &str) -> String {
    let a = app
        .admin_api(Method::GET, &format!("/core/applications/{slug}/"), None)
        .await;
    a["provider"].as_str().expect("provider pk").to_string()
}

/// The throttle forgets every failure (each refusal below is checked on its own).
async fn forgive(app: &TestApp) {
    sqlx::query("delete from throttle_counters")
        .execute(&app.pool)
        .await
        .expect("forgive");
}

fn refused(answer: &(StatusCode, Value), error: &str, what: &str) {
    let (status, body) = answer;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some(error)),
        "{what}: {body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{what}: {body}"
    );
    assert!(body.get("access_token").is_none(), "{what}: {body}");
}

async fn with_password(
    app: &TestApp,
    client_id: &str,
    user: &str,
    pw: &str,
) -> (StatusCode, Value) {
    token(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("username", user),
            ("password", pw),
            ("scope", "openid profile"),
        ],
    )
    .await
}

async fn with_assertion(app: &TestApp, client_id: &str, jwt: &str) -> (StatusCode, Value) {
    token(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", jwt),
            ("scope", "openid profile"),
        ],
    )
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
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", SECRET),
        ],
    )
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
        refused(&answer, "invalid_grant", what);
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
    refused(
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
    refused(&(status, body.clone()), "invalid_grant", "no access");
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

/// Providers `issuer` (A, RS256 with the default key) and `api` (B, federating with A), and
/// an access token A issued to Bo.
async fn federation(app: &TestApp, issuer_settings: Value) -> (String, String, String) {
    let bo = app.create_user("bo", "bos long password").await;
    let a = oauth_app(app, "issuer", issuer_settings).await;
    let a_pk = provider_pk(app, "issuer").await;
    let b = oauth_app(
        app,
        "api",
        json!({ "sub_mode": "user_username", "jwt_federation_providers": [a_pk] }),
    )
    .await;
    let key = app_password(app, bo, "bo-issuer").await;
    let (status, body) = with_password(app, &a, "bo", &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let jwt = body["access_token"].as_str().expect("at").to_string();
    (a, b, jwt)
}

#[tokio::test]
async fn a_federated_providers_token_signs_in_as_its_user() {
    let app = spawn_api().await;
    let (a, b, jwt) = federation(&app, json!({})).await;
    let (status, body) = with_assertion(&app, &b, &jwt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = claims(&body["access_token"]);
    assert_eq!(
        (access["sub"].as_str(), access["aud"].as_str()),
        (Some("bo"), Some(b.as_str()))
    );
    assert_eq!(access["iss"], app.url("/application/o/api/"));
    assert_eq!(claims(&body["id_token"])["sub"], "bo");
    let logins = app.events("login").await;
    let (who, _, ctx) = logins.last().expect("login event");
    assert_eq!(who, "bo");
    assert_eq!(ctx["auth_method"], "jwt", "{ctx}");
    assert_eq!(ctx["auth_method_args"]["provider"], "issuer provider");
    assert_eq!(ctx["auth_method_args"]["jwt"]["aud"], a);

    // authentik also takes the JWT as the client secret, in the body or the header.
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &b),
            ("client_assertion_type", JWT_BEARER),
            ("client_secret", &jwt),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let res = app
        .client
        .post(app.url("/application/o/token/"))
        .basic_auth(&b, Some(&jwt))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn hs256_providers_federate_too() {
    let app = spawn_api().await;
    let (_, b, jwt) = federation(&app, json!({ "signing_key": null })).await;
    assert_eq!(header(&jwt)["alg"], "HS256");
    let (status, body) = with_assertion(&app, &b, &jwt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(claims(&body["access_token"])["sub"], "bo");
}

#[tokio::test]
async fn es256_providers_federate_too() {
    let app = spawn_api().await;
    let key = app
        .admin_api(
            Method::POST,
            "/crypto/certificatekeypairs/generate/",
            Some(json!({ "common_name": "es.example.com", "validity_days": 30, "alg": "ecdsa" })),
        )
        .await;
    let (_, b, jwt) = federation(&app, json!({ "signing_key": key["pk"] })).await;
    assert_eq!(header(&jwt)["alg"], "ES256");
    let (status, body) = with_assertion(&app, &b, &jwt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(claims(&body["access_token"])["sub"], "bo");
}

fn header(jwt: &str) -> Value {
    let part = jwt.split('.').next().expect("header");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("b64")).expect("json")
}

fn sign_hs256(claims: &serde_json::Map<String, Value>, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

/// Stores `jwt` as a live access token of the provider `of` for Bo: a forgery that made it
/// into the database must still fail on its signature, algorithm or times.
async fn plant(app: &TestApp, jwt: &str, of: &str) {
    sqlx::query(
        r#"insert into oauth2_tokens (id, kind, token_hash, provider_id, user_id, family, scopes, expires_at)
           select $1, 'access', $2, p.id, u.id, $3, '{}', now() + interval '1 hour'
             from providers p, users u where p.client_id = $4 and u.username = 'bo'"#,
    )
    .bind(Uuid::new_v4())
    .bind(Sha256::digest(jwt.as_bytes()).to_vec())
    .bind(Uuid::new_v4())
    .bind(of)
    .execute(&app.pool)
    .await
    .expect("plant");
}

#[tokio::test]
async fn forged_expired_revoked_and_foreign_jwts_are_refused() {
    let app = spawn_api().await;
    let (a, b, jwt) = federation(&app, json!({})).await;
    let real = claims(&json!(jwt));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    let mut cases: Vec<(String, &str)> = Vec::new();
    // A bad signature: the real token with a character in the middle of its signature changed.
    let at = jwt.rfind('.').expect("signature") + 20;
    let swap = if &jwt[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swap}{}", &jwt[..at], &jwt[at + 1..]);
    cases.push((tampered.clone(), "a bad signature"));
    // The same, even when it made it into the database.
    plant(&app, &tampered, &a).await;
    // Signed with A's client secret, HS256, where A signs with RS256 (algorithm confusion).
    let confused = sign_hs256(&real, SECRET);
    plant(&app, &confused, &a).await;
    cases.push((confused, "HS256 for an RS256 provider"));
    // alg none, without and with a row.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT" }).to_string()),
        jwt.split('.').nth(1).expect("payload")
    );
    plant(&app, &none, &a).await;
    cases.push((none, "alg none"));
    cases.push(("not.a.jwt".into(), "garbage"));
    cases.push(("%00\u{0}".into(), "a NUL"));
    cases.push(("x".repeat(20_000), "an oversized assertion"));

    for (assertion, what) in &cases {
        forgive(&app).await;
        refused(
            &with_assertion(&app, &b, assertion).await,
            "invalid_grant",
            what,
        );
    }
    let failed = app.events("login_failed").await;
    assert_eq!(failed.len(), cases.len(), "{failed:?}");
    assert!(
        failed
            .iter()
            .all(|(_, _, c)| c["auth_method"] == "jwt" && c["client_id"] == b.as_str()),
        "{failed:?}"
    );
    // The planted forgeries fail on what is wrong with them, not on the lookup.
    let reasons: Vec<&str> = failed
        .iter()
        .map(|(_, _, c)| c["reason"].as_str().expect("reason"))
        .collect();
    assert!(
        reasons[0].contains("signature does not verify"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("algorithm"), "{reasons:?}");
    assert!(
        reasons[2..]
            .iter()
            .all(|r| r.contains("not a well-formed JWT")),
        "{reasons:?}"
    );

    // An HS256 provider: an expired JWT signed with its real key, though its row is live.
    let h = oauth_app(&app, "hs", json!({ "signing_key": null })).await;
    let h_pk = provider_pk(&app, "hs").await;
    let mut old = real.clone();
    old.insert("aud".into(), json!(h));
    old.insert("exp".into(), json!(now - 5));
    let expired = sign_hs256(&old, SECRET);
    plant(&app, &expired, &h).await;
    let mut no_exp = old.clone();
    no_exp.remove("exp");
    let no_exp = sign_hs256(&no_exp, SECRET);
    plant(&app, &no_exp, &h).await;
    let mut fresh = old.clone();
    fresh.insert("exp".into(), json!(now + 300));
    let fresh = sign_hs256(&fresh, SECRET);
    plant(&app, &fresh, &h).await;
    let c = oauth_app(
        &app,
        "consumer",
        json!({ "jwt_federation_providers": [h_pk] }),
    )
    .await;
    forgive(&app).await;
    refused(
        &with_assertion(&app, &c, &expired).await,
        "invalid_grant",
        "expired",
    );
    forgive(&app).await;
    refused(
        &with_assertion(&app, &c, &no_exp).await,
        "invalid_grant",
        "no exp",
    );
    let failed = app.events("login_failed").await;
    assert!(
        failed[failed.len() - 2..]
            .iter()
            .all(|(_, _, c)| c["reason"].as_str().is_some_and(|r| r.contains("expired"))),
        "{failed:?}"
    );
    // The control: the same JWT unexpired passes.
    let (status, body) = with_assertion(&app, &c, &fresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A token of a provider the client does not list.
    forgive(&app).await;
    refused(
        &with_assertion(&app, &c, &jwt).await,
        "invalid_grant",
        "not federated",
    );
    let failed = app.events("login_failed").await;
    let last = &failed.last().expect("event").2;
    assert_eq!(
        last["reason"],
        "the client assertion's provider is not federated"
    );
    // A's token once revoked, and once expired in the database.
    let res = app
        .client
        .post(app.url("/application/o/revoke/"))
        .form(&[
            ("client_id", a.as_str()),
            ("client_secret", SECRET),
            ("token", &jwt),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), StatusCode::OK);
    forgive(&app).await;
    refused(
        &with_assertion(&app, &b, &jwt).await,
        "invalid_grant",
        "revoked",
    );

    // Only the JWT bearer assertion type exists; an assertion must be given.
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &b),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            ),
            ("client_assertion", &jwt),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "{body}"
    );
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &b),
            ("client_assertion_type", JWT_BEARER),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request")),
        "{body}"
    );
}

#[tokio::test]
async fn jwt_guessing_is_throttled_per_client() {
    let app = spawn_api().await;
    let (_, b, jwt) = federation(&app, json!({})).await;
    for _ in 0..6 {
        with_assertion(&app, &b, "a.b.c").await;
    }
    let (_, body) = with_assertion(&app, &b, &jwt).await;
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("Too many")),
        "{body}"
    );
    forgive(&app).await;
    let (status, body) = with_assertion(&app, &b, &jwt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn federation_settings_name_providers_and_refuse_sources() {
    let app = spawn_api().await;
    oauth_app(&app, "wiki", json!({})).await;
    let pk = provider_pk(&app, "wiki").await;
    for (field, value, message) in [
        ("jwt_federation_providers", json!(["wiki"]), "pks"),
        ("jwt_federation_sources", json!([pk]), "no OAuth sources"),
    ] {
        let (status, body) = app
            .api(
                Method::PATCH,
                &format!("/providers/oauth2/{pk}/"),
                Some(ADMIN_TOKEN),
                Some(json!({ field: value })),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body[field].to_string().contains(message), "{field}: {body}");
    }
    let saved = app
        .admin_api(
            Method::PATCH,
            &format!("/providers/oauth2/{pk}/"),
            Some(json!({ "jwt_federation_providers": [pk] })),
        )
        .await;
    assert_eq!(saved["jwt_federation_providers"], json!([pk]));
}
