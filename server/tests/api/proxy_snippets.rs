//! `admin/providers/snippets`: a proxy provider's reverse-proxy configurations on the admin
//! screen (authentik's provider "Setup" tab), filled in with its hosts and Ward's URL.
use crate::helpers::{ADMIN_PASSWORD, TestApp, spawn_api};
use reqwest::Method;
use serde_json::{Value, json};

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

async fn create(app: &TestApp, name: &str, extra: Value) -> String {
    let mut body = json!({
        "name": name,
        "authorization_flow": flow_pk(app, "default-authentication-flow").await,
        "invalidation_flow": flow_pk(app, "default-invalidation-flow").await,
    });
    body.as_object_mut()
        .expect("object")
        .extend(extra.as_object().expect("object").clone());
    let created = app
        .admin_api(Method::POST, "/providers/proxy/", Some(body))
        .await;
    created["pk"].as_str().expect("pk").to_string()
}

/// The (proxy, text) pairs and the note, as the admin gets them.
async fn setup(app: &TestApp, id: &str) -> (Vec<(String, String)>, String) {
    let res = app
        .json_fn("admin/providers/snippets", json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    let snippets = serde_json::from_value(body["snippets"].clone()).expect("pairs");
    (snippets, body["note"].as_str().expect("note").to_string())
}

fn text<'a>(snippets: &'a [(String, String)], proxy: &str) -> &'a str {
    &snippets
        .iter()
        .find(|(p, _)| p == proxy)
        .unwrap_or_else(|| panic!("{proxy} in {snippets:?}"))
        .1
}

#[tokio::test]
async fn an_admin_gets_the_snippets_of_a_forward_auth_provider() {
    let app = spawn_api().await;
    app.login("akadmin", ADMIN_PASSWORD).await;
    // The reverse proxy reaches Ward at the embedded outpost's authentik_host.
    sqlx::query(
        "update outposts set config = config || '{\"authentik_host\": \"http://ward.internal:9000/\"}'
          where managed = 'goauthentik.io/outposts/embedded'",
    )
    .execute(&app.pool)
    .await
    .expect("authentik_host");
    let id = create(
        &app,
        "Whoami",
        json!({
            "mode": "forward_single",
            "external_host": "https://whoami.example.com",
            "internal_host": "http://whoami:8000",
        }),
    )
    .await;

    let (snippets, note) = setup(&app, &id).await;
    assert_eq!(note, "");
    let names: Vec<&str> = snippets.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["nginx", "Traefik", "Caddy", "Envoy"]);

    let nginx = text(&snippets, "nginx");
    assert!(nginx.contains("server_name whoami.example.com;"), "{nginx}");
    assert!(
        nginx.contains("proxy_pass              http://ward.internal:9000/outpost.goauthentik.io;"),
        "{nginx}"
    );
    assert!(nginx.contains("auth_request     /outpost.goauthentik.io/auth/nginx;"));
    assert!(nginx.contains("proxy_pass http://whoami:8000;"), "{nginx}");

    let traefik = text(&snippets, "Traefik");
    assert!(traefik.contains(
        "forwardauth.address=http://ward.internal:9000/outpost.goauthentik.io/auth/traefik\""
    ));
    assert!(traefik.contains("Host(`whoami.example.com`)"), "{traefik}");
    assert!(traefik.contains("trustForwardHeader=true"));

    let caddy = text(&snippets, "Caddy");
    assert!(caddy.starts_with("# Caddy"), "{caddy}");
    assert!(
        caddy.contains("\nhttps://whoami.example.com {\n"),
        "{caddy}"
    );
    assert!(caddy.contains("reverse_proxy /outpost.goauthentik.io/* http://ward.internal:9000\n"));
    assert!(caddy.contains("forward_auth http://ward.internal:9000 {"));
    assert!(caddy.contains("uri /outpost.goauthentik.io/auth/caddy\n"));

    let envoy = text(&snippets, "Envoy");
    assert!(envoy.contains("path_prefix: /outpost.goauthentik.io/auth/envoy\n"));
    assert!(
        envoy.contains("address: \"ward.internal\", port_value: 9000"),
        "{envoy}"
    );
}

#[tokio::test]
async fn proxy_mode_has_nothing_to_paste_and_other_kinds_are_not_found() {
    let app = spawn_api().await;
    app.login("akadmin", ADMIN_PASSWORD).await;
    let id = create(
        &app,
        "Proxied",
        json!({
            "mode": "proxy",
            "external_host": "https://proxied.example.com",
            "internal_host": "http://proxied:8000",
        }),
    )
    .await;
    let (snippets, note) = setup(&app, &id).await;
    assert!(snippets.is_empty());
    assert!(note.contains("proxy mode"), "{note}");

    let oauth2 = app
        .admin_api(
            Method::POST,
            "/providers/oauth2/",
            Some(json!({
                "name": "Plain",
                "authorization_flow": flow_pk(&app, "default-authentication-flow").await,
                "invalidation_flow": flow_pk(&app, "default-invalidation-flow").await,
            })),
        )
        .await;
    let res = app
        .json_fn(
            "admin/providers/snippets",
            json!({ "id": oauth2["pk"].as_str().expect("pk") }),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn only_admins_get_snippets() {
    let app = spawn_api().await;
    let id = create(
        &app,
        "Whoami",
        json!({ "mode": "forward_single", "external_host": "https://whoami.example.com" }),
    )
    .await;
    let anonymous = app.new_browser();
    let res = anonymous
        .json_fn("admin/providers/snippets", json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 401);
    app.create_user("jane", "jane-password-1").await;
    let jane = app.new_browser();
    jane.login("jane", "jane-password-1").await;
    let res = jane
        .json_fn("admin/providers/snippets", json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 403);
    let body = res.text().await.expect("body");
    assert!(!body.contains("whoami.example.com"), "{body}");
}
