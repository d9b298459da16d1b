//! Consent (authentik's consent stage and default provider flows), "My applications", and the
//! link between an application and its provider.
use crate::helpers::{TestApp, spawn_api};
use crate::oauth2_oidc::{REDIRECT, oauth_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CONSENT_FLOW: &str = "default-provider-authorization-explicit-consent";

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

fn authorize_url(app: &TestApp, client_id: &str, scope: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "s"),
        ])
        .finish();
    app.url(&format!("/application/o/authorize/?{q}"))
}

/// Opens the authorize URL as the signed-in browser: Some(consent challenge) when Ward asks,
/// None when it answered the client with a code straight away.
async fn open(browser: &TestApp, url: &str) -> Option<Value> {
    let res = browser.client.get(url).send().await.expect("authorize");
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"].to_str().expect("loc").to_string();
    if location.starts_with(REDIRECT) {
        assert!(location.contains("code="), "{location}");
        return None;
    }
    assert_eq!(location, format!("/if/flow/{CONSENT_FLOW}/"));
    let view = browser.load_flow(CONSENT_FLOW, &[]).await;
    let view = &view["Found"];
    assert_eq!(view["challenge"]["component"], "consent", "{view}");
    assert_eq!(view["title"], "Redirecting to notes");
    Some(view["challenge"].clone())
}

