//! `/api/v3/providers/proxy/`: authentik's proxy provider as a provider type, with its fields,
//! defaults and checks, the redirect URIs it derives, its OAuth2 client underneath, and its
//! blueprint model `authentik_providers_proxy.proxyprovider`.
use crate::helpers::{ADMIN_TOKEN, SECRET_KEY, TestApp, spawn_api};
use app::ssr::audit::Actor;
use app::ssr::blueprints::{apply::Options, apply_text};
use app::ssr::users;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

async fn base(app: &TestApp) -> Value {
    json!({
        "name": "Whoami",
        "authorization_flow": flow_pk(app, "default-authentication-flow").await,
        "invalidation_flow": flow_pk(app, "default-invalidation-flow").await,
        "mode": "forward_single",
        "external_host": "https://whoami.example.com",
    })
}

fn callback_uris(host: &str) -> Value {
    json!([
        { "matching_mode": "strict", "redirect_uri_type": "authorization",
          "url": format!("{host}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true") },
        { "matching_mode": "strict", "redirect_uri_type": "authorization",
          "url": format!("{host}?X-authentik-auth-callback=true") },
    ])
}

#[tokio::test]
async fn proxy_providers_are_created_read_changed_and_deleted() {
    let app = spawn_api().await;
    let created = app
        .admin_api(Method::POST, "/providers/proxy/", Some(base(&app).await))
        .await;
    let pk = created["pk"].as_str().expect("pk").to_string();
    assert_eq!(created["component"], "ak-provider-proxy-form");
    assert_eq!(
        created["meta_model_name"],
        "authentik_providers_proxy.proxyprovider"
    );
    assert_eq!(created["verbose_name"], "Proxy Provider");
    assert_eq!(created["verbose_name_plural"], "Proxy Providers");
    assert_eq!(created["client_id"].as_str().map(str::len), Some(40));
    assert!(created.get("client_secret").is_none(), "{created}");
    assert!(created.get("cookie_secret").is_none(), "{created}");
    // authentik's defaults.
    assert_eq!(created["mode"], "forward_single");
    assert_eq!(created["internal_host"], "");
    assert_eq!(created["internal_host_ssl_validation"], true);
    assert_eq!(created["intercept_header_auth"], true);
    assert_eq!(created["basic_auth_enabled"], false);
    assert_eq!(created["skip_path_regex"], "");
    assert_eq!(created["cookie_domain"], "");
    assert_eq!(created["access_token_validity"], "hours=1");
    assert_eq!(created["refresh_token_validity"], "days=30");
    assert_eq!(created["certificate"], Value::Null);
    assert_eq!(created["outpost_set"], json!([]));
    assert_eq!(
        created["redirect_uris"],
        callback_uris("https://whoami.example.com")
    );

    let one = format!("/providers/proxy/{pk}/");
    assert_eq!(app.admin_api(Method::GET, &one, None).await, created);

    // A changed external host changes the derived redirect URIs; a sent list is ignored.
    let patched = app
        .admin_api(
            Method::PATCH,
            &one,
            Some(json!({
                "external_host": "https://who.example.com:8443",
                "skip_path_regex": "^/health$\n^/static/",
                "redirect_uris": [{ "matching_mode": "regex", "url": ".*" }],
            })),
        )
        .await;
    assert_eq!(patched["mode"], "forward_single", "PATCH keeps the mode");
    assert_eq!(
        patched["redirect_uris"],
        callback_uris("https://who.example.com:8443")
    );
    assert_eq!(patched["client_id"], created["client_id"]);

    // What GET answers can be PUT back unchanged (read-only fields included).
    let mut full = patched.clone();
    full["mode"] = json!("proxy");
    full["internal_host"] = json!("http://whoami:8080");
    let put = app.admin_api(Method::PUT, &one, Some(full)).await;
    assert_eq!(put["mode"], "proxy");
    assert_eq!(put["internal_host"], "http://whoami:8080");
    assert_eq!(put["pk"], created["pk"]);

    // Listed with every provider, and not as an OAuth2 provider.
    let all = app.admin_api(Method::GET, "/providers/all/", None).await;
    let listed = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|p| p["pk"] == created["pk"])
        .expect("in providers/all");
    assert_eq!(listed["component"], "ak-provider-proxy-form");
    let any = app
        .admin_api(Method::GET, &format!("/providers/all/{pk}/"), None)
        .await;
    assert_eq!(any["external_host"], "https://who.example.com:8443");
    let oauth2 = app.admin_api(Method::GET, "/providers/oauth2/", None).await;
    assert_eq!(oauth2["pagination"]["count"], 0, "{oauth2}");
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/providers/oauth2/{pk}/"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = app.api(Method::DELETE, &one, Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.api(Method::GET, &one, Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wrong_proxy_settings_are_field_errors() {
    let app = spawn_api().await;
    let base = base(&app).await;
    let nobody = "00000000-0000-0000-0000-000000000000";
    for (field, changes) in [
        ("mode", json!({ "mode": "sideways" })),
        ("external_host", json!({ "external_host": null })),
        (
            "external_host",
            json!({ "external_host": "whoami.example.com" }),
        ),
        (
            "external_host",
            json!({ "external_host": "https://whoami.example.com/app" }),
        ),
        (
            "external_host",
            json!({ "external_host": "https://whoami.example.com?x=1" }),
        ),
        (
            "external_host",
            json!({ "external_host": "javascript:alert(1)" }),
        ),
        ("internal_host", json!({ "mode": "proxy" })),
        (
            "internal_host",
            json!({ "mode": "proxy", "internal_host": "ftp://files" }),
        ),
        ("cookie_domain", json!({ "mode": "forward_domain" })),
        (
            "cookie_domain",
            json!({ "mode": "forward_domain", "cookie_domain": "other.com" }),
        ),
        (
            "cookie_domain",
            json!({ "mode": "forward_domain", "cookie_domain": "ample.com" }),
        ),
        (
            "skip_path_regex",
            json!({ "skip_path_regex": "^/ok\n[unclosed" }),
        ),
        ("basic_auth_enabled", json!({ "basic_auth_enabled": true })),
        (
            "access_token_validity",
            json!({ "access_token_validity": "never" }),
        ),
        ("certificate", json!({ "certificate": nobody })),
        (
            "authorization_flow",
            json!({ "authorization_flow": nobody }),
        ),
        (
            "property_mappings",
            json!({ "property_mappings": [nobody] }),
        ),
        (
            "intercept_header_auth",
            json!({ "intercept_header_auth": "yes" }),
        ),
        ("grant_types", json!({ "grant_types": ["password"] })),
    ] {
        let mut body = base.clone();
        for (k, v) in changes.as_object().expect("changes") {
            body[k] = v.clone();
        }
        let (status, err) = app
            .api(
                Method::POST,
                "/providers/proxy/",
                Some(ADMIN_TOKEN),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{changes}: {err}");
        assert!(err.get(field).is_some(), "{changes}: {err}");
    }
    // authentik's own messages where it has one.
    let mut body = base.clone();
    body["mode"] = json!("proxy");
    let (_, err) = app
        .api(
            Method::POST,
            "/providers/proxy/",
            Some(ADMIN_TOKEN),
            Some(body),
        )
        .await;
    assert_eq!(
        err["internal_host"],
        json!(["Internal host cannot be empty when forward auth is disabled."])
    );
    let all = app.admin_api(Method::GET, "/providers/all/", None).await;
    assert_eq!(all["pagination"]["count"], 0, "nothing saved: {all}");
}

