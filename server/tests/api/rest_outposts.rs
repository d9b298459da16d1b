//! `/api/v3/outposts/instances/`: outposts in authentik's shape (the embedded one listed and
//! undeletable), their checks, their API token and service account, their health from
//! `outpost_states`, the providers' `outpost_set`, the blueprint model
//! `authentik_outposts.outpost` and the admin screen's server functions.
use crate::helpers::{ADMIN_PASSWORD, ADMIN_TOKEN, SECRET_KEY, TestApp, spawn_api};
use app::ssr::audit::Actor;
use app::ssr::blueprints::{apply::Options, apply_text};
use app::ssr::users;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const EMBEDDED: &str = "goauthentik.io/outposts/embedded";
const EMBEDDED_NAME: &str = "authentik Embedded Outpost";

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

/// A forward-auth proxy provider named `name`; its pk.
async fn proxy_provider(app: &TestApp, name: &str) -> String {
    let body = json!({
        "name": name,
        "authorization_flow": flow_pk(app, "default-authentication-flow").await,
        "invalidation_flow": flow_pk(app, "default-invalidation-flow").await,
        "mode": "forward_single",
        "external_host": format!("https://{}.example.com", name.to_lowercase()),
    });
    let created = app
        .admin_api(Method::POST, "/providers/proxy/", Some(body))
        .await;
    created["pk"].as_str().expect("pk").to_string()
}

async fn oauth2_provider(app: &TestApp, name: &str) -> String {
    let body = json!({
        "name": name,
        "authorization_flow": flow_pk(app, "default-authentication-flow").await,
        "invalidation_flow": flow_pk(app, "default-invalidation-flow").await,
        "redirect_uris": [{ "matching_mode": "strict", "url": "https://grafana.example.com/cb" }],
    });
    let created = app
        .admin_api(Method::POST, "/providers/oauth2/", Some(body))
        .await;
    created["pk"].as_str().expect("pk").to_string()
}

async fn embedded(app: &TestApp) -> Value {
    let list = app
        .admin_api(
            Method::GET,
            &format!("/outposts/instances/?managed__iexact={EMBEDDED}"),
            None,
        )
        .await;
    assert_eq!(list["pagination"]["count"], 1, "{list}");
    list["results"][0].clone()
}

async fn outpost_names(app: &TestApp) -> Vec<String> {
    let list = app
        .admin_api(Method::GET, "/outposts/instances/", None)
        .await;
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|o| o["name"].as_str().expect("name").to_string())
        .collect()
}

fn edge(provider: &str) -> Value {
    json!({
        "name": "Edge",
        "type": "proxy",
        "providers": [provider],
        "config": { "authentik_host": "https://ward.example.com/", "refresh_interval": "minutes=2" },
    })
}

