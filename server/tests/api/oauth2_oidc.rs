//! OpenID Connect with an independent relying party (the `openidconnect` crate): discovery,
//! code + PKCE through the real login pages, ID token validation against the JWKS, userinfo,
//! refresh rotation; and the refusals RFC 6749, RFC 7636 and RFC 9700 call for.
use crate::helpers::{TestApp, spawn_api};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::Method;
use serde_json::{Value, json};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const SECRET: &str = "relying-party-secret-0123456789-0123456789";

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

/// An application `slug` with an OAuth2 provider (signed with the default RSA key unless
/// `settings` says otherwise); its client id.
pub async fn oauth_app(app: &TestApp, slug: &str, settings: Value) -> String {
    let keys = app
        .admin_api(Method::GET, "/crypto/certificatekeypairs/", None)
        .await;
    let key = keys["results"][0]["pk"]
        .as_str()
        .expect("key pk")
        .to_string();
    let mut body = json!({
        "name": format!("{slug} provider"),
        "authorization_flow": flow_pk(app, "default-provider-authorization-implicit-consent").await,
        "invalidation_flow": flow_pk(app, "default-provider-invalidation-flow").await,
        "redirect_uris": [{ "matching_mode": "strict", "url": REDIRECT }],
        "signing_key": key,
        "client_secret": SECRET,
    });
    if let (Value::Object(b), Value::Object(s)) = (&mut body, settings) {
        b.extend(s);
    }
    let provider = app
        .admin_api(Method::POST, "/providers/oauth2/", Some(body))
        .await;
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": slug, "slug": slug, "provider": provider["pk"] })),
    )
    .await;
    provider["client_id"]
        .as_str()
        .expect("client id")
        .to_string()
}

/// Follows an authorize URL as a browser: signs in through the flow pages when sent there and
/// comes back; the final redirect to the client (its Location).
pub async fn authorize_as(browser: &TestApp, url: &str, user: &str, password: &str) -> url::Url {
    let res = browser.client.get(url).send().await.expect("authorize");
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    let mut location = res.headers()["location"].to_str().expect("loc").to_string();
    if location.starts_with("/if/flow/default-authentication-flow/") {
        let to = url::Url::parse(&browser.url(&location)).expect("url");
        let next = to
            .query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
            .expect("next");
        let view = browser.login_with(user, password, &[("next", &next)]).await;
        assert_eq!(view["challenge"]["component"], "redirect", "{view}");
        let back = view["challenge"]["to"].as_str().expect("to").to_string();
        let res = browser
            .client
            .get(browser.url(&back))
            .send()
            .await
            .expect("back");
        assert_eq!(res.status(), 302);
        location = res.headers()["location"].to_str().expect("loc").to_string();
    }
    url::Url::parse(&location).expect("client redirect")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The confidential client `client_id` exchanges `code` (issued for [`REDIRECT`]) at the token
/// endpoint: its JSON answer.
pub async fn exchange_code(browser: &TestApp, client_id: &str, code: &str) -> Value {
    browser
        .client
        .post(browser.url("/application/o/token/"))
        .basic_auth(client_id, Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn a_relying_party_signs_in_with_code_and_pkce_validates_and_refreshes() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let client_id = oauth_app(&app, "grafana", json!({})).await;
    let http = http();
    let issuer = IssuerUrl::new(app.url("/application/o/grafana/")).expect("issuer");
    let meta = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .expect("discovery");
    let rp = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = app.new_browser();
    let back = authorize_as(&browser, url.as_str(), "alice", "alice password 123").await;
    assert!(back.as_str().starts_with(REDIRECT), "{back}");
    let q: std::collections::HashMap<String, String> = back.query_pairs().into_owned().collect();
    assert_eq!(q["state"], *csrf.secret());
    // RFC 9207: the issuer in the authorization response.
    assert_eq!(q["iss"], app.url("/application/o/grafana/"));

    let tokens = rp
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("id token");
    let claims = id_token
        .claims(&rp.id_token_verifier(), &nonce)
        .expect("ID token verifies against the JWKS");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("alice")
    );
    assert_eq!(claims.subject().as_str().len(), 64, "hashed user id");
    let info: CoreUserInfoClaims = rp
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .expect("userinfo endpoint")
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));

    // Refresh: a new refresh token each time; the old one used again revokes the family.
    let first = tokens
        .refresh_token()
        .expect("refresh token (offline_access)");
    let second = rp
        .exchange_refresh_token(first)
        .expect("token endpoint")
        .request_async(&http)
        .await
        .expect("refresh");
    let rotated = second.refresh_token().expect("rotated");
    assert_ne!(rotated.secret(), first.secret());
    let reuse = rp
        .exchange_refresh_token(first)
        .expect("token endpoint")
        .request_async(&http)
        .await;
    assert!(format!("{reuse:?}").contains("invalid_grant"), "{reuse:?}");
    let after = rp
        .exchange_refresh_token(rotated)
        .expect("token endpoint")
        .request_async(&http)
        .await;
    assert!(
        format!("{after:?}").contains("invalid_grant"),
        "family revoked: {after:?}"
    );
    let revoked_access = browser
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(second.access_token().secret())
        .send()
        .await
        .expect("userinfo");
    assert_eq!(revoked_access.status(), 401);
}

