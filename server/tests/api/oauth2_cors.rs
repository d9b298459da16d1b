//! CORS for browser apps (a public client with PKCE on its own origin), as authentik's
//! `cors_allow`: the token endpoint and userinfo answer the origins of the client's redirect
//! URIs, with credentials; discovery those with credentials and anyone else with `*`; the JWKS
//! anyone. Another origin gets no CORS header, and no error.
use crate::helpers::{TestApp, spawn_api};
use crate::oauth2_oidc::{REDIRECT, authorize_as, oauth_app};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

const SPA: &str = "http://localhost:5173";
const SPA_CALLBACK: &str = "http://localhost:5173/callback";
const EVIL: &str = "https://evil.example";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Ward with alice, the public client `spa` (redirect URI on `SPA`) and the confidential `wiki`
/// (on `REDIRECT`'s origin); the spa's client id.
async fn setup() -> (TestApp, String) {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let spa = oauth_app(
        &app,
        "spa",
        json!({
            "client_type": "public",
            "redirect_uris": [{ "matching_mode": "strict", "url": SPA_CALLBACK }],
        }),
    )
    .await;
    oauth_app(&app, "wiki", json!({})).await;
    (app, spa)
}

/// The request as a browser sends it from `origin` (a cross-site fetch).
fn from(req: RequestBuilder, origin: &str) -> RequestBuilder {
    req.header("Origin", origin)
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "cors")
}

fn preflight(app: &TestApp, path: &str, origin: &str) -> RequestBuilder {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
}

fn header(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_string())
}

fn varies_by_origin(res: &Response) -> bool {
    res.headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("origin"))
}

fn cors_headers(res: &Response) -> Vec<String> {
    res.headers()
        .keys()
        .map(|k| k.as_str().to_string())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

/// Assert `res` lets `origin` read it with credentials.
fn assert_allowed(res: &Response, origin: &str) {
    assert_eq!(
        header(res, "access-control-allow-origin").as_deref(),
        Some(origin)
    );
    assert_eq!(
        header(res, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert!(varies_by_origin(res), "{:?}", res.headers());
}

/// A code for the spa, with PKCE, through alice's sign-in in `browser`.
async fn spa_code(app: &TestApp, browser: &TestApp, client_id: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id),
            ("redirect_uri", SPA_CALLBACK),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("state", "st"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let url = app.url(&format!("/application/o/authorize/?{q}"));
    let back = authorize_as(browser, &url, "alice", "alice password 123").await;
    assert!(back.as_str().starts_with(SPA_CALLBACK), "{back}");
    back.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code")
}

fn code_form<'a>(client_id: &'a str, code: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", SPA_CALLBACK),
        ("client_id", client_id),
        ("code_verifier", VERIFIER),
    ]
}

#[tokio::test]
async fn preflights_are_answered_for_registered_origins_only() {
    let (app, _) = setup().await;
    for path in ["/application/o/token/", "/application/o/userinfo/"] {
        let res = preflight(&app, path, SPA).send().await.expect("preflight");
        assert_eq!(res.status(), 200, "{path}");
        assert_allowed(&res, SPA);
        assert_eq!(
            header(&res, "access-control-allow-methods").as_deref(),
            Some("GET, POST, OPTIONS")
        );
        assert_eq!(
            header(&res, "access-control-allow-headers").as_deref(),
            Some("authorization,content-type")
        );
        assert_eq!(res.json::<Value>().await.expect("json"), json!({}));

        // Another origin: an answer, but nothing that lets the browser go on.
        let res = preflight(&app, path, EVIL).send().await.expect("preflight");
        assert_eq!(res.status(), 200, "{path}");
        assert!(cors_headers(&res).is_empty(), "{path}: {:?}", res.headers());
        // `null` (a sandboxed page, a file) is no origin either.
        let res = preflight(&app, path, "null")
            .send()
            .await
            .expect("preflight");
        assert!(cors_headers(&res).is_empty(), "{path}: {:?}", res.headers());
    }
    // The wiki's origin is registered too (its redirect URI's).
    let wiki_origin = url::Url::parse(REDIRECT)
        .expect("url")
        .origin()
        .ascii_serialization();
    let res = preflight(&app, "/application/o/token/", &wiki_origin)
        .send()
        .await
        .expect("preflight");
    assert_allowed(&res, &wiki_origin);
}

#[tokio::test]
async fn a_browser_app_exchanges_its_code_and_reads_userinfo_from_its_origin() {
    let (app, spa) = setup().await;
    let browser = app.new_browser();
    let code = spa_code(&app, &browser, &spa).await;
    // Ward's cross-site guard leaves the token endpoint alone: the fetch is cross-site.
    let res = from(app.client.post(app.url("/application/o/token/")), SPA)
        .form(&code_form(&spa, &code))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 200);
    assert_allowed(&res, SPA);
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-store"));
    let tokens: Value = res.json().await.expect("json");
    let access = tokens["access_token"].as_str().expect("access token");
    assert!(tokens["id_token"].is_string(), "{tokens}");
    assert!(app.events("suspicious_request").await.is_empty());

    let res = from(app.client.get(app.url("/application/o/userinfo/")), SPA)
        .bearer_auth(access)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.status(), 200);
    assert_allowed(&res, SPA);
    let info: Value = res.json().await.expect("json");
    assert_eq!(info["email"], "alice@example.com");

    // Another origin is answered as before, without CORS headers (the browser keeps it).
    let res = from(app.client.get(app.url("/application/o/userinfo/")), EVIL)
        .bearer_auth(access)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.status(), 200);
    assert!(cors_headers(&res).is_empty(), "{:?}", res.headers());
    assert_eq!(
        res.json::<Value>().await.expect("json")["email"],
        "alice@example.com"
    );
    // No token, no client: no CORS headers (as authentik).
    let res = from(app.client.get(app.url("/application/o/userinfo/")), SPA)
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.status(), 401);
    assert!(cors_headers(&res).is_empty(), "{:?}", res.headers());
}

