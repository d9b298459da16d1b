//! Claims from user and group attributes (custom scope mappings' `attribute_claims`) through a
//! full code flow, and the discovery documents of the global issuer at the site's root
//! (OIDC Discovery §4, RFC 8414 §3).
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use crate::oauth2_oidc::{REDIRECT, authorize_as, exchange_code, oauth_app};
use openidconnect::IssuerUrl;
use openidconnect::core::CoreProviderMetadata;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use server::protocols::oauth2::payload;

const PASSWORD: &str = "alice password 123";

/// The pk of the built-in scope mapping of `scope`.
async fn builtin_mapping(app: &TestApp, scope: &str) -> Value {
    let list = app
        .admin_api(
            Method::GET,
            "/propertymappings/provider/scope/?page_size=100",
            None,
        )
        .await;
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|m| m["scope_name"] == scope && m["managed"].is_string())
        .expect("built-in mapping")["pk"]
        .clone()
}

/// Signs in (once per browser) and runs the code flow for `scope`: the token response, the ID
/// token's claims and the userinfo answer.
async fn grant(
    app: &TestApp,
    browser: &TestApp,
    client_id: &str,
    scope: &str,
) -> (Value, Map<String, Value>, Value) {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "s"),
        ])
        .finish();
    let back = authorize_as(
        browser,
        &app.url(&format!("/application/o/authorize/?{q}")),
        "alice",
        PASSWORD,
    )
    .await;
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let tokens = exchange_code(browser, client_id, &code).await;
    let id = payload(tokens["id_token"].as_str().expect("id token")).expect("payload");
    let res = browser
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(tokens["access_token"].as_str().expect("access token"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.status(), StatusCode::OK);
    let info: Value = res.json().await.expect("json");
    (tokens, id, info)
}

