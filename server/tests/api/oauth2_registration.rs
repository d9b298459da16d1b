//! Dynamic client registration (RFC 7591) at `/application/o/<slug>/register/`: off unless the
//! provider enables it, behind an initial access token (an API token the provider names). A
//! registered client signs in like any other; every refusal has its RFC 7591 error.
use crate::helpers::{TestApp, spawn_api};
use crate::oauth2_oidc::{REDIRECT, authorize_as, oauth_app};
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123";

/// An application `slug` whose provider lets the API token `registrar-token` register
/// clients (with `settings` on top); the registrar's id and key.
async fn registering_app(app: &TestApp, slug: &str, settings: Value) -> (uuid::Uuid, String) {
    let (registrar, key) = app.user_with_token("registrar").await;
    let mut s = json!({
        "dynamic_client_registration": true,
        "registration_token": "registrar-token",
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut s, settings) {
        a.extend(b);
    }
    oauth_app(app, slug, s).await;
    (registrar, key)
}

/// The provider of the application `slug`, as the REST API shows it.
async fn provider_of(app: &TestApp, slug: &str) -> Value {
    let application = app
        .admin_api(Method::GET, &format!("/core/applications/{slug}/"), None)
        .await;
    let pk = application["provider"].as_str().expect("provider");
    app.admin_api(Method::GET, &format!("/providers/oauth2/{pk}/"), None)
        .await
}

async fn register(
    app: &TestApp,
    slug: &str,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/application/o/{slug}/register/")))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("register");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, headers, json)
}

async fn discovery(app: &TestApp, slug: &str) -> Value {
    app.client
        .get(app.url(&format!(
            "/application/o/{slug}/.well-known/openid-configuration"
        )))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json")
}

async fn bind_user(app: &TestApp, slug: &str, user: uuid::Uuid, order: i32) {
    let target = app
        .admin_api(Method::GET, &format!("/core/applications/{slug}/"), None)
        .await;
    app.admin_api(
        Method::POST,
        "/policies/bindings/",
        Some(json!({ "target": target["pk"], "user": user.to_string(), "order": order })),
    )
    .await;
}

#[tokio::test]
async fn a_registered_client_signs_in_with_code_and_pkce_and_client_credentials() {
    let app = spawn_api().await;
    let alice = app.create_user("alice", "alice password 123").await;
    let (registrar, key) = registering_app(&app, "portal", json!({})).await;
    // The registering application lets alice and the registrar in; its clients inherit that.
    bind_user(&app, "portal", alice, 0).await;
    bind_user(&app, "portal", registrar, 1).await;
    assert_eq!(
        discovery(&app, "portal").await["registration_endpoint"],
        app.url("/application/o/portal/register/")
    );

    let request = json!({
        "client_name": "My Dynamic App",
        "redirect_uris": [REDIRECT],
        "post_logout_redirect_uris": ["http://127.0.0.1:9/bye"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_post",
        "scope": "openid email",
        "logo_uri": "https://app.example/logo.png",
    });
    let (status, headers, reg) = register(&app, "portal", Some(&key), &request.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(headers["cache-control"], "no-store");
    let client_id = reg["client_id"].as_str().expect("client_id").to_string();
    let secret = reg["client_secret"].as_str().expect("secret").to_string();
    assert_eq!(client_id.len(), 40);
    assert!(secret.len() >= 64, "{reg}");
    assert_eq!(reg["client_secret_expires_at"], 0);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let issued = reg["client_id_issued_at"].as_i64().expect("issued at");
    assert!((now - 60..=now + 5).contains(&issued), "{reg}");
    assert_eq!(reg["client_name"], "My Dynamic App");
    assert_eq!(reg["redirect_uris"], json!([REDIRECT]));
    assert_eq!(
        reg["post_logout_redirect_uris"],
        json!(["http://127.0.0.1:9/bye"])
    );
    assert_eq!(
        reg["grant_types"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(reg["response_types"], json!(["code"]));
    assert_eq!(reg["token_endpoint_auth_method"], "client_secret_post");
    assert!(reg.get("logo_uri").is_none(), "unknown metadata is ignored");

    // An application and a provider copied from the registering one, with strict URIs.
    let created = app
        .admin_api(Method::GET, "/core/applications/my-dynamic-app/", None)
        .await;
    assert_eq!(created["name"], "My Dynamic App");
    let provider = provider_of(&app, "my-dynamic-app").await;
    let parent = provider_of(&app, "portal").await;
    assert_eq!(provider["client_id"], client_id.as_str());
    assert_eq!(provider["client_type"], "confidential");
    assert_eq!(provider["signing_key"], parent["signing_key"]);
    assert_eq!(provider["authorization_flow"], parent["authorization_flow"]);
    assert_eq!(provider["dynamic_client_registration"], false);
    assert_eq!(provider["registration_token"], Value::Null);
    assert_eq!(
        provider["redirect_uris"],
        json!([
            { "matching_mode": "strict", "url": REDIRECT, "redirect_uri_type": "authorization" },
            { "matching_mode": "strict", "url": "http://127.0.0.1:9/bye", "redirect_uri_type": "logout" },
        ])
    );
    assert!(
        discovery(&app, "my-dynamic-app")
            .await
            .get("registration_endpoint")
            .is_none()
    );
    // Audited as the registrar's doing.
    let mut made: Vec<_> = app
        .events("model_created")
        .await
        .into_iter()
        .filter(|(user, _, _)| user == "registrar")
        .map(|(_, _, ctx)| {
            ctx["model"]["model_name"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    made.sort();
    // The provider, the application, and the two policy bindings copied from "portal".
    assert_eq!(
        made,
        [
            "application",
            "policy_binding",
            "policy_binding",
            "provider"
        ],
        "{made:?}"
    );

    // Alice signs in to it with code + PKCE; the new secret redeems the code.
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(VERIFIER.as_bytes()));
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("state", "st"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let browser = app.new_browser();
    let back = authorize_as(
        &browser,
        &app.url(&format!("/application/o/authorize/?{q}")),
        "alice",
        "alice password 123",
    )
    .await;
    let params: HashMap<String, String> = back.query_pairs().into_owned().collect();
    let code = params
        .get("code")
        .unwrap_or_else(|| panic!("no code: {back}"));
    let (status, tokens) = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens["id_token"].is_string(), "{tokens}");

    // As a machine, the secret authenticates it, but the policies copied from "portal" admit
    // alice and the registrar only, not the client's service account.
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "{body}"
    );
}

#[tokio::test]
async fn a_registered_machine_client_uses_client_credentials() {
    let app = spawn_api().await;
    let (_, key) = registering_app(&app, "portal", json!({})).await;
    let request = json!({ "client_name": "Backup job", "grant_types": ["client_credentials"] });
    let (status, _, reg) = register(&app, "portal", Some(&key), &request.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["redirect_uris"], json!([]));
    assert_eq!(reg["response_types"], json!([]));
    let client_id = reg["client_id"].as_str().expect("client_id");
    let secret = reg["client_secret"].as_str().expect("secret");
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string(), "{body}");
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", "wrong"),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "{body}"
    );
}

#[tokio::test]
async fn a_public_client_gets_no_secret_and_names_are_made_unique() {
    let app = spawn_api().await;
    let (_, key) = registering_app(&app, "portal", json!({})).await;
    let body = json!({
        "client_name": "Native",
        "redirect_uris": ["com.example.native:/cb"],
        "token_endpoint_auth_method": "none",
    })
    .to_string();
    let (status, _, first) = register(&app, "portal", Some(&key), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert!(first.get("client_secret").is_none(), "{first}");
    assert!(first.get("client_secret_expires_at").is_none(), "{first}");
    assert_eq!(first["token_endpoint_auth_method"], "none");
    let (status, _, second) = register(&app, "portal", Some(&key), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_ne!(first["client_id"], second["client_id"]);
    let apps = app
        .admin_api(Method::GET, "/core/applications/?search=native", None)
        .await;
    let slugs: Vec<&str> = apps["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|a| a["slug"].as_str())
        .collect();
    assert_eq!(slugs.len(), 2, "{apps}");
    assert!(slugs.contains(&"native"), "{slugs:?}");
    for slug in slugs {
        let provider = provider_of(&app, slug).await;
        assert_eq!(provider["client_type"], "public", "{provider}");
        assert_eq!(
            provider["redirect_uris"][0]["url"], "com.example.native:/cb",
            "{provider}"
        );
    }
}

#[tokio::test]
async fn refusals_have_their_rfc_7591_errors_and_events() {
    let app = spawn_api().await;
    let (_, key) = registering_app(
        &app,
        "portal",
        json!({ "grant_types": ["authorization_code", "refresh_token"] }),
    )
    .await;
    oauth_app(&app, "closed", json!({})).await;
    let good = json!({ "redirect_uris": [REDIRECT] }).to_string();

    // Off → 404, as for an application that does not exist.
    for slug in ["closed", "nothing-here"] {
        let (status, _, body) = register(&app, slug, Some(&key), &good).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{slug}");
        assert_eq!(body["error"], "not_found", "{body}");
    }
    assert!(
        discovery(&app, "closed")
            .await
            .get("registration_endpoint")
            .is_none()
    );

    // No token, a wrong one, another API token: 401 invalid_token with a Bearer challenge.
    let (_, other_key) = app.user_with_token("mallory").await;
    for token in [None, Some("wrong"), Some(other_key.as_str())] {
        let (status, headers, body) = register(&app, "portal", token, &good).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(body["error"], "invalid_token", "{body}");
        let challenge = headers["www-authenticate"].to_str().expect("header");
        assert!(challenge.starts_with("Bearer"), "{challenge}");
    }

    // Metadata errors, each with its RFC 7591 §3.2.2 code.
    for (body, error) in [
        (
            json!({ "redirect_uris": ["http://evil.example/cb"] }),
            "invalid_redirect_uri",
        ),
        (
            json!({ "redirect_uris": ["https://app.example/cb#x"] }),
            "invalid_redirect_uri",
        ),
        (
            json!({ "redirect_uris": ["javascript:alert(1)"] }),
            "invalid_redirect_uri",
        ),
        (json!({ "client_name": "no uris" }), "invalid_redirect_uri"),
        (
            json!({ "redirect_uris": [REDIRECT], "grant_types": ["client_credentials"] }),
            "invalid_client_metadata",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "grant_types": ["implicit"] }),
            "invalid_client_metadata",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "grant_types": ["password"] }),
            "invalid_client_metadata",
        ),
        (
            json!({ "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "tls_client_auth" }),
            "invalid_client_metadata",
        ),
    ] {
        let (status, _, answer) = register(&app, "portal", Some(&key), &body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["error"], error, "{body}: {answer}");
        assert!(answer["error_description"].is_string(), "{answer}");
    }
    for garbage in ["{", "[1, 2]", "", "null", "\u{0}"] {
        let (status, _, answer) = register(&app, "portal", Some(&key), garbage).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{garbage:?}");
        assert_eq!(answer["error"], "invalid_client_metadata", "{answer}");
    }

    // Nothing was created, and every refusal left an event.
    let providers = app.admin_api(Method::GET, "/providers/oauth2/", None).await;
    assert_eq!(providers["pagination"]["count"], 2, "{providers}");
    let refused = app
        .events("suspicious_request")
        .await
        .into_iter()
        .filter(|(_, _, ctx)| {
            ctx["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("dynamic client registration refused"))
        })
        .count();
    assert_eq!(refused, 1 + 3 + 8 + 5);
}

#[tokio::test]
async fn only_a_token_owner_the_application_admits_may_register() {
    let app = spawn_api().await;
    let alice = app.create_user("alice", "alice password 123").await;
    let (_, key) = registering_app(&app, "portal", json!({})).await;
    bind_user(&app, "portal", alice, 0).await;
    let body = json!({ "redirect_uris": [REDIRECT] }).to_string();
    let (status, _, answer) = register(&app, "portal", Some(&key), &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["error"], "access_denied");
}

#[tokio::test]
async fn enabling_registration_needs_an_existing_api_token() {
    let app = spawn_api().await;
    let flow = app
        .admin_api(
            Method::GET,
            "/flows/instances/default-provider-authorization-implicit-consent/",
            None,
        )
        .await["pk"]
        .clone();
    let base = json!({ "name": "p", "authorization_flow": flow, "invalidation_flow": flow });
    for (extra, field) in [
        (
            json!({ "dynamic_client_registration": true }),
            "registration_token",
        ),
        (
            json!({ "dynamic_client_registration": true, "registration_token": "nope" }),
            "registration_token",
        ),
    ] {
        let mut body = base.clone();
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let (status, answer) = app
            .api(
                Method::POST,
                "/providers/oauth2/",
                Some(crate::helpers::ADMIN_TOKEN),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer[field].is_array(), "{answer}");
    }
}

#[tokio::test]
async fn guessing_the_initial_access_token_is_throttled() {
    let app = spawn_api().await;
    let (_, key) = registering_app(&app, "portal", json!({})).await;
    let body = json!({ "redirect_uris": [REDIRECT] }).to_string();
    for _ in 0..5 {
        let (status, _, _) = register(&app, "portal", Some("guess"), &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The right token waits out the delay the guesses earned.
    let (status, _, answer) = register(&app, "portal", Some(&key), &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["error"], "invalid_token");
    let description = answer["error_description"].as_str().expect("description");
    assert!(description.contains("Try again"), "{description}");
}