#[tokio::test]
async fn a_proxy_provider_is_the_oauth2_client_of_its_application() {
    let app = spawn_api().await;
    let mut body = base(&app).await;
    body["mode"] = json!("forward_domain");
    body["external_host"] = json!("https://auth.example.com");
    body["cookie_domain"] = json!("example.com");
    body["client_id"] = json!("whoami-proxy");
    let created = app
        .admin_api(Method::POST, "/providers/proxy/", Some(body))
        .await;
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": "Whoami", "slug": "whoami", "provider": created["pk"] })),
    )
    .await;
    let client = app::ssr::providers::clients::by_client_id(&app.pool, SECRET_KEY, "whoami-proxy")
        .await
        .expect("lookup")
        .expect("an OAuth2 client");
    assert_eq!(client.application.slug, "whoami");
    assert_eq!(client.settings.client_type, "confidential");
    assert!(
        client.settings.signing_key.is_none(),
        "HS256 with the secret"
    );
    assert!(client.settings.include_claims_in_id_token);
    assert_eq!(client.client_secret.len(), 128);
    assert!(client.allows_grant("authorization_code"));
    assert!(app::ssr::providers::redirect_uris::allowed(
        &client.settings.redirect_uris,
        "authorization",
        "https://auth.example.com/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
    ));
    assert!(!app::ssr::providers::redirect_uris::allowed(
        &client.settings.redirect_uris,
        "authorization",
        "https://app.example.com/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
    ));
    let by_app = app::ssr::providers::clients::by_application(&app.pool, SECRET_KEY, "whoami")
        .await
        .expect("lookup")
        .expect("by slug");
    assert_eq!(by_app.client_id, "whoami-proxy");
}

