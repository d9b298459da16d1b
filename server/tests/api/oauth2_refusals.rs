//! What the OAuth2 endpoints refuse (RFC 6749, RFC 7636, RFC 9700, OIDC Core), each with the
//! error the RFC prescribes, where it prescribes it.
use crate::helpers::{TestApp, spawn_api};
use crate::oauth2_oidc::{REDIRECT, SECRET, authorize_as, oauth_app};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123";

fn s256(v: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
}

fn authorize_url(app: &TestApp, params: &[(&str, &str)]) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    app.url(&format!("/application/o/authorize/?{q}"))
}

fn query(u: &url::Url) -> HashMap<String, String> {
    u.query_pairs().into_owned().collect()
}

/// Signs alice in and returns a fresh code for `client_id` (with `extra` parameters).
async fn code_for(
    app: &TestApp,
    browser: &TestApp,
    client_id: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut p = vec![
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid email offline_access"),
        ("state", "st"),
    ];
    p.extend_from_slice(extra);
    let back = authorize_as(
        browser,
        &authorize_url(app, &p),
        "alice",
        "alice password 123",
    )
    .await;
    query(&back)
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code: {back}"))
}

async fn exchange(
    app: &TestApp,
    client_id: &str,
    code: &str,
    verifier: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", client_id),
        ("client_secret", SECRET),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    app.token(&form).await
}

async fn setup() -> (TestApp, String, TestApp) {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let client_id = oauth_app(&app, "wiki", json!({})).await;
    let browser = app.new_browser();
    (app, client_id, browser)
}

