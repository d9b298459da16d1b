//! Scope mappings (`/api/v3/propertymappings/provider/scope/`, blueprint model
//! `authentik_providers_oauth2.scopemapping`): the built-in ones found by their managed ids,
//! custom ones with compiled expressions, and providers offering exactly the scopes they map.
use crate::helpers::{ADMIN_TOKEN, SECRET_KEY, TestApp, spawn_api};
use crate::oauth2_oidc::{REDIRECT, authorize_as, exchange_code, oauth_app};
use app::ssr::audit::Actor;
use app::ssr::blueprints::{apply::Options, apply_text};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn builtin(app: &TestApp) -> Value {
    app.admin_api(
        Method::GET,
        "/propertymappings/provider/scope/?page_size=100",
        None,
    )
    .await
}

#[tokio::test]
async fn built_in_scope_mappings_ship_and_custom_ones_compile_their_expressions() {
    let app = spawn_api().await;
    let list = builtin(&app).await;
    let managed: Vec<&str> = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|m| m["managed"].as_str())
        .collect();
    for id in [
        "scope-openid",
        "scope-email",
        "scope-profile",
        "scope-offline_access",
        "scope-entitlements",
    ] {
        assert!(
            managed.contains(&format!("goauthentik.io/providers/oauth2/{id}").as_str()),
            "{id}: {list}"
        );
    }
    let email = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|m| m["scope_name"] == "email")
        .expect("email");
    assert_eq!(email["description"], "Email address");
    assert_eq!(
        email["meta_model_name"],
        "authentik_providers_oauth2.scopemapping"
    );

    let (status, body) = app
        .api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "Custom", "scope_name": "custom", "expression": "x = 1\nreturn {'x': " })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["expression"][0]
            .as_str()
            .expect("msg")
            .starts_with("Line 2, column "),
        "{body}"
    );
    let (status, body) = app
        .api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "Custom claims", "scope_name": "custom", "expression": "return {'x': 1}" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["expression"], "return {'x': 1}");
    let (status, body) = app
        .api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "Custom", "scope_name": "has space" })),
        )
        .await;
    assert_eq!(
        (status, body["scope_name"][0].is_string()),
        (StatusCode::BAD_REQUEST, true),
        "{body}"
    );
    let created = app
        .admin_api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(json!({ "name": "Custom", "scope_name": "custom", "description": "A custom scope" })),
        )
        .await;
    assert_eq!(created["managed"], Value::Null);
    let all = app
        .admin_api(Method::GET, "/propertymappings/all/", None)
        .await;
    assert!(all["results"].as_array().expect("all").len() >= 6);
}

#[tokio::test]
async fn a_provider_offers_the_scopes_of_its_mappings() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let list = builtin(&app).await;
    let pk = |scope: &str| {
        list["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|m| m["scope_name"] == scope)
            .expect("mapping")["pk"]
            .clone()
    };
    let custom = app
        .admin_api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(json!({
                "name": "Custom", "scope_name": "custom", "description": "A custom scope",
                "expression": "return {\"shout\": request.user.username.upper(), \"app\": request.obj.slug, \"sub\": \"forged\"}"
            })),
        )
        .await;
    let id = oauth_app(
        &app,
        "mapped",
        json!({ "property_mappings": [pk("openid"), pk("email"), custom["pk"]] }),
    )
    .await;
    let doc: Value = app
        .client
        .get(app.url("/application/o/mapped/.well-known/openid-configuration"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    let mut offered: Vec<&str> = doc["scopes_supported"]
        .as_array()
        .expect("scopes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    offered.sort();
    assert_eq!(offered, ["custom", "email", "openid"]);
    // profile is not offered: asked for, it is dropped; email and custom are granted.
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile email custom"),
            ("state", "s"),
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
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let tokens = exchange_code(&browser, &id, &code).await;
    assert_eq!(tokens["scope"], "openid email custom", "{tokens}");
    let info: Value = browser
        .client
        .get(app.url("/application/o/userinfo/"))
        .bearer_auth(tokens["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["email"], "alice@example.com");
    assert!(info.get("preferred_username").is_none(), "{info}");
    // The custom mapping's expression adds its claims; a protocol claim it returns is ignored.
    assert_eq!(info["shout"], "ALICE", "{info}");
    assert_eq!(info["app"], "mapped", "{info}");
    assert_ne!(info["sub"], "forged", "{info}");
    // A provider naming a mapping that does not exist is refused beside the field.
    let (status, body) = app
        .api(
            Method::PATCH,
            &format!(
                "/providers/oauth2/{}/",
                app.admin_api(Method::GET, "/core/applications/mapped/", None)
                    .await["provider"]
                    .as_str()
                    .expect("pk")
            ),
            Some(ADMIN_TOKEN),
            Some(json!({ "property_mappings": [uuid::Uuid::new_v4().to_string()] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["property_mappings"][0].is_string(), "{body}");
}

/// authentik's own shape of an OIDC provider blueprint: mappings found by managed id.
const AUTHENTIK_STYLE: &str = r#"
version: 1
metadata:
  name: nextcloud
entries:
  - model: authentik_providers_oauth2.oauth2provider
    id: provider
    identifiers: { name: Nextcloud }
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-explicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      client_id: nextcloud
      redirect_uris:
        - { matching_mode: strict, url: "https://cloud.example.com/apps/user_oidc/code" }
      property_mappings:
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-openid]]
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-email]]
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-profile]]
  - model: authentik_core.application
    identifiers: { slug: nextcloud }
    attrs: { name: Nextcloud, provider: !KeyOf provider }
"#;

#[tokio::test]
async fn authentik_style_provider_blueprints_find_the_built_in_mappings() {
    let app = spawn_api().await;
    let system = app::ssr::users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let opts = Options {
        secret_key: SECRET_KEY.into(),
        ..Options::default()
    };
    let done = apply_text(&app.pool, &actor, AUTHENTIK_STYLE, &opts)
        .await
        .expect("applies");
    assert_eq!(done.created, 2);
    let client = app::ssr::providers::clients::by_client_id(&app.pool, SECRET_KEY, "nextcloud")
        .await
        .expect("lookup")
        .expect("client");
    let mut names: Vec<&str> = client.scopes.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["email", "openid", "profile"]);
}