#[tokio::test]
async fn granted_custom_scopes_give_user_attributes_over_group_attributes() {
    let app = spawn_api().await;
    let alice = app.create_user("alice", PASSWORD).await;
    app.admin_api(
        Method::PATCH,
        &format!("/core/users/{alice}/"),
        Some(json!({ "attributes": {
            "department": "R&D", "tags": ["user"],
            "sub": "forged-sub", "email": "forged@example.com",
        } })),
    )
    .await;
    let staff = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "staff", "attributes": { "building": "B7", "tags": ["staff"] } })),
        )
        .await;
    app.admin_api(
        Method::POST,
        "/core/groups/",
        Some(json!({
            "name": "engineering", "parent": staff["pk"], "users": [alice.to_string()],
            "attributes": { "department": "Sales", "location": "Berlin", "tags": ["engineering"] },
        })),
    )
    .await;

    // The protocol's own claims cannot be named; the refusal is beside the field.
    let (status, body) = app
        .api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "Forged", "scope_name": "forged", "attribute_claims": ["department", "sub"] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["attribute_claims"][0]
            .as_str()
            .expect("message")
            .contains("sub is a claim Ward sets itself"),
        "{body}"
    );
    let keys = [
        "department",
        "location",
        "building",
        "tags",
        "email",
        "missing",
    ];
    let hr = app
        .admin_api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(json!({ "name": "HR", "scope_name": "hr", "attribute_claims": keys })),
        )
        .await;
    assert_eq!(hr["attribute_claims"], json!(keys));
    let pk = hr["pk"].as_str().expect("pk");
    let read = app
        .admin_api(
            Method::GET,
            &format!("/propertymappings/provider/scope/{pk}/"),
            None,
        )
        .await;
    assert_eq!(read["attribute_claims"], json!(keys));
    let schema: Value = app
        .client
        .get(app.url("/api/v3/schema/"))
        .send()
        .await
        .expect("schema")
        .json()
        .await
        .expect("json");
    let field = &schema["components"]["schemas"]["ScopeMapping"]["properties"]["attribute_claims"];
    assert_eq!(field["type"], "array", "{field}");

    let client_id = oauth_app(
        &app,
        "intranet",
        json!({ "property_mappings": [
            builtin_mapping(&app, "openid").await,
            builtin_mapping(&app, "email").await,
            hr["pk"],
        ] }),
    )
    .await;
    let doc: Value = app
        .client
        .get(app.url("/application/o/intranet/.well-known/openid-configuration"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    let supported = doc["claims_supported"].as_array().expect("claims");
    assert!(supported.contains(&json!("department")), "{doc}");

    let browser = app.new_browser();
    let (tokens, id, info) = grant(&app, &browser, &client_id, "openid email hr").await;
    assert_eq!(tokens["scope"], "openid email hr", "{tokens}");
    // userinfo: the user's department over the group's, the group's location, the parent
    // group's building, arrays appended in group name order then the user's.
    for claims in [&info, &Value::Object(id.clone())] {
        assert_eq!(claims["department"], "R&D", "{claims}");
        assert_eq!(claims["location"], "Berlin", "{claims}");
        assert_eq!(claims["building"], "B7", "{claims}");
        assert_eq!(
            claims["tags"],
            json!(["engineering", "staff", "user"]),
            "{claims}"
        );
        // The email scope's claim and the protocol's sub win over attributes of those names.
        assert_eq!(claims["email"], "alice@example.com", "{claims}");
        assert_eq!(claims["sub"], id["sub"], "{claims}");
        assert_ne!(claims["sub"], "forged-sub", "{claims}");
        assert!(claims.get("missing").is_none(), "{claims}");
    }
    assert_eq!(id["sub"].as_str().map(str::len), Some(64), "hashed sub");

    // Not granted: no attribute claims anywhere.
    let (tokens, id, info) = grant(&app, &browser, &client_id, "openid email").await;
    assert_eq!(tokens["scope"], "openid email", "{tokens}");
    for claims in [&info, &Value::Object(id)] {
        assert_eq!(claims["email"], "alice@example.com", "{claims}");
        for absent in ["department", "location", "building", "tags"] {
            assert!(claims.get(absent).is_none(), "{absent}: {claims}");
        }
    }

    // A provider that keeps claims out of the ID token still answers them at userinfo.
    let lean = oauth_app(
        &app,
        "lean",
        json!({
            "include_claims_in_id_token": false,
            "property_mappings": [builtin_mapping(&app, "openid").await, hr["pk"]],
        }),
    )
    .await;
    let (_, id, info) = grant(&app, &browser, &lean, "openid hr").await;
    assert_eq!(info["department"], "R&D", "{info}");
    // Without the email scope the attribute of that name is what the mapping gives.
    assert_eq!(info["email"], "forged@example.com", "{info}");
    assert!(id.get("department").is_none(), "{id:?}");
}

async fn root_document(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .get(app.url(path))
        .send()
        .await
        .expect("discovery");
    let status = res.status();
    (status, res.json().await.expect("json"))
}

const ROOT_DOCUMENTS: [&str; 2] = [
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
];

#[tokio::test]
async fn the_root_discovery_documents_describe_the_global_issuer() {
    let app = spawn_api().await;
    // No provider in the global issuer mode: 404, saying so.
    oauth_app(&app, "chat", json!({})).await;
    for path in ROOT_DOCUMENTS {
        let (status, body) = root_document(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "not_found", "{body}");
        assert!(
            body["error_description"]
                .as_str()
                .expect("description")
                .contains("global issuer mode"),
            "{body}"
        );
    }

    oauth_app(&app, "wiki", json!({ "issuer_mode": "global" })).await;
    for path in ROOT_DOCUMENTS {
        let (status, doc) = root_document(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {doc}");
        assert_eq!(doc["issuer"], app.url("/"), "{doc}");
        assert_eq!(
            doc["authorization_endpoint"],
            app.url("/application/o/authorize/")
        );
        assert_eq!(doc["token_endpoint"], app.url("/application/o/token/"));
        assert_eq!(
            doc["userinfo_endpoint"],
            app.url("/application/o/userinfo/")
        );
        assert_eq!(doc["jwks_uri"], app.url("/application/o/wiki/jwks/"));
        assert_eq!(
            doc["end_session_endpoint"],
            app.url("/application/o/wiki/end-session/")
        );
    }
    // An independent relying party finds and accepts it from the issuer alone.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let meta =
        CoreProviderMetadata::discover_async(IssuerUrl::new(app.url("/")).expect("issuer"), &http)
            .await
            .expect("discovery of the global issuer");
    assert_eq!(meta.issuer().as_str(), app.url("/"));
    // The provider's own document names the same issuer.
    let (_, own) =
        root_document(&app, "/application/o/wiki/.well-known/openid-configuration").await;
    assert_eq!(own["issuer"], app.url("/"));

    // Two in the global mode: ambiguous until the brand's default application is one of them.
    oauth_app(&app, "blog", json!({ "issuer_mode": "global" })).await;
    let (status, body) = root_document(&app, ROOT_DOCUMENTS[0]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .expect("description")
            .contains("blog, wiki"),
        "{body}"
    );
    sqlx::query("update brands set default_application = 'blog' where is_default")
        .execute(&app.pool)
        .await
        .expect("brand");
    app.caches.clear();
    for path in ROOT_DOCUMENTS {
        let (status, doc) = root_document(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {doc}");
        assert_eq!(doc["issuer"], app.url("/"), "{doc}");
        assert_eq!(doc["jwks_uri"], app.url("/application/o/blog/jwks/"));
    }
}