#[tokio::test]
async fn end_session_checks_the_hint_tells_back_channel_clients_and_returns_only_to_registered_uris()
 {
    use axum::routing::post;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(4);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let rp = axum::Router::new().route(
        "/backchannel",
        post(move |body: String| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body).await;
                ""
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, rp).await });

    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let logged_out = "http://127.0.0.1:9/logged-out";
    let id = oauth_app(
        &app,
        "wiki",
        json!({
            "logout_uri": format!("http://127.0.0.1:{port}/backchannel"),
            "redirect_uris": [
                { "matching_mode": "strict", "url": REDIRECT },
                { "matching_mode": "strict", "url": logged_out, "redirect_uri_type": "logout" },
            ],
        }),
    )
    .await;
    let browser = app.new_browser();
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
        ])
        .finish();
    let back = authorize_as(
        &browser,
        &app.url(&format!("/application/o/authorize/?{q}")),
        "alice",
        "alice password 123",
    )
    .await;
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let tokens = exchange_code(&browser, &id, &code).await;
    let id_token = tokens["id_token"].as_str().expect("id token");
    let end = |params: Vec<(&str, &str)>| {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        browser
            .client
            .get(app.url(&format!("/application/o/wiki/end-session/?{q}")))
            .send()
    };
    // A forged hint is refused on Ward's page.
    let forged = format!("{}x", id_token);
    let res = end(vec![
        ("id_token_hint", &forged),
        ("post_logout_redirect_uri", logged_out),
    ])
    .await
    .expect("end");
    assert_eq!(res.status(), 400);
    // The real one: back-channel logout, the tokens revoked, back to the registered URI.
    let res = end(vec![
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", logged_out),
        ("state", "bye"),
    ])
    .await
    .expect("end");
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        format!("{logged_out}?state=bye").as_str()
    );
    let body = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .expect("back-channel call")
        .expect("body");
    let token = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "logout_token")
        .expect("logout_token")
        .1
        .into_owned();
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let payload = server::protocols::oauth2::payload(&token).expect("payload");
    assert_eq!(payload["aud"], id.as_str());
    assert!(payload["sid"].is_string() && payload.get("nonce").is_none());
    assert!(payload["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    let userinfo = browser
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(tokens["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 401);
    // An unregistered post-logout URI is never redirected to.
    let res = end(vec![("post_logout_redirect_uri", "https://evil.example/")])
        .await
        .expect("end");
    let location = res.headers()["location"].to_str().expect("loc").to_string();
    assert!(!location.contains("evil"), "{location}");
}
