//! The admin screen's proxy provider form: its action on the page, field errors from the proxy
//! provider's checks beside the fields, and saves that the REST API reads back as if it had
//! made them (derived redirect URIs, the default invalidation flow, audit events).
use crate::helpers::{ADMIN_PASSWORD, TestApp, spawn_api};
use reqwest::Method;
use serde_json::{Value, json};

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

/// The page's server-rendered HTML, without Leptos's hydration markers.
async fn page(admin: &TestApp, query: &str) -> String {
    admin
        .html(&admin.url(&format!("/if/admin/core/providers/{query}")))
        .await
        .replace("<!>", "")
}

/// The `<input>` tag with id `id` in `html`, if any.
fn input<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let at = html.find(&format!(r#"id="{id}""#))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    Some(&html[start..end])
}

#[tokio::test]
async fn the_admin_screen_creates_and_edits_proxy_providers_as_the_rest_api_does() {
    let app = spawn_api().await;
    let admin = app.new_browser();
    admin.login("akadmin", ADMIN_PASSWORD).await;

    // The action beside the OAuth2 one; the form opens on a click (no proxy form yet).
    let html = page(&admin, "").await;
    for needle in [
        r#"id="provider-new""#,
        r#"id="proxy-provider-new""#,
        "New proxy provider",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    assert!(!html.contains(r#"id="proxy-provider-form""#), "{html}");

    let choices = admin.ok_fn("admin/providers/choices", json!({})).await;
    let flow = choices["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .find(|f| f[1] == "default-provider-authorization-implicit-consent")
        .expect("implicit consent flow")[0]
        .clone();
    let form = json!({
        "name": "Whoami", "mode": "proxy",
        "external_host": "https://whoami.example.com",
        "internal_host": "http://whoami:8080", "internal_host_ssl_validation": false,
        "cookie_domain": "", "authorization_flow": flow,
        "skip_path_regex": "^/health$\n^/static/",
        "intercept_header_auth": false,
        "basic_auth_enabled": true, "basic_auth_user_attribute": "proxy_user",
        "basic_auth_password_attribute": "proxy_password",
        "access_token_validity": "hours=2",
    });
    let save = |id: Value, form: Value| {
        let admin = &admin;
        async move {
            admin
                .ok_fn(
                    "admin/providers/save-proxy",
                    json!({ "id": id, "form": form }),
                )
                .await
        }
    };

    // The proxy provider's own checks, each beside its field; nothing saved.
    let with = |changes: Value| {
        let mut f = form.clone();
        for (k, v) in changes.as_object().expect("object") {
            f[k] = v.clone();
        }
        f
    };
    for (changes, field) in [
        (json!({ "external_host": "not a url" }), "external_host"),
        (
            json!({ "mode": "forward_domain", "cookie_domain": "" }),
            "cookie_domain",
        ),
        (json!({ "internal_host": "" }), "internal_host"),
        (
            json!({ "basic_auth_password_attribute": "" }),
            "basic_auth_enabled",
        ),
        (json!({ "skip_path_regex": "^/(" }), "skip_path_regex"),
        (
            json!({ "access_token_validity": "an hour" }),
            "access_token_validity",
        ),
        (json!({ "authorization_flow": "" }), "authorization_flow"),
        (json!({ "name": " " }), "name"),
    ] {
        let refused = save(Value::Null, with(changes.clone())).await;
        assert!(
            refused["Invalid"][field].is_string(),
            "{changes}: {refused}"
        );
    }
    let refused = save(Value::Null, with(json!({ "external_host": "not a url" }))).await;
    assert_eq!(
        refused["Invalid"]["external_host"],
        "Give the URL without spaces."
    );
    assert_eq!(
        admin.ok_fn("admin/providers/list", json!({})).await,
        json!([])
    );

    // Created: the REST API shows what the form saved, with what it derives.
    let saved = save(Value::Null, form.clone()).await;
    let id = saved["Ok"].as_str().expect("saved").to_string();
    let provider = app
        .admin_api(Method::GET, &format!("/providers/proxy/{id}/"), None)
        .await;
    for (field, value) in [
        ("name", json!("Whoami")),
        ("mode", json!("proxy")),
        ("external_host", json!("https://whoami.example.com")),
        ("internal_host", json!("http://whoami:8080")),
        ("internal_host_ssl_validation", json!(false)),
        ("authorization_flow", flow.clone()),
        ("skip_path_regex", json!("^/health$\n^/static/")),
        ("intercept_header_auth", json!(false)),
        ("basic_auth_enabled", json!(true)),
        ("basic_auth_user_attribute", json!("proxy_user")),
        ("basic_auth_password_attribute", json!("proxy_password")),
        ("access_token_validity", json!("hours=2")),
        // Not on the form: authentik's defaults.
        ("refresh_token_validity", json!("days=30")),
        ("certificate", Value::Null),
    ] {
        assert_eq!(provider[field], value, "{field}: {provider}");
    }
    assert_eq!(
        provider["invalidation_flow"],
        flow_pk(&app, "default-provider-invalidation-flow").await
    );
    assert_eq!(
        provider["redirect_uris"][0]["url"],
        "https://whoami.example.com/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
    );
    assert_eq!(provider["client_id"].as_str().map(str::len), Some(40));
    let created = app.events("model_created").await;
    assert!(
        created
            .iter()
            .any(|(_, _, c)| c["model"]["model_name"] == "provider" && c["model"]["pk"] == id),
        "{created:?}"
    );

    // The row carries the proxy form's values (and an Edit), not the OAuth2 form.
    let rows = admin.ok_fn("admin/providers/list", json!({})).await;
    assert_eq!(rows[0]["kind"], "proxy");
    assert_eq!(rows[0]["editable"], false);
    assert_eq!(rows[0]["proxy"], form);
    let html = page(&admin, "").await;
    assert!(html.contains("data-edit-proxy"), "{html}");

    // Opened by ?edit=: the proxy form, in proxy mode, in place of the OAuth2 form.
    let html = page(&admin, &format!("?edit={id}")).await;
    assert!(html.contains("Edit proxy provider"), "{html}");
    assert!(
        input(&html, "proxy-provider-mode-proxy").is_some_and(|t| t.contains(" checked")),
        "{html}"
    );
    assert!(
        input(&html, "proxy-provider-internal_host").is_some(),
        "{html}"
    );
    assert!(
        input(&html, "proxy-provider-cookie_domain").is_none(),
        "{html}"
    );

    // Edited into domain-level forward auth: the cookie domain must cover the external host.
    let domain = with(json!({
        "mode": "forward_domain", "external_host": "https://auth.example.com",
        "cookie_domain": "other.org",
    }));
    let refused = save(json!(id), domain.clone()).await;
    assert_eq!(
        refused["Invalid"]["cookie_domain"],
        "The external host auth.example.com is not under other.org."
    );
    let domain = with(json!({
        "mode": "forward_domain", "external_host": "https://auth.example.com",
        "cookie_domain": "example.com", "basic_auth_enabled": false,
    }));
    let saved = save(json!(id), domain).await;
    assert_eq!(saved["Ok"], id.as_str(), "{saved}");
    let provider = app
        .admin_api(Method::GET, &format!("/providers/proxy/{id}/"), None)
        .await;
    assert_eq!(provider["mode"], "forward_domain");
    assert_eq!(provider["cookie_domain"], "example.com");
    assert_eq!(provider["external_host"], "https://auth.example.com");
    assert_eq!(provider["basic_auth_enabled"], false);
    assert_eq!(
        provider["redirect_uris"][1]["url"],
        "https://auth.example.com?X-authentik-auth-callback=true"
    );
    let updated = app.events("model_updated").await;
    assert!(
        updated.iter().any(|(_, _, c)| c["model"]["pk"] == id),
        "{updated:?}"
    );
    let html = page(&admin, &format!("?edit={id}")).await;
    assert!(
        input(&html, "proxy-provider-mode-forward_domain").is_some_and(|t| t.contains(" checked")),
        "{html}"
    );
    assert!(
        input(&html, "proxy-provider-cookie_domain").is_some(),
        "{html}"
    );
    assert!(
        input(&html, "proxy-provider-internal_host").is_none(),
        "{html}"
    );

    // The proxy form saves proxy providers only; nothing else is touched.
    let oauth2 = app
        .admin_api(
            Method::POST,
            "/providers/oauth2/",
            Some(json!({
                "name": "Grafana", "authorization_flow": flow,
                "invalidation_flow": flow_pk(&app, "default-provider-invalidation-flow").await,
                "redirect_uris": [{ "matching_mode": "strict", "url": "https://grafana.example.com/cb" }],
            })),
        )
        .await;
    let res = admin
        .json_fn(
            "admin/providers/save-proxy",
            json!({ "id": oauth2["pk"], "form": form }),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn only_superusers_save_proxy_providers() {
    let app = spawn_api().await;
    let jane = app.new_browser();
    jane.create_user("jane", "jane-password-123").await;
    jane.login("jane", "jane-password-123").await;
    let res = jane
        .json_fn(
            "admin/providers/save-proxy",
            json!({ "id": null, "form": { "name": "x", "mode": "proxy", "external_host": "",
                "internal_host": "", "internal_host_ssl_validation": true, "cookie_domain": "",
                "authorization_flow": "", "skip_path_regex": "", "intercept_header_auth": true,
                "basic_auth_enabled": false, "basic_auth_user_attribute": "",
                "basic_auth_password_attribute": "", "access_token_validity": "hours=1" } }),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(
        app.admin_api(Method::GET, "/providers/proxy/", None).await["results"]
            .as_array()
            .expect("results")
            .is_empty()
    );
}