#[tokio::test]
async fn pkce_cannot_be_skipped_downgraded_or_guessed() {
    let (app, id, browser) = setup().await;
    let challenge = s256(VERIFIER);
    // A challenge needs its verifier, and the right one.
    let code = code_for(
        &app,
        &browser,
        &id,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (status, body) = exchange(&app, &id, &code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "{body}"
    );
    let code = code_for(
        &app,
        &browser,
        &id,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let wrong = VERIFIER.replace('a', "b");
    let (_, body) = exchange(&app, &id, &code, Some(&wrong)).await;
    assert_eq!(body["error"], "invalid_grant", "{body}");
    // A verifier without a challenge is refused too (no downgrade).
    let code = code_for(&app, &browser, &id, &[]).await;
    let (_, body) = exchange(&app, &id, &code, Some(VERIFIER)).await;
    assert_eq!(body["error"], "invalid_grant", "{body}");
    // `plain` is refused at the authorize endpoint, to the client.
    let back = authorize_as(
        &browser,
        &authorize_url(
            &app,
            &[
                ("client_id", &id),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("scope", "openid"),
                ("state", "s1"),
                ("code_challenge", VERIFIER),
                ("code_challenge_method", "plain"),
            ],
        ),
        "alice",
        "alice password 123",
    )
    .await;
    let q = query(&back);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("invalid_request", "s1"),
        "{back}"
    );
    // The right verifier works.
    let code = code_for(
        &app,
        &browser,
        &id,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (status, body) = exchange(&app, &id, &code, Some(VERIFIER)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn public_clients_must_use_pkce() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let id = oauth_app(&app, "spa", json!({ "client_type": "public" })).await;
    let browser = app.new_browser();
    let url = authorize_url(
        &app,
        &[
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "x"),
        ],
    );
    let back = authorize_as(&browser, &url, "alice", "alice password 123").await;
    assert_eq!(query(&back)["error"], "invalid_request", "{back}");
}

#[tokio::test]
async fn only_the_registered_redirect_uri_is_ever_redirected_to() {
    let app = spawn_api().await;
    let id = oauth_app(
        &app,
        "app",
        json!({ "redirect_uris": [{ "matching_mode": "strict", "url": "https://app/cb" }] }),
    )
    .await;
    for bad in [
        "https://app/cb/",
        "https://APP/cb",
        "https://app/cb/../x",
        "https://app/cb?x=1",
        "https://app@evil/cb",
        "https://app/cb#x",
        "https://evil.example/cb",
    ] {
        let url = authorize_url(
            &app,
            &[
                ("client_id", &id),
                ("redirect_uri", bad),
                ("response_type", "code"),
                ("state", "x"),
            ],
        );
        let res = app.client.get(&url).send().await.expect("authorize");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(res.headers().get("location").is_none(), "{bad}");
        let page = res.text().await.expect("page");
        assert!(page.contains("Redirect URI Error"), "{bad}: {page}");
    }
    let res = app
        .client
        .get(authorize_url(
            &app,
            &[
                ("client_id", "nobody"),
                ("redirect_uri", "https://app/cb"),
                ("response_type", "code"),
            ],
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.expect("page").contains("Client ID Error"));
}

#[tokio::test]
async fn a_reused_code_revokes_what_it_issued() {
    let (app, id, browser) = setup().await;
    let code = code_for(&app, &browser, &id, &[]).await;
    let (status, first) = exchange(&app, &id, &code, None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let access = first["access_token"].as_str().expect("access").to_string();
    let userinfo = |t: String| {
        let c = app.client.clone();
        let u = app.url("/application/o/userinfo/");
        async move {
            c.get(u)
                .bearer_auth(t)
                .send()
                .await
                .expect("userinfo")
                .status()
        }
    };
    assert_eq!(userinfo(access.clone()).await, StatusCode::OK);
    let (_, again) = exchange(&app, &id, &code, None).await;
    assert_eq!(again["error"], "invalid_grant", "{again}");
    assert_eq!(userinfo(access).await, StatusCode::UNAUTHORIZED);
    let refresh = first["refresh_token"].as_str().expect("refresh");
    let (_, r) = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &id),
            ("client_secret", SECRET),
        ])
        .await;
    assert_eq!(r["error"], "invalid_grant", "{r}");
}

#[tokio::test]
async fn implicit_hybrid_and_password_grants_are_off_by_default() {
    let (app, id, browser) = setup().await;
    for rt in ["id_token token", "id_token", "code id_token"] {
        let url = authorize_url(
            &app,
            &[
                ("client_id", &id),
                ("redirect_uri", REDIRECT),
                ("response_type", rt),
                ("scope", "openid"),
                ("nonce", "n"),
                ("state", "x"),
            ],
        );
        let back = authorize_as(&browser, &url, "alice", "alice password 123").await;
        // Errors of these response types go in the fragment, as their answers would.
        let f: HashMap<String, String> =
            url::form_urlencoded::parse(back.fragment().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        assert_eq!(f["error"], "unauthorized_client", "{rt}: {back}");
    }
    let (status, body) = app
        .token(&[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "alice password 123"),
            ("client_id", &id),
            ("client_secret", SECRET),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client")),
        "{body}"
    );
    let (_, body) = app
        .token(&[
            ("grant_type", "magic"),
            ("client_id", &id),
            ("client_secret", SECRET),
        ])
        .await;
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn inactive_users_and_revoked_sessions_get_nothing() {
    let (app, id, browser) = setup().await;
    // A revoked session: its refresh token and access token stop working.
    let code = code_for(&app, &browser, &id, &[]).await;
    let (_, tokens) = exchange(&app, &id, &code, None).await;
    sqlx::query("delete from user_sessions")
        .execute(&app.pool)
        .await
        .expect("revoke sessions");
    let (_, r) = app
        .token(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().expect("rt"),
            ),
            ("client_id", &id),
            ("client_secret", SECRET),
        ])
        .await;
    assert_eq!(r["error"], "invalid_grant", "{r}");
    let res = app
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(tokens["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // An inactive user: the code they were given is worth nothing.
    let browser = app.new_browser();
    let code = code_for(&app, &browser, &id, &[]).await;
    sqlx::query("update users set is_active = false where username = 'alice'")
        .execute(&app.pool)
        .await
        .expect("deactivate");
    let (_, body) = exchange(&app, &id, &code, None).await;
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

#[tokio::test]
async fn introspection_answers_only_for_the_callers_own_tokens() {
    let (app, id, browser) = setup().await;
    let other = oauth_app(&app, "other", json!({})).await;
    let code = code_for(&app, &browser, &id, &[]).await;
    let (_, tokens) = exchange(&app, &id, &code, None).await;
    let at = tokens["access_token"].as_str().expect("at");
    let introspect = |client: String| {
        let c = app.client.clone();
        let u = app.url("/application/o/introspect/");
        let at = at.to_string();
        async move {
            let res = c
                .post(u)
                .basic_auth(client, Some(SECRET))
                .form(&[("token", at)])
                .send()
                .await
                .expect("introspect");
            let body: Value = res.json().await.expect("json");
            body
        }
    };
    let own = introspect(id.clone()).await;
    assert_eq!(own["active"], true, "{own}");
    assert_eq!(own["client_id"], id.as_str());
    assert!(own["scope"].as_str().expect("scope").contains("openid"));
    let foreign = introspect(other).await;
    assert_eq!(foreign, json!({ "active": false }));
    // A wrong secret is a client authentication failure (401), not an answer.
    let res = app
        .client
        .post(app.url("/application/o/introspect/"))
        .basic_auth(&id, Some("wrong"))
        .form(&[("token", at)])
        .send()
        .await
        .expect("introspect");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Revoked: inactive.
    let res = app
        .client
        .post(app.url("/application/o/revoke/"))
        .basic_auth(&id, Some(SECRET))
        .form(&[("token", at)])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(introspect(id).await, json!({ "active": false }));
}

#[tokio::test]
async fn prompt_none_without_a_session_answers_login_required() {
    let (app, id, _) = setup().await;
    let url = authorize_url(
        &app,
        &[
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "z"),
            ("prompt", "none"),
        ],
    );
    let res = app
        .new_browser()
        .client
        .get(&url)
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = url::Url::parse(res.headers()["location"].to_str().expect("loc")).expect("url");
    assert!(back.as_str().starts_with(REDIRECT));
    let q = query(&back);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("login_required", "z")
    );
    assert_eq!(q["iss"], app.url("/application/o/wiki/"));
}

#[tokio::test]
async fn client_credentials_sign_in_as_the_clients_service_account() {
    let (app, id, _) = setup().await;
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", SECRET),
            ("scope", "openid profile"),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("refresh_token").is_none());
    let res = app
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(body["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo");
    let info: Value = res.json().await.expect("json");
    assert_eq!(
        info["preferred_username"], "ak-wiki provider-client_credentials",
        "{info}"
    );
    let (status, body) = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
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
async fn implicit_and_hybrid_answer_in_the_fragment_when_a_provider_allows_them() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let id = oauth_app(
        &app,
        "legacy",
        json!({ "grant_types": ["authorization_code", "implicit", "hybrid"] }),
    )
    .await;
    let browser = app.new_browser();
    let fragment = |u: &url::Url| -> HashMap<String, String> {
        url::form_urlencoded::parse(u.fragment().unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    };
    // Implicit: tokens in the fragment, never in the query; the ID token carries the nonce.
    let url = authorize_url(
        &app,
        &[
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("response_type", "id_token token"),
            ("scope", "openid email"),
            ("nonce", "n-1"),
            ("state", "s1"),
        ],
    );
    let back = authorize_as(&browser, &url, "alice", "alice password 123").await;
    assert!(back.query().is_none(), "{back}");
    let f = fragment(&back);
    assert_eq!(
        (f["state"].as_str(), f["token_type"].as_str()),
        ("s1", "Bearer")
    );
    assert_eq!(f["iss"], app.url("/application/o/legacy/"));
    let claims = server::protocols::oauth2::payload(&f["id_token"]).expect("id token");
    assert_eq!(claims["nonce"], "n-1");
    assert!(claims["at_hash"].is_string());
    let res = app
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(&f["access_token"])
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.status(), StatusCode::OK);
    // An ID token needs a nonce from the authorization endpoint.
    let url = authorize_url(
        &app,
        &[
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("response_type", "id_token"),
            ("scope", "openid"),
            ("state", "s2"),
        ],
    );
    let back = authorize_as(&browser, &url, "alice", "alice password 123").await;
    assert_eq!(fragment(&back)["error"], "invalid_request", "{back}");
    // Hybrid: a code and an ID token whose c_hash binds them.
    let url = authorize_url(
        &app,
        &[
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code id_token"),
            ("scope", "openid"),
            ("nonce", "n-3"),
            ("state", "s3"),
        ],
    );
    let back = authorize_as(&browser, &url, "alice", "alice password 123").await;
    let f = fragment(&back);
    let claims = server::protocols::oauth2::payload(&f["id_token"]).expect("id token");
    let c_hash = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(&Sha256::digest(f["code"].as_bytes())[..16]);
    assert_eq!(claims["c_hash"], c_hash.as_str());
    // Tokens are never put in a query string.
    let url = authorize_url(
        &app,
        &[
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("response_type", "id_token token"),
            ("response_mode", "query"),
            ("scope", "openid"),
            ("nonce", "n"),
            ("state", "s4"),
        ],
    );
    let back = authorize_as(&browser, &url, "alice", "alice password 123").await;
    assert!(
        back.query().is_none_or(|q| !q.contains("access_token")),
        "{back}"
    );
    assert_eq!(query(&back)["error"], "invalid_request", "{back}");
}

#[tokio::test]
async fn prompt_login_and_max_age_make_the_user_sign_in_again_once() {
    let (app, id, browser) = setup().await;
    browser.login("alice", "alice password 123").await;
    let first = sqlx::query_scalar::<_, uuid::Uuid>("select id from user_sessions")
        .fetch_one(&app.pool)
        .await
        .expect("session");
    for extra in [("prompt", "login"), ("max_age", "0")] {
        let url = authorize_url(
            &app,
            &[
                ("client_id", &id),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("scope", "openid"),
                ("state", "s"),
                extra,
            ],
        );
        // Signed in, yet sent to the login pages; signing in again leads back with a code.
        let back = authorize_as(&browser, &url, "alice", "alice password 123").await;
        assert!(query(&back).contains_key("code"), "{extra:?}: {back}");
    }
    let sessions: Vec<uuid::Uuid> = sqlx::query_scalar("select id from user_sessions")
        .fetch_all(&app.pool)
        .await
        .expect("sessions");
    assert!(
        !sessions.contains(&first),
        "the old session was ended: {sessions:?}"
    );
    // prompt=none cannot ask for that.
    let url = authorize_url(
        &app,
        &[
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
            ("prompt", "none login"),
        ],
    );
    let res = browser.client.get(&url).send().await.expect("authorize");
    let back = url::Url::parse(res.headers()["location"].to_str().expect("loc")).expect("url");
    assert_eq!(query(&back)["error"], "invalid_request");
}