/// Accepts the consent shown; the client gets its code.
async fn accept(browser: &TestApp) {
    let view = browser.submit(CONSENT_FLOW, &[]).await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
    let back = view["challenge"]["to"].as_str().expect("to").to_string();
    let res = browser
        .client
        .get(browser.url(&back))
        .send()
        .await
        .expect("back");
    let location = res.headers()["location"].to_str().expect("loc");
    assert!(
        location.starts_with(REDIRECT) && location.contains("code="),
        "{location}"
    );
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|p| p[0].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn consent_is_asked_remembered_asked_again_for_new_scopes_and_revocable() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let consent = json!({ "authorization_flow": flow_pk(&app, CONSENT_FLOW).await });
    let id = oauth_app(&app, "notes", consent).await;
    let browser = app.new_browser();
    browser.login("alice", "alice password 123").await;

    let first = open(&browser, &authorize_url(&app, &id, "openid email"))
        .await
        .expect("asked the first time");
    assert_eq!(first["application"], "notes");
    assert_eq!(names(&first["permissions"]), ["email"]);
    assert_eq!(first["additional"], json!([]));
    accept(&browser).await;
    // Remembered: the same scopes go through without a question.
    assert!(
        open(&browser, &authorize_url(&app, &id, "openid email"))
            .await
            .is_none()
    );
    // A new scope: asked again, the new one shown apart.
    let more = open(&browser, &authorize_url(&app, &id, "openid email profile"))
        .await
        .expect("asked for the new scope");
    assert_eq!(names(&more["permissions"]), ["email"]);
    assert_eq!(names(&more["additional"]), ["profile"]);
    accept(&browser).await;

    // The portal lists it; revoking makes the application ask again.
    let rows = browser.ok_fn("me/consents", json!({})).await;
    assert_eq!(rows.as_array().expect("rows").len(), 1, "{rows}");
    assert_eq!(rows[0]["application"], "notes");
    assert_eq!(
        rows[0]["permissions"],
        json!(["Email address", "General Profile Information"])
    );
    assert!(!rows[0]["expires"].as_str().expect("expires").is_empty());
    let consent_id = rows[0]["id"].as_str().expect("id").to_string();
    // Nobody else can revoke it.
    let bob = app.new_browser();
    app.create_user("bob", "bob password 12345").await;
    bob.login("bob", "bob password 12345").await;
    let res = bob
        .json_fn("me/consents/revoke", json!({ "id": consent_id }))
        .await;
    assert_ne!(res.status(), StatusCode::OK);
    browser
        .ok_fn("me/consents/revoke", json!({ "id": consent_id }))
        .await;
    assert_eq!(browser.ok_fn("me/consents", json!({})).await, json!([]));
    assert!(
        open(&browser, &authorize_url(&app, &id, "openid email"))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn prompt_none_answers_consent_required_when_consent_is_needed() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let consent = json!({ "authorization_flow": flow_pk(&app, CONSENT_FLOW).await });
    let id = oauth_app(&app, "notes", consent).await;
    let browser = app.new_browser();
    browser.login("alice", "alice password 123").await;
    let url = format!("{}&prompt=none", authorize_url(&app, &id, "openid email"));
    let res = browser.client.get(&url).send().await.expect("authorize");
    let location = res.headers()["location"].to_str().expect("loc");
    assert!(location.starts_with(REDIRECT), "{location}");
    assert!(location.contains("error=consent_required"), "{location}");
}

#[tokio::test]
async fn applications_take_a_provider_and_the_library_lists_what_users_may_open() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    oauth_app(&app, "grafana", json!({})).await;
    let got = app
        .admin_api(Method::GET, "/core/applications/grafana/", None)
        .await;
    // The launch URL comes from the first redirect URI's origin when none is set.
    assert_eq!(got["launch_url"], "http://127.0.0.1:9");
    assert_eq!(got["provider_obj"]["assigned_application_slug"], "grafana");
    assert_eq!(got["provider_obj"]["pk"], got["provider"]);
    // One provider serves one application.
    let (status, body) = app
        .api(
            Method::POST,
            "/core/applications/",
            Some(crate::helpers::ADMIN_TOKEN),
            Some(json!({ "name": "Again", "slug": "again", "provider": got["provider"] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["provider"][0]
            .as_str()
            .expect("msg")
            .contains("another application"),
        "{body}"
    );
    // Hidden with blank://blank, and one only bob may use.
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": "Hidden", "slug": "hidden", "meta_launch_url": "blank://blank" })),
    )
    .await;
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": "Wiki", "slug": "wiki", "group": "Docs", "meta_launch_url": "https://wiki.example.com/", "meta_description": "Team notes" })),
    )
    .await;
    let payroll = app
        .admin_api(
            Method::POST,
            "/core/applications/",
            Some(json!({ "name": "Payroll", "slug": "payroll", "meta_launch_url": "https://pay.example.com/" })),
        )
        .await;
    let bob = app.create_user("bob", "bob password 12345").await;
    crate::policy_support::bind(&app, &payroll, json!({ "user": bob.to_string() }), 0).await;
    let browser = app.new_browser();
    browser.login("alice", "alice password 123").await;
    let library = browser.ok_fn("me/applications", json!({})).await;
    let slugs: Vec<&str> = library
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(slugs, ["grafana", "wiki"], "{library}");
    assert_eq!(library[1]["launch_url"], "https://wiki.example.com/");
    assert_eq!(library[1]["group"], "Docs");
}

#[tokio::test]
async fn the_rest_api_lists_and_deletes_consents_superusers_all_users_their_own() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let consent = json!({ "authorization_flow": flow_pk(&app, CONSENT_FLOW).await });
    let id = oauth_app(&app, "notes", consent).await;
    let browser = app.new_browser();
    browser.login("alice", "alice password 123").await;
    open(&browser, &authorize_url(&app, &id, "openid email"))
        .await
        .expect("asked");
    accept(&browser).await;
    let all = app
        .admin_api(Method::GET, "/core/user_consent/", None)
        .await;
    assert_eq!(
        all["results"].as_array().expect("results").len(),
        1,
        "{all}"
    );
    let c = &all["results"][0];
    assert_eq!(c["user"]["username"], "alice");
    assert_eq!(c["application"]["slug"], "notes");
    assert_eq!(c["permissions"], "openid email");
    assert_eq!(c["expiring"], true);
    // Another user sees none of it and cannot delete it.
    let (_, bob_token) = app.user_with_token("bob").await;
    let (status, mine) = app
        .api(Method::GET, "/core/user_consent/", Some(&bob_token), None)
        .await;
    assert_eq!(
        (status, mine["results"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0))
    );
    let path = format!("/core/user_consent/{}/", c["pk"].as_str().expect("pk"));
    let (status, _) = app.api(Method::DELETE, &path, Some(&bob_token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(
            Method::DELETE,
            &path,
            Some(crate::helpers::ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        open(&browser, &authorize_url(&app, &id, "openid email"))
            .await
            .is_some()
    );
}