#[tokio::test]
async fn outposts_are_created_read_changed_and_deleted_with_their_token() {
    let app = spawn_api().await;
    let whoami = proxy_provider(&app, "Whoami").await;

    // The embedded outpost is there from the start.
    let e = embedded(&app).await;
    assert_eq!(e["name"], EMBEDDED_NAME);
    assert_eq!(e["type"], "proxy");
    assert_eq!(e["providers"], json!([]));
    assert_eq!(e["service_connection"], Value::Null);
    assert_eq!(e["service_connection_obj"], Value::Null);
    assert_eq!(e["refresh_interval_s"], 300);
    let epk = e["pk"].as_str().expect("pk");
    assert_eq!(e["token_identifier"], format!("ak-outpost-{epk}-api"));

    let created = app
        .admin_api(Method::POST, "/outposts/instances/", Some(edge(&whoami)))
        .await;
    let pk = created["pk"].as_str().expect("pk").to_string();
    let id = uuid::Uuid::parse_str(&pk).expect("a uuid pk");
    assert_eq!(created["name"], "Edge");
    assert_eq!(created["type"], "proxy");
    assert_eq!(created["providers"], json!([whoami]));
    assert_eq!(created["providers_obj"][0]["pk"], whoami);
    assert_eq!(created["providers_obj"][0]["name"], "Whoami");
    assert_eq!(
        created["providers_obj"][0]["meta_model_name"],
        "authentik_providers_proxy.proxyprovider"
    );
    assert_eq!(created["providers_obj"][0]["outpost_set"], json!(["Edge"]));
    assert_eq!(created["managed"], Value::Null);
    assert_eq!(created["refresh_interval_s"], 120);
    let identifier = format!("ak-outpost-{pk}-api");
    assert_eq!(created["token_identifier"], identifier);
    assert_eq!(
        created["config"],
        json!({ "authentik_host": "https://ward.example.com/", "refresh_interval": "minutes=2" })
    );
    let one = format!("/outposts/instances/{pk}/");
    assert_eq!(app.admin_api(Method::GET, &one, None).await, created);

    // Its API token: owned by authentik's service account, never expiring, its key not here.
    let token = app
        .admin_api(Method::GET, &format!("/core/tokens/{identifier}/"), None)
        .await;
    assert_eq!(token["intent"], "api");
    assert_eq!(token["expiring"], false);
    assert_eq!(token["username"], format!("ak-outpost-{}", id.simple()));
    assert!(!created.to_string().contains("\"key\""), "{created}");
    let key = app
        .admin_api(
            Method::GET,
            &format!("/core/tokens/{identifier}/view_key/"),
            None,
        )
        .await["key"]
        .as_str()
        .expect("key")
        .to_string();
    assert!(!created.to_string().contains(&key));

    // With that token the outpost reads itself, and only itself, and changes nothing.
    let (status, mine) = app
        .api(Method::GET, "/outposts/instances/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["pagination"]["count"], 1, "{mine}");
    assert_eq!(mine["results"][0]["pk"], pk.as_str());
    let (status, _) = app.api(Method::GET, &one, Some(&key), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/outposts/instances/{epk}/"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(
            Method::PATCH,
            &one,
            Some(&key),
            Some(json!({ "name": "Mine" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A plain user is refused.
    let (_, plain) = app.user_with_token("plain").await;
    let (status, _) = app
        .api(Method::GET, "/outposts/instances/", Some(&plain), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // PATCH changes what it gives; the token stays.
    let patched = app
        .admin_api(
            Method::PATCH,
            &one,
            Some(json!({ "config": { "log_level": "debug" } })),
        )
        .await;
    assert_eq!(patched["config"], json!({ "log_level": "debug" }));
    assert_eq!(patched["refresh_interval_s"], 300);
    assert_eq!(patched["name"], "Edge");
    assert_eq!(patched["providers"], json!([whoami]));
    let (status, _) = app
        .api(Method::GET, "/outposts/instances/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::OK, "the token survives a change");

    // What GET answers can be PUT back (read-only fields included); PUT needs every field.
    let mut full = patched.clone();
    full["name"] = json!("Edge 2");
    let put = app.admin_api(Method::PUT, &one, Some(full)).await;
    assert_eq!(put["name"], "Edge 2");
    assert_eq!(put["pk"], pk.as_str());
    let (status, err) = app
        .api(
            Method::PUT,
            &one,
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "Edge 3" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({
            "type": ["This field is required."],
            "providers": ["This field is required."],
            "config": ["This field is required."],
        })
    );

    // Searched by name and by provider name; filtered as authentik's filters do.
    for (query, expected) in [
        ("search=edge", vec!["Edge 2"]),
        ("search=whoami", vec!["Edge 2"]),
        ("search=nothing", vec![]),
        ("name__iexact=edge%202", vec!["Edge 2"]),
        ("name__icontains=embedded", vec![EMBEDDED_NAME]),
        ("providers__isnull=true", vec![EMBEDDED_NAME]),
        ("providers__isnull=false", vec!["Edge 2"]),
        (&format!("providers_by_pk={whoami}"), vec!["Edge 2"]),
        ("service_connection__name__iexact=docker", vec![]),
        ("ordering=-name&page_size=1", vec!["Edge 2"]),
    ] {
        let list = app
            .admin_api(Method::GET, &format!("/outposts/instances/?{query}"), None)
            .await;
        let names: Vec<&str> = list["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|o| o["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, expected, "{query}");
    }

    // Deleting it takes its service account and token along.
    let (status, _) = app.api(Method::DELETE, &one, Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.api(Method::GET, &one, Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/core/tokens/{identifier}/"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(Method::GET, "/outposts/instances/", Some(&key), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let account = users::get_by_username(&app.pool, &format!("ak-outpost-{}", id.simple()))
        .await
        .expect("lookup");
    assert!(account.is_none(), "the service account is gone");
    assert_eq!(outpost_names(&app).await, vec![EMBEDDED_NAME]);
}

#[tokio::test]
async fn wrong_outposts_are_field_errors_and_nothing_is_saved() {
    let app = spawn_api().await;
    let whoami = proxy_provider(&app, "Whoami").await;
    let grafana = oauth2_provider(&app, "Grafana").await;
    let nobody = "00000000-0000-0000-0000-000000000000";
    for (changes, field, message) in [
        (
            json!({ "name": EMBEDDED_NAME }),
            "name",
            "An outpost with this name already exists.",
        ),
        (
            json!({ "name": " " }),
            "name",
            "Give the outpost a name of 1 to 150 characters.",
        ),
        (
            json!({ "name": "a\u{0}b" }),
            "name",
            "Remove the NUL character",
        ),
        (json!({ "name": 5 }), "name", "Not a valid string."),
        (
            json!({ "name": null }),
            "name",
            "This field may not be null.",
        ),
        (
            json!({ "type": "carrier-pigeon" }),
            "type",
            "\"carrier-pigeon\" is not a valid choice.",
        ),
        (
            json!({ "providers": [] }),
            "providers",
            "This list may not be empty.",
        ),
        (
            json!({ "providers": ["nope"] }),
            "providers",
            "Invalid pk \"nope\" - object does not exist.",
        ),
        (
            json!({ "providers": [nobody] }),
            "providers",
            "Invalid pk \"00000000-0000-0000-0000-000000000000\" - object does not exist.",
        ),
        (
            json!({ "providers": [grafana] }),
            "providers",
            "Outpost type proxy can't be used with OAuth2/OpenID providers.",
        ),
        (
            json!({ "type": "ldap" }),
            "providers",
            "Outpost type ldap can't be used with Proxy providers.",
        ),
        (
            json!({ "providers": whoami }),
            "providers",
            "Expected a list of items",
        ),
        (json!({ "providers": [1] }), "providers", "Incorrect type."),
        (
            json!({ "config": [] }),
            "config",
            "Give the config as a JSON object.",
        ),
        (
            json!({ "config": "x" }),
            "config",
            "Give the config as a JSON object.",
        ),
        (
            json!({ "config": null }),
            "config",
            "This field may not be null.",
        ),
        (
            json!({ "config": { "authentik_host": 1 } }),
            "config",
            "Failed to validate config: authentik_host must be text.",
        ),
        (
            json!({ "config": { "authentik_host": "ward.example.com" } }),
            "config",
            "authentik_host must be an http or https URL",
        ),
        (
            json!({ "config": { "log_level": "loud" } }),
            "config",
            "log_level must be one of",
        ),
        (
            json!({ "config": { "refresh_interval": "often" } }),
            "config",
            "refresh_interval must be a duration",
        ),
        (
            json!({ "config": { "kubernetes_replicas": "two" } }),
            "config",
            "kubernetes_replicas",
        ),
        (
            json!({ "config": { "x": "a\u{0}" } }),
            "config",
            "Remove the NUL character",
        ),
        (
            json!({ "managed": EMBEDDED }),
            "managed",
            "Only the embedded outpost",
        ),
        (json!({ "managed": 3 }), "managed", "Not a valid string."),
        (
            json!({ "service_connection": nobody }),
            "service_connection",
            "Ward has no service connections",
        ),
    ] {
        let mut body = edge(&whoami);
        for (k, v) in changes.as_object().expect("changes") {
            body[k] = v.clone();
        }
        let (status, err) = app
            .api(
                Method::POST,
                "/outposts/instances/",
                Some(ADMIN_TOKEN),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{changes}: {err}");
        let got = err[field][0].as_str().unwrap_or_default();
        assert!(got.contains(message), "{changes}: {err}");
    }
    // Bodies that are not objects, and bodies that are not JSON.
    for body in [json!([]), json!("Edge"), json!(null)] {
        let (status, err) = app
            .api(
                Method::POST,
                "/outposts/instances/",
                Some(ADMIN_TOKEN),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(err["non_field_errors"][0].is_string(), "{err}");
    }
    let res = app
        .client
        .post(app.url("/api/v3/outposts/instances/"))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.expect("json");
    assert!(err["non_field_errors"][0].is_string(), "{err}");
    // List parameters that cannot match are field errors too.
    for (query, field) in [
        ("providers__isnull=maybe", "providers__isnull"),
        ("providers_by_pk=42", "providers_by_pk"),
        ("ordering=secret", "ordering"),
        ("page=0", "page"),
        ("page_size=x", "page_size"),
    ] {
        let (status, err) = app
            .api(
                Method::GET,
                &format!("/outposts/instances/?{query}"),
                Some(ADMIN_TOKEN),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {err}");
        assert!(err[field][0].is_string(), "{query}: {err}");
    }
    let (status, _) = app
        .api(
            Method::GET,
            "/outposts/instances/not-a-pk/",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(outpost_names(&app).await, vec![EMBEDDED_NAME]);
    let tokens = app
        .admin_api(Method::GET, "/core/tokens/?search=ak-outpost", None)
        .await;
    assert_eq!(tokens["pagination"]["count"], 0, "no token made: {tokens}");
}

#[tokio::test]
async fn the_embedded_outpost_keeps_its_identity_and_cannot_be_deleted() {
    let app = spawn_api().await;
    let whoami = proxy_provider(&app, "Whoami").await;
    let e = embedded(&app).await;
    let one = format!("/outposts/instances/{}/", e["pk"].as_str().expect("pk"));

    let (status, err) = app.api(Method::DELETE, &one, Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({ "non_field_errors": ["The embedded outpost cannot be deleted."] })
    );
    for (changes, field, message) in [
        (
            json!({ "managed": null }),
            "managed",
            "The embedded outpost's managed id cannot be changed.",
        ),
        (
            json!({ "managed": "mine" }),
            "managed",
            "The embedded outpost's managed id cannot be changed.",
        ),
        (
            json!({ "name": "Renamed" }),
            "name",
            "Embedded outpost's name cannot be changed",
        ),
        (
            json!({ "type": "ldap" }),
            "type",
            "The embedded outpost is a proxy outpost.",
        ),
    ] {
        let (status, err) = app
            .api(
                Method::PATCH,
                &one,
                Some(ADMIN_TOKEN),
                Some(changes.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{changes}");
        assert_eq!(err[field], json!([message]), "{changes}: {err}");
    }
    // Its providers and config change; it may serve none; it has no token.
    let patched = app
        .admin_api(
            Method::PATCH,
            &one,
            Some(json!({ "providers": [whoami], "config": { "authentik_host": "https://ward.example.com/" } })),
        )
        .await;
    assert_eq!(patched["providers"], json!([whoami]));
    assert_eq!(patched["managed"], EMBEDDED);
    assert_eq!(
        patched["config"]["authentik_host"],
        "https://ward.example.com/"
    );
    let put = app
        .admin_api(
            Method::PUT,
            &one,
            Some(json!({ "name": EMBEDDED_NAME, "type": "proxy", "providers": [], "config": {} })),
        )
        .await;
    assert_eq!(put["providers"], json!([]));
    assert_eq!(put["managed"], EMBEDDED, "PUT without managed keeps it");
    let (status, _) = app
        .api(
            Method::GET,
            &format!(
                "/core/tokens/{}/",
                e["token_identifier"].as_str().expect("id")
            ),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(outpost_names(&app).await, vec![EMBEDDED_NAME]);
    let (status, err) = app
        .api(
            Method::POST,
            "/outposts/instances/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "Another", "type": "proxy", "providers": [whoami], "config": {}, "managed": EMBEDDED })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
}

#[tokio::test]
async fn proxy_providers_show_the_outposts_serving_them() {
    let app = spawn_api().await;
    let whoami = proxy_provider(&app, "Whoami").await;
    let other = proxy_provider(&app, "Other").await;
    let one = format!("/providers/proxy/{whoami}/");
    assert_eq!(
        app.admin_api(Method::GET, &one, None).await["outpost_set"],
        json!([])
    );
    let created = app
        .admin_api(Method::POST, "/outposts/instances/", Some(edge(&whoami)))
        .await;
    let e = embedded(&app).await;
    let epath = format!("/outposts/instances/{}/", e["pk"].as_str().expect("pk"));
    app.admin_api(
        Method::PATCH,
        &epath,
        Some(json!({ "providers": [whoami, other] })),
    )
    .await;
    let provider = app.admin_api(Method::GET, &one, None).await;
    let mut set: Vec<String> =
        serde_json::from_value(provider["outpost_set"].clone()).expect("list");
    set.sort();
    assert_eq!(set, vec!["Edge".to_string(), EMBEDDED_NAME.to_string()]);
    let listed = app.admin_api(Method::GET, "/providers/all/", None).await;
    let other_row = listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|p| p["pk"] == other.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(other_row["outpost_set"], json!([EMBEDDED_NAME]));

    // Sending it back changes nothing; it is never stored.
    let mut back = provider.clone();
    back["outpost_set"] = json!(["Forged"]);
    let put = app.admin_api(Method::PUT, &one, Some(back)).await;
    assert_eq!(
        put["outpost_set"].as_array().map(Vec::len),
        Some(2),
        "{put}"
    );
    let stored: Value = sqlx::query_scalar("select config from providers where id = $1::uuid")
        .bind(&whoami)
        .fetch_one(&app.pool)
        .await
        .expect("config");
    assert_eq!(stored["outpost_set"], json!([]));

    // Taking it off an outpost takes it off the list.
    let edge_path = format!(
        "/outposts/instances/{}/",
        created["pk"].as_str().expect("pk")
    );
    app.admin_api(
        Method::PATCH,
        &edge_path,
        Some(json!({ "providers": [other] })),
    )
    .await;
    app.admin_api(Method::PATCH, &epath, Some(json!({ "providers": [] })))
        .await;
    assert_eq!(
        app.admin_api(Method::GET, &one, None).await["outpost_set"],
        json!([])
    );
    assert_eq!(
        app.admin_api(Method::GET, &format!("/providers/proxy/{other}/"), None)
            .await["outpost_set"],
        json!(["Edge"])
    );
}

#[tokio::test]
async fn health_comes_from_the_instances_that_reported() {
    let app = spawn_api().await;
    let whoami = proxy_provider(&app, "Whoami").await;
    let created = app
        .admin_api(Method::POST, "/outposts/instances/", Some(edge(&whoami)))
        .await;
    let pk = created["pk"].as_str().expect("pk").to_string();
    let health = format!("/outposts/instances/{pk}/health/");
    assert_eq!(app.admin_api(Method::GET, &health, None).await, json!([]));
    sqlx::query(
        "insert into outpost_states (outpost_id, uid, hostname, version, last_seen)
         values ($1::uuid, 'edge-1:4242', 'edge-1', '0.0.1', now()),
                ($1::uuid, 'edge-2:7', 'edge-2', $2, now() - interval '10 minutes')",
    )
    .bind(&pk)
    .bind(env!("CARGO_PKG_VERSION"))
    .execute(&app.pool)
    .await
    .expect("states");
    let states = app.admin_api(Method::GET, &health, None).await;
    assert_eq!(states.as_array().map(Vec::len), Some(2), "{states}");
    let first = &states[0];
    assert_eq!(first["uid"], "edge-1:4242");
    assert_eq!(first["hostname"], "edge-1");
    assert_eq!(first["version"], "0.0.1");
    assert_eq!(first["version_should"], env!("CARGO_PKG_VERSION"));
    assert_eq!(first["version_outdated"], true);
    assert_eq!(first["fips_enabled"], Value::Null);
    assert_eq!(first["golang_version"], "");
    let seen = first["last_seen"].as_str().expect("last_seen");
    assert!(
        time::OffsetDateTime::parse(seen, &time::format_description::well_known::Rfc3339).is_ok(),
        "{seen}"
    );
    assert_eq!(states[1]["uid"], "edge-2:7");
    assert_eq!(states[1]["version_outdated"], false);
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/outposts/instances/{}/health/", uuid::Uuid::new_v4()),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let defaults = app
        .admin_api(Method::GET, "/outposts/instances/default_settings/", None)
        .await;
    let config = &defaults["config"];
    assert_eq!(config["authentik_host"], format!("{}/", app.address));
    assert_eq!(config["authentik_host_insecure"], false);
    assert_eq!(config["authentik_host_browser"], "");
    assert_eq!(config["log_level"], "info");
    assert_eq!(config["object_naming_template"], "ak-outpost-%(name)s");
    assert_eq!(config["refresh_interval"], "minutes=5");
    assert_eq!(config["docker_map_ports"], true);
    assert_eq!(config["kubernetes_replicas"], 1);
    assert_eq!(config["kubernetes_service_type"], "ClusterIP");
    assert_eq!(config["kubernetes_disabled_components"], json!([]));

    // The admin screen: only instances seen in the last two minutes count as running.
    app.login("akadmin", ADMIN_PASSWORD).await;
    let rows = app.ok_fn("admin/outposts/list", json!({})).await;
    let row = rows
        .as_array()
        .and_then(|r| r.iter().find(|o| o["name"] == "Edge"))
        .cloned()
        .unwrap_or_else(|| panic!("listed: {rows}"));
    assert_eq!(row["healthy"].as_array().map(Vec::len), Some(1), "{row}");
    assert_eq!(row["healthy"][0]["hostname"], "edge-1");
    assert_eq!(row["healthy"][0]["outdated"], true);
    assert_eq!(row["providers"], json!([[whoami, "Whoami"]]));
    let embedded_row = rows
        .as_array()
        .and_then(|r| r.iter().find(|o| o["embedded"] == true))
        .cloned()
        .expect("embedded listed");
    assert_eq!(embedded_row["healthy"], json!([]), "Not available");

    // The page, rendered on the server: the form, each outpost with its health.
    let html = app
        .html(&app.url("/if/admin/outpost/outposts/"))
        .await
        .replace("<!>", "");
    for needle in [
        r#"id="outpost-form""#,
        r#"data-outpost="Edge""#,
        "edge-1 · version 0.0.1 (outdated) · last seen ",
        "Not available",
        "View deployment info",
        r#"data-provider="Whoami""#,
        r#"href="/if/admin/outpost/outposts/""#,
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
}

#[tokio::test]
async fn the_admin_screen_saves_outposts_and_shows_the_token_only_when_asked() {
    let app = spawn_api().await;
    let whoami = proxy_provider(&app, "Whoami").await;
    app.login("akadmin", ADMIN_PASSWORD).await;
    let choices = app.ok_fn("admin/outposts/choices", json!({})).await;
    assert_eq!(choices["providers"][0]["name"], "Whoami");
    assert_eq!(choices["providers"][0]["kind"], "proxy");
    let default_config: Value =
        serde_json::from_str(choices["default_config"].as_str().expect("text")).expect("JSON");
    assert_eq!(default_config["refresh_interval"], "minutes=5");

    let form = |config: &str| json!({ "form": { "name": "Edge", "kind": "proxy", "providers": [whoami], "config": config } });
    let bad = app.ok_fn("admin/outposts/save", form("{ not json")).await;
    let message = bad["Invalid"]["config"].as_str().unwrap_or_default();
    assert!(message.starts_with("Not valid JSON"), "{bad}");
    let bad = app.ok_fn("admin/outposts/save", form("[1]")).await;
    assert_eq!(
        bad["Invalid"]["config"],
        "Give the config as a JSON object."
    );
    let saved = app
        .ok_fn(
            "admin/outposts/save",
            form("{\"authentik_host\": \"https://ward.example.com/\", \"authentik_host_insecure\": true}"),
        )
        .await;
    let id = saved["Ok"].as_str().expect("saved").to_string();

    let info = app
        .ok_fn("admin/outposts/deployment", json!({ "id": id }))
        .await;
    assert_eq!(info["host"], "https://ward.example.com/");
    assert_eq!(info["insecure"], true);
    assert_eq!(info["token_identifier"], format!("ak-outpost-{id}-api"));
    assert!(
        info.get("key").is_none() && !info.to_string().contains("token\":"),
        "{info}"
    );
    assert!(app.events("secret_view").await.is_empty());
    let key = app.ok_fn("admin/outposts/token", json!({ "id": id })).await;
    let viewed = app
        .admin_api(
            Method::GET,
            &format!("/core/tokens/ak-outpost-{id}-api/view_key/"),
            None,
        )
        .await;
    assert_eq!(key, viewed["key"]);
    let events = app.events("secret_view").await;
    assert_eq!(events.len(), 2, "each view is recorded: {events:?}");
    assert_eq!(events[0].2["token"], format!("ak-outpost-{id}-api"));

    // The embedded outpost has no deployment and cannot be deleted from here either.
    let rows = app.ok_fn("admin/outposts/list", json!({})).await;
    let embedded_id = rows
        .as_array()
        .and_then(|r| r.iter().find(|o| o["embedded"] == true))
        .and_then(|o| o["id"].as_str())
        .expect("embedded")
        .to_string();
    let res = app
        .json_fn("admin/outposts/deployment", json!({ "id": embedded_id }))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .json_fn("admin/outposts/delete", json!({ "id": embedded_id }))
        .await;
    assert!(!res.status().is_success());
    let text = res.text().await.expect("text");
    assert!(
        text.contains("The embedded outpost cannot be deleted."),
        "{text}"
    );
    app.ok_fn("admin/outposts/delete", json!({ "id": id }))
        .await;
    assert_eq!(outpost_names(&app).await, vec![EMBEDDED_NAME]);
}

const OUTPOST_BLUEPRINT: &str = r#"
version: 1
metadata:
  name: edge-outpost
entries:
  - model: authentik_providers_proxy.proxyprovider
    id: provider
    identifiers: { name: Whoami }
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      mode: forward_single
      external_host: https://whoami.example.com
  - model: authentik_core.application
    identifiers: { slug: whoami }
    attrs: { name: Whoami, provider: !KeyOf provider }
  - model: authentik_outposts.outpost
    identifiers: { name: Edge }
    attrs:
      type: proxy
      providers: [!KeyOf provider]
      config: { authentik_host: "https://ward.example.com/", log_level: debug }
  - model: authentik_outposts.outpost
    identifiers: { managed: goauthentik.io/outposts/embedded }
    attrs:
      providers: [!Find [authentik_providers_proxy.proxyprovider, [name, Whoami]]]
      config: { authentik_host: "https://ward.example.com/" }
"#;

#[tokio::test]
async fn outposts_come_from_blueprints() {
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
    let done = apply_text(&app.pool, &actor, OUTPOST_BLUEPRINT, &opts)
        .await
        .expect("applies");
    assert_eq!((done.created, done.updated), (3, 1), "{done:?}");
    let again = apply_text(&app.pool, &actor, OUTPOST_BLUEPRINT, &opts)
        .await
        .expect("again");
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 4));

    let list = app
        .admin_api(Method::GET, "/outposts/instances/?name__iexact=edge", None)
        .await;
    let edge = &list["results"][0];
    assert_eq!(edge["type"], "proxy");
    assert_eq!(edge["providers_obj"][0]["name"], "Whoami");
    assert_eq!(
        edge["config"],
        json!({ "authentik_host": "https://ward.example.com/", "log_level": "debug" })
    );
    let token = format!(
        "/core/tokens/{}/",
        edge["token_identifier"].as_str().expect("id")
    );
    assert_eq!(
        app.admin_api(Method::GET, &token, None).await["intent"],
        "api"
    );
    let e = embedded(&app).await;
    assert_eq!(e["providers_obj"][0]["name"], "Whoami");
    assert_eq!(
        e["config"],
        json!({ "authentik_host": "https://ward.example.com/" })
    );
    assert_eq!(e["managed"], EMBEDDED);

    // A changed entry updates; a bad one is refused naming the field.
    let changed = OUTPOST_BLUEPRINT.replace("log_level: debug", "log_level: warning");
    let done = apply_text(&app.pool, &actor, &changed, &opts)
        .await
        .expect("changed");
    assert_eq!(done.updated, 1, "{done:?}");
    for (bad, needle) in [
        (changed.replace("type: proxy", "type: ldap"), "providers"),
        (changed.replace("type: proxy", "type: carrier"), "type"),
        (
            changed.replace(
                "type: proxy",
                "type: proxy\n      service_connection: docker",
            ),
            "service_connection",
        ),
        (
            changed.replace("type: proxy", "type: proxy\n      colour: blue"),
            "colour",
        ),
        (
            changed.replace("log_level: warning", "log_level: loud"),
            "log_level",
        ),
    ] {
        let err = apply_text(&app.pool, &actor, &bad, &opts)
            .await
            .expect_err("refused")
            .to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    }
    // `state: absent` deletes it (never the embedded one).
    let absent = changed.replace(
        "    identifiers: { name: Edge }",
        "    state: absent\n    identifiers: { name: Edge }",
    );
    apply_text(&app.pool, &actor, &absent, &opts)
        .await
        .expect("deleted");
    let mut names = outpost_names(&app).await;
    names.sort();
    assert_eq!(names, vec![EMBEDDED_NAME]);
}

#[tokio::test]
async fn the_openapi_document_has_the_outpost_paths() {
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
    for (path, op, id) in [
        ("/outposts/instances/", "get", "outposts_instances_list"),
        ("/outposts/instances/", "post", "outposts_instances_create"),
        (
            "/outposts/instances/{uuid}/",
            "get",
            "outposts_instances_retrieve",
        ),
        (
            "/outposts/instances/{uuid}/",
            "put",
            "outposts_instances_update",
        ),
        (
            "/outposts/instances/{uuid}/",
            "patch",
            "outposts_instances_partial_update",
        ),
        (
            "/outposts/instances/{uuid}/",
            "delete",
            "outposts_instances_destroy",
        ),
        (
            "/outposts/instances/{uuid}/health/",
            "get",
            "outposts_instances_health_list",
        ),
        (
            "/outposts/instances/default_settings/",
            "get",
            "outposts_instances_default_settings_retrieve",
        ),
    ] {
        assert_eq!(doc["paths"][path][op]["operationId"], id, "{op} {path}");
    }
    let params: Vec<&str> = doc["paths"]["/outposts/instances/"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(params.contains(&"name__iexact"), "{params:?}");
    assert!(params.contains(&"providers_by_pk"), "{params:?}");
    assert!(doc["components"]["schemas"]["Outpost"]["properties"]["token_identifier"].is_object());
    assert!(
        doc["components"]["schemas"]["OutpostHealth"]["properties"]["version_outdated"].is_object()
    );
}