const PROXY_BLUEPRINT: &str = r#"
version: 1
metadata:
  name: whoami-proxy
entries:
  - model: authentik_providers_proxy.proxyprovider
    id: provider
    identifiers: { name: Whoami }
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      mode: forward_single
      external_host: https://whoami.example.com
      skip_path_regex: "^/health$"
  - model: authentik_core.application
    identifiers: { slug: whoami }
    attrs: { name: Whoami, provider: !KeyOf provider }
"#;

#[tokio::test]
async fn proxy_providers_come_from_blueprints() {
    let app = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let opts = Options {
        secret_key: SECRET_KEY.into(),
        ..Options::default()
    };
    let done = apply_text(&app.pool, &actor, PROXY_BLUEPRINT, &opts)
        .await
        .expect("applies");
    assert_eq!(done.created, 2);
    let again = apply_text(&app.pool, &actor, PROXY_BLUEPRINT, &opts)
        .await
        .expect("again");
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));

    let list = app.admin_api(Method::GET, "/providers/proxy/", None).await;
    let provider = &list["results"][0];
    assert_eq!(provider["name"], "Whoami");
    assert_eq!(provider["skip_path_regex"], "^/health$");
    assert_eq!(provider["assigned_application_slug"], "whoami");
    assert_eq!(
        provider["redirect_uris"],
        callback_uris("https://whoami.example.com")
    );

    // A bad value in a blueprint is refused, naming the field.
    let bad = PROXY_BLUEPRINT.replace("mode: forward_single", "mode: proxy");
    let err = apply_text(&app.pool, &actor, &bad, &opts)
        .await
        .expect_err("proxy mode needs an internal host")
        .to_string();
    assert!(err.contains("internal_host"), "{err}");
}

#[tokio::test]
async fn the_openapi_document_has_the_proxy_provider_paths() {
    let app = spawn_api().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v3/schema/"))
        .send()
        .await
        .expect("schema")
        .json()
        .await
        .expect("json");
    for (path, op) in [
        ("/providers/proxy/", "get"),
        ("/providers/proxy/", "post"),
        ("/providers/proxy/{id}/", "put"),
        ("/providers/proxy/{id}/", "patch"),
        ("/providers/proxy/{id}/", "delete"),
    ] {
        assert!(doc["paths"][path][op].is_object(), "{op} {path}");
    }
    assert_eq!(
        doc["paths"]["/providers/proxy/"]["post"]["operationId"],
        "providers_proxy_create"
    );
}

#[tokio::test]
async fn the_admin_screen_lists_proxy_providers_without_the_oauth2_form() {
    let app = spawn_api().await;
    app.admin_api(Method::POST, "/providers/proxy/", Some(base(&app).await))
        .await;
    let view = app.login("akadmin", crate::helpers::ADMIN_PASSWORD).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let rows = app.ok_fn("admin/providers/list", json!({})).await;
    let row = rows
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "Whoami"))
        .cloned()
        .unwrap_or_else(|| panic!("listed: {rows}"));
    assert_eq!(row["verbose_name"], "Proxy Provider");
    assert_eq!(row["editable"], false, "the OAuth2 form does not edit it");
}