#[tokio::test]
async fn the_token_endpoint_answers_the_named_clients_origins_even_with_an_error() {
    let (app, spa) = setup().await;
    // A refusal reaches the app, so it can show it.
    let res = from(app.client.post(app.url("/application/o/token/")), SPA)
        .form(&code_form(&spa, "no-such-code"))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 400);
    assert_allowed(&res, SPA);
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"],
        "invalid_grant"
    );
    // Another origin, or another client's origin: the same refusal, no CORS headers.
    for origin in [EVIL, "http://127.0.0.1:9"] {
        let res = from(app.client.post(app.url("/application/o/token/")), origin)
            .form(&code_form(&spa, "no-such-code"))
            .send()
            .await
            .expect("token");
        assert_eq!(res.status(), 400);
        assert!(
            cors_headers(&res).is_empty(),
            "{origin}: {:?}",
            res.headers()
        );
        assert_eq!(
            res.json::<Value>().await.expect("json")["error"],
            "invalid_grant"
        );
    }
    // An unknown client: nobody's origin.
    let res = from(app.client.post(app.url("/application/o/token/")), SPA)
        .form(&code_form("no-such-client", "no-such-code"))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 401);
    assert!(cors_headers(&res).is_empty(), "{:?}", res.headers());
}

#[tokio::test]
async fn a_request_without_origin_is_answered_as_before() {
    let (app, spa) = setup().await;
    let browser = app.new_browser();
    let code = spa_code(&app, &browser, &spa).await;
    let res = app
        .client
        .post(app.url("/application/o/token/"))
        .form(&code_form(&spa, &code))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 200);
    assert!(cors_headers(&res).is_empty(), "{:?}", res.headers());
    let tokens: Value = res.json().await.expect("json");
    let res = app
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(tokens["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.status(), 200);
    assert!(cors_headers(&res).is_empty(), "{:?}", res.headers());
    assert_eq!(
        res.json::<Value>().await.expect("json")["email"],
        "alice@example.com"
    );
    // An OPTIONS without Origin is no preflight: authentik's empty answer.
    let res = app
        .client
        .request(Method::OPTIONS, app.url("/application/o/token/"))
        .send()
        .await
        .expect("options");
    assert_eq!(res.status(), 200);
    assert!(cors_headers(&res).is_empty(), "{:?}", res.headers());
}

#[tokio::test]
async fn discovery_is_public_and_credentialed_for_registered_origins_and_the_jwks_is_anyones() {
    let (app, _) = setup().await;
    let paths = [
        "/application/o/spa/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/application/o/spa/",
    ];
    for path in paths {
        let res = from(app.client.get(app.url(path)), SPA)
            .send()
            .await
            .expect("discovery");
        assert_eq!(res.status(), 200);
        assert_allowed(&res, SPA);
        let doc: Value = res.json().await.expect("json");
        assert_eq!(doc["token_endpoint"], app.url("/application/o/token/"));

        // The document is public: any other origin reads it, without credentials.
        for origin in [Some(EVIL), None] {
            let mut req = app.client.get(app.url(path));
            if let Some(o) = origin {
                req = from(req, o);
            }
            let res = req.send().await.expect("discovery");
            assert_eq!(res.status(), 200);
            assert_eq!(
                header(&res, "access-control-allow-origin").as_deref(),
                Some("*")
            );
            assert!(header(&res, "access-control-allow-credentials").is_none());
            assert!(varies_by_origin(&res), "{origin:?}");
            assert_eq!(
                res.json::<Value>().await.expect("json")["issuer"],
                app.url("/application/o/spa/")
            );
        }
        let res = preflight(&app, path, SPA).send().await.expect("preflight");
        assert_allowed(&res, SPA);
        assert!(header(&res, "access-control-allow-methods").is_some());
    }
    // The wiki's document is not the spa's: the spa's origin reads it like anyone.
    let res = from(
        app.client
            .get(app.url("/application/o/wiki/.well-known/openid-configuration")),
        SPA,
    )
    .send()
    .await
    .expect("discovery");
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(header(&res, "access-control-allow-credentials").is_none());

    for origin in [SPA, EVIL] {
        let res = from(app.client.get(app.url("/application/o/spa/jwks/")), origin)
            .send()
            .await
            .expect("jwks");
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some("*")
        );
        assert!(header(&res, "access-control-allow-credentials").is_none());
        let jwks: Value = res.json().await.expect("json");
        assert_eq!(jwks["keys"][0]["use"], "sig", "{jwks}");
        assert!(jwks["keys"][0]["kid"].is_string(), "{jwks}");
        let res = preflight(&app, "/application/o/spa/jwks/", origin)
            .send()
            .await
            .expect("preflight");
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some("*")
        );
        assert!(header(&res, "access-control-allow-credentials").is_none());
    }
}
