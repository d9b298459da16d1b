//! The client credentials grant with JWT assertions (RFC 7523) issued by the providers a client
//! federates with (`jwt_federation_providers`), as authentik's machine-to-machine authentication.
use crate::helpers::{ADMIN_TOKEN, TestApp, assert_refused, spawn_api};
use crate::oauth2_app_passwords::{app_password, claims, forgive, with_password};
use crate::oauth2_oidc::{SECRET, oauth_app};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

async fn provider_pk(app: &TestApp, slug: &str) -> String {
    let a = app
        .admin_api(Method::GET, &format!("/core/applications/{slug}/"), None)
        .await;
    a["provider"].as_str().expect("provider pk").to_string()
}

async fn with_assertion(app: &TestApp, client_id: &str, jwt: &str) -> (StatusCode, Value) {
    app.token(&[
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", jwt),
        ("scope", "openid profile"),
    ])
    .await
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
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &b),
            ("client_assertion_type", JWT_BEARER),
            ("client_secret", &jwt),
        ])
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
        assert_refused(
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
    assert_refused(
        &with_assertion(&app, &c, &expired).await,
        "invalid_grant",
        "expired",
    );
    forgive(&app).await;
    assert_refused(
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
    assert_refused(
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
    assert_refused(
        &with_assertion(&app, &b, &jwt).await,
        "invalid_grant",
        "revoked",
    );

    // Only the JWT bearer assertion type exists; an assertion must be given.
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &b),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            ),
            ("client_assertion", &jwt),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "{body}"
    );
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &b),
            ("client_assertion_type", JWT_BEARER),
        ])
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
