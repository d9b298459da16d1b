//! `/api/v3/providers/…`: OAuth2 providers with authentik's fields, checked by type and against
//! the flows they name; the client secret sealed at rest and never answered back.
use crate::helpers::{TestApp, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

async fn flows(app: &TestApp) -> Value {
    json!({
        "authorization_flow": flow_pk(app, "default-authentication-flow").await,
        "invalidation_flow": flow_pk(app, "default-invalidation-flow").await,
    })
}

#[tokio::test]
async fn oauth2_providers_are_created_with_generated_credentials_and_defaults() {
    let app = spawn_api().await;
    let mut body = flows(&app).await;
    body["name"] = json!("Grafana");
    body["redirect_uris"] = json!([{ "matching_mode": "strict", "url": "https://grafana.example.com/login/generic_oauth" }]);
    let created = app
        .admin_api(Method::POST, "/providers/oauth2/", Some(body))
        .await;
    let pk = created["pk"].as_str().expect("pk").to_string();
    let client_id = created["client_id"].as_str().expect("client id");
    assert_eq!(client_id.len(), 40, "{created}");
    assert!(client_id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(created.get("client_secret").is_none(), "{created}");
    assert_eq!(created["client_type"], "confidential");
    assert_eq!(created["sub_mode"], "hashed_user_id");
    assert_eq!(created["issuer_mode"], "per_provider");
    assert_eq!(created["access_token_validity"], "hours=1");
    assert_eq!(created["component"], "ak-provider-oauth2-form");
    assert_eq!(
        created["meta_model_name"],
        "authentik_providers_oauth2.oauth2provider"
    );
    assert_eq!(
        created["redirect_uris"][0]["redirect_uri_type"],
        "authorization"
    );
    assert_eq!(created["assigned_application_slug"], Value::Null);

    // The generated secret is 128 characters, sealed: not in the row, not in the audit log.
    let id = uuid::Uuid::parse_str(&pk).expect("uuid");
    let secret =
        app::ssr::providers::edit::client_secret(&app.pool, crate::helpers::SECRET_KEY, id)
            .await
            .expect("secret")
            .expect("provider");
    assert_eq!(secret.len(), 128);
    let stored: Vec<u8> = sqlx::query_scalar("select client_secret from providers where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert!(!stored.windows(16).any(|w| w == &secret.as_bytes()[..16]));
    let events: String = sqlx::query_scalar("select string_agg(context::text, ' ') from events")
        .fetch_one(&app.pool)
        .await
        .expect("events");
    assert!(!events.contains(&secret[..24]));

    // PATCH changes what it names; a new secret is recorded as changed, not by its value.
    let one = format!("/providers/oauth2/{pk}/");
    let patched = app
        .admin_api(
            Method::PATCH,
            &one,
            Some(json!({ "client_type": "public", "client_secret": "s3cret-from-the-admin", "sub_mode": "user_email" })),
        )
        .await;
    assert_eq!(patched["client_type"], "public");
    assert_eq!(patched["sub_mode"], "user_email");
    assert_eq!(patched["client_id"], client_id);
    assert_eq!(patched["redirect_uris"], created["redirect_uris"]);
    let secret =
        app::ssr::providers::edit::client_secret(&app.pool, crate::helpers::SECRET_KEY, id)
            .await
            .expect("secret");
    assert_eq!(secret.as_deref(), Some("s3cret-from-the-admin"));
    let diff: Value = sqlx::query_scalar(
        "select context->'diff' from events where action = 'model_updated' order by created_at desc limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("audit");
    assert_eq!(diff["client_secret"]["new"], "(changed)", "{diff}");
    assert!(!diff.to_string().contains("s3cret"));

    let all = app
        .admin_api(Method::GET, "/providers/all/?search=graf", None)
        .await;
    assert_eq!(all["results"][0]["pk"], pk.as_str(), "{all}");
    let (status, _) = app
        .api(
            Method::DELETE,
            &one,
            Some(crate::helpers::ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .api(Method::GET, &one, Some(crate::helpers::ADMIN_TOKEN), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wrong_provider_settings_are_field_errors() {
    let app = spawn_api().await;
    let base = flows(&app).await;
    let mut first = base.clone();
    first["name"] = json!("first");
    first["client_id"] = json!("shared-id");
    app.admin_api(Method::POST, "/providers/oauth2/", Some(first))
        .await;
    let nobody = "00000000-0000-0000-0000-000000000000";
    for (field, value) in [
        ("client_id", json!("shared-id")),
        ("client_id", json!("has space")),
        ("authorization_flow", json!(nobody)),
        ("invalidation_flow", json!("not-a-pk")),
        ("signing_key", json!(nobody)),
        (
            "redirect_uris",
            json!([{ "matching_mode": "strict", "url": "https://a/cb#frag" }]),
        ),
        (
            "redirect_uris",
            json!([{ "matching_mode": "regex", "url": "([" }]),
        ),
        ("redirect_uris", json!("https://a/cb")),
        ("grant_types", json!(["password", "telepathy"])),
        ("access_code_validity", json!("hours")),
        ("property_mappings", json!([nobody])),
        ("no_such_field", json!(1)),
        ("name", json!("first")),
    ] {
        let mut body = base.clone();
        body["name"] = json!("second");
        body[field] = value.clone();
        let (status, err) = app
            .api(
                Method::POST,
                "/providers/oauth2/",
                Some(crate::helpers::ADMIN_TOKEN),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}={value}: {err}");
        assert!(err.get(field).is_some(), "{field}={value}: {err}");
    }
    // A full write names its flows again.
    let (status, err) = app
        .api(
            Method::POST,
            "/providers/oauth2/",
            Some(crate::helpers::ADMIN_TOKEN),
            Some(json!({ "name": "no flows" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.get("authorization_flow").is_some(), "{err}");

    // Only superusers.
    let (_, key) = app.user_with_token("jane").await;
    let (status, _) = app
        .api(Method::GET, "/providers/all/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_admin_screen_saves_oauth2_providers_and_shows_the_secret_once_recorded() {
    let app = spawn_api().await;
    let admin = app.new_browser();
    admin.login("akadmin", crate::helpers::ADMIN_PASSWORD).await;
    let choices = admin.ok_fn("admin/providers/choices", json!({})).await;
    let flow = choices["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .find(|f| f[1] == "default-provider-authorization-implicit-consent")
        .expect("implicit consent flow")[0]
        .clone();
    let form = json!({
        "name": "Grafana", "client_type": "confidential", "client_id": "",
        "redirect_uris": "https://grafana.example.com/login/generic_oauth\nregex:https://.*\\.example\\.com/cb",
        "authorization_flow": flow, "signing_key": "", "grant_types": ["authorization_code"],
        "sub_mode": "user_email", "include_claims_in_id_token": true,
    });
    let saved = admin
        .ok_fn("admin/providers/save", json!({ "id": null, "form": form }))
        .await;
    let id = saved["Ok"].as_str().expect("saved").to_string();
    let rows = admin.ok_fn("admin/providers/list", json!({})).await;
    let row = &rows[0];
    assert_eq!(row["name"], "Grafana");
    assert_eq!(row["application"], "", "not assigned yet");
    assert_eq!(row["form"]["sub_mode"], "user_email");
    assert_eq!(row["form"]["redirect_uris"], form["redirect_uris"]);
    let provider = app
        .admin_api(Method::GET, &format!("/providers/oauth2/{id}/"), None)
        .await;
    assert_eq!(provider["redirect_uris"][1]["matching_mode"], "regex");
    assert_eq!(
        provider["invalidation_flow"].as_str().map(str::len),
        Some(36)
    );
    // A bad redirect URI is a message beside the field, nothing saved.
    let mut bad = form.clone();
    bad["redirect_uris"] = json!("javascript:alert(1)");
    let refused = admin
        .ok_fn("admin/providers/save", json!({ "id": id, "form": bad }))
        .await;
    assert!(refused["Invalid"]["redirect_uris"].is_string(), "{refused}");
    // The secret is shown again on request, and that is recorded.
    let secret = admin
        .ok_fn("admin/providers/secret", json!({ "id": id }))
        .await;
    assert_eq!(secret.as_str().map(str::len), Some(128));
    let views = app.events("secret_view").await;
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].2["provider"], id.as_str());
    admin
        .ok_fn("admin/providers/delete", json!({ "id": id }))
        .await;
    assert_eq!(
        admin.ok_fn("admin/providers/list", json!({})).await,
        json!([])
    );
}

/// The scope names of the form's scope checkboxes that are checked, from server-rendered HTML.
fn checked_scopes(html: &str) -> Vec<String> {
    html.split("<input")
        .skip(1)
        .map(|tag| &tag[..tag.find('>').unwrap_or(tag.len())])
        .filter(|tag| tag.contains(r#"name="property_mappings""#) && tag.contains(" checked"))
        .filter_map(|tag| {
            let rest = &tag[tag.find(r#"data-scope=""#)? + r#"data-scope=""#.len()..];
            Some(rest[..rest.find('"')?].to_string())
        })
        .collect()
}

#[tokio::test]
async fn the_admin_screen_chooses_the_scopes_a_provider_offers() {
    let app = spawn_api().await;
    let admin = app.new_browser();
    admin.login("akadmin", crate::helpers::ADMIN_PASSWORD).await;
    let choices = admin.ok_fn("admin/providers/choices", json!({})).await;
    assert_eq!(
        choices["default_offered"],
        json!(["openid", "email", "profile", "offline_access"])
    );
    let scopes = choices["scopes"].as_array().expect("scopes").clone();
    let scope = |name: &str| {
        scopes
            .iter()
            .find(|s| s["scope_name"] == name)
            .unwrap_or_else(|| panic!("the built-in {name} mapping: {scopes:?}"))
            .clone()
    };
    for (name, new_provider) in [
        ("openid", true),
        ("email", true),
        ("profile", true),
        ("offline_access", false),
    ] {
        assert_eq!(scope(name)["new_provider"], new_provider, "{name}");
    }
    let (email, offline) = (
        scope("email")["id"].clone(),
        scope("offline_access")["id"].clone(),
    );

    // A new provider's form: every scope mapping a checkbox with its label, authentik's defaults
    // chosen, and what Ward offers when none is.
    let page = app.url("/if/admin/core/providers/");
    let html = admin.html(&page).await.replace("<!>", "");
    for needle in [
        r#"id="provider-scopes""#,
        "Scopes offered (property mappings)",
        "With none chosen, Ward offers openid, email, profile, offline_access.",
        &format!(r#"id="provider-scope-{}""#, offline.as_str().expect("id")),
        " · scope offline_access",
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    assert!(
        !html.contains("REST API or blueprints"),
        "no note that only REST sets them"
    );
    let mut new_checked = checked_scopes(&html);
    new_checked.sort();
    assert_eq!(new_checked, ["email", "openid", "profile"]);

    // Saved with two chosen mappings, read back in the form, the REST API and the page.
    let flow = choices["flows"][0][0].clone();
    let form = |mappings: Value| {
        json!({
            "name": "Wiki", "client_type": "confidential", "client_id": "",
            "redirect_uris": "https://wiki.example.com/cb", "authorization_flow": flow,
            "signing_key": "", "grant_types": ["authorization_code", "refresh_token"],
            "sub_mode": "hashed_user_id", "include_claims_in_id_token": true,
            "property_mappings": mappings,
        })
    };
    let saved = admin
        .ok_fn(
            "admin/providers/save",
            json!({ "id": null, "form": form(json!([email, offline])) }),
        )
        .await;
    let id = saved["Ok"].as_str().expect("saved").to_string();
    let rows = admin.ok_fn("admin/providers/list", json!({})).await;
    assert_eq!(
        rows[0]["form"]["property_mappings"],
        json!([email, offline])
    );
    let provider = app
        .admin_api(Method::GET, &format!("/providers/oauth2/{id}/"), None)
        .await;
    assert_eq!(provider["property_mappings"], json!([email, offline]));
    let html = admin
        .html(&format!("{page}?edit={id}"))
        .await
        .replace("<!>", "");
    assert!(html.contains("Edit OAuth2/OpenID provider"), "{html}");
    assert_eq!(checked_scopes(&html), ["email", "offline_access"]);

    // An unknown mapping is an error beside the field; nothing changes.
    for bad in [
        json!([email, "00000000-0000-0000-0000-000000000000"]),
        json!(["not-a-pk"]),
    ] {
        let refused = admin
            .ok_fn(
                "admin/providers/save",
                json!({ "id": id, "form": form(bad.clone()) }),
            )
            .await;
        assert_eq!(
            refused["Invalid"]["property_mappings"],
            "Unknown scope mapping: list scope mappings by their pks.",
            "{bad}: {refused}"
        );
    }
    let rows = admin.ok_fn("admin/providers/list", json!({})).await;
    assert_eq!(
        rows[0]["form"]["property_mappings"],
        json!([email, offline])
    );

    // None chosen: stored as none (Ward then offers its defaults), and the form shows none.
    let saved = admin
        .ok_fn(
            "admin/providers/save",
            json!({ "id": id, "form": form(json!([])) }),
        )
        .await;
    assert_eq!(saved["Ok"], id.as_str(), "{saved}");
    let provider = app
        .admin_api(Method::GET, &format!("/providers/oauth2/{id}/"), None)
        .await;
    assert_eq!(provider["property_mappings"], json!([]));
    let html = admin.html(&format!("{page}?edit={id}")).await;
    assert!(checked_scopes(&html).is_empty(), "{html}");
}
