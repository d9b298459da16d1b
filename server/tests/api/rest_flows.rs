//! `/api/v3/flows/instances/`, `/api/v3/flows/bindings/` and `/api/v3/stages/` through HTTP:
//! a flow assembled through the API runs, lists page, search and sort, bad input is named by
//! field, and only superusers get in.
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn pk(v: &Value) -> &str {
    v["pk"].as_str().expect("pk")
}

async fn bad(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let (status, json) = app.api(method, path, Some(ADMIN_TOKEN), Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {json}");
    json
}

#[tokio::test]
async fn a_flow_assembled_through_the_api_signs_people_in() {
    let app = spawn_api().await;
    let ident = app
        .admin_api(
            Method::POST,
            "/stages/identification/",
            Some(json!({ "name": "api-ident", "user_fields": ["username"] })),
        )
        .await;
    assert_eq!(ident["component"], "ak-stage-identification-form");
    assert_eq!(
        ident["meta_model_name"],
        "authentik_stages_identification.identificationstage"
    );
    assert_eq!(ident["user_fields"], json!(["username"]));
    let password = app
        .admin_api(
            Method::POST,
            "/stages/password/",
            Some(json!({ "name": "api-password" })),
        )
        .await;
    let login = app
        .admin_api(
            Method::POST,
            "/stages/user_login/",
            Some(json!({ "name": "api-login" })),
        )
        .await;
    assert_eq!(login["session_duration"], "seconds=0", "default filled in");
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(json!({ "slug": "api-login", "name": "API login", "title": "Hello from the API", "designation": "authentication" })),
        )
        .await;
    assert_eq!(flow["stages"], json!([]));
    // Bound out of order on purpose: the order field decides.
    for (stage, order) in [(&login, 30), (&ident, 10), (&password, 20)] {
        let b = app
            .admin_api(
                Method::POST,
                "/flows/bindings/",
                Some(json!({ "target": flow["pk"], "stage": stage["pk"], "order": order })),
            )
            .await;
        assert_eq!(b["stage_obj"]["name"], stage["name"]);
    }
    let flow = app
        .admin_api(Method::GET, "/flows/instances/api-login/", None)
        .await;
    assert_eq!(
        flow["stages"],
        json!([ident["pk"], password["pk"], login["pk"]])
    );
    let stage = app
        .admin_api(
            Method::GET,
            &format!("/stages/all/{}/", pk(&password)),
            None,
        )
        .await;
    assert_eq!(stage["flow_set"], json!(["api-login"]));

    app.create_user("ana", "anas long password").await;
    let view = app.load_flow("api-login", &[]).await;
    assert_eq!(view["Found"]["title"], "Hello from the API", "{view}");
    app.submit("api-login", &[("uid_field", "ana")]).await;
    let done = app
        .submit("api-login", &[("password", "anas long password")])
        .await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");

    // A binding at a taken order is a field error.
    let body = bad(
        &app,
        Method::POST,
        "/flows/bindings/",
        json!({ "target": flow["pk"], "stage": login["pk"], "order": 10 }),
    )
    .await;
    assert!(body["order"][0].is_string(), "{body}");
    // Deleting a stage unbinds it; deleting the flow keeps its stages.
    app.admin_api(
        Method::DELETE,
        &format!("/stages/user_login/{}/", pk(&login)),
        None,
    )
    .await;
    let flow = app
        .admin_api(Method::GET, "/flows/instances/api-login/", None)
        .await;
    assert_eq!(flow["stages"], json!([ident["pk"], password["pk"]]));
    app.admin_api(Method::DELETE, "/flows/instances/api-login/", None)
        .await;
    let (status, _) = app
        .api(
            Method::GET,
            "/flows/instances/api-login/",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.admin_api(Method::GET, &format!("/stages/all/{}/", pk(&ident)), None)
        .await;
    let deleted = app.events("model_deleted").await;
    assert!(
        deleted
            .iter()
            .any(|(_, _, ctx)| ctx["model"]["model_name"] == "flow"),
        "{deleted:?}"
    );
}

#[tokio::test]
async fn flows_list_page_search_sort_and_change() {
    let app = spawn_api().await;
    for (slug, title) in [("zeta", "Zeta"), ("alpha", "Alpha"), ("mid", "Middle")] {
        app.admin_api(
            Method::POST,
            "/flows/instances/",
            Some(
                json!({ "slug": slug, "name": title, "title": title, "designation": "enrollment" }),
            ),
        )
        .await;
    }
    let page = app
        .admin_api(
            Method::GET,
            "/flows/instances/?designation=enrollment&ordering=-slug&page_size=2",
            None,
        )
        .await;
    let slugs: Vec<&str> = page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|f| f["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(slugs, ["zeta", "mid"]);
    assert_eq!(page["pagination"]["count"], 3);
    assert_eq!(page["pagination"]["total_pages"], 2);
    assert_eq!(page["pagination"]["next"], 2);
    let found = app
        .admin_api(Method::GET, "/flows/instances/?search=MIDD", None)
        .await;
    assert_eq!(found["pagination"]["count"], 1);
    assert_eq!(found["results"][0]["slug"], "mid");

    // PATCH changes what is given; PUT needs every field.
    let patched = app
        .admin_api(
            Method::PATCH,
            "/flows/instances/mid/",
            Some(json!({ "title": "Middle earth" })),
        )
        .await;
    assert_eq!(
        (patched["title"].as_str(), patched["name"].as_str()),
        (Some("Middle earth"), Some("Middle"))
    );
    let body = bad(
        &app,
        Method::PUT,
        "/flows/instances/mid/",
        json!({ "title": "x" }),
    )
    .await;
    assert!(
        body["slug"][0].is_string() && body["designation"][0].is_string(),
        "{body}"
    );
    let body = bad(
        &app,
        Method::POST,
        "/flows/instances/",
        json!({ "slug": "has space", "name": "", "title": "t", "designation": "login" }),
    )
    .await;
    for field in ["slug", "name", "designation"] {
        assert!(body[field][0].is_string(), "{field}: {body}");
    }
    let body = bad(
        &app,
        Method::POST,
        "/flows/instances/",
        json!({ "slug": "alpha", "name": "a", "title": "t", "designation": "recovery" }),
    )
    .await;
    assert!(body["slug"][0].as_str().expect("msg").contains("exists"));
    let changed = app.events("model_updated").await;
    assert!(
        changed
            .iter()
            .any(|(_, _, ctx)| ctx["diff"]["title"]["new"] == "Middle earth"),
        "{changed:?}"
    );
}

#[tokio::test]
async fn stage_settings_are_checked_by_type() {
    let app = spawn_api().await;
    let cases = [
        (
            "/stages/identification/",
            json!({ "name": "i", "user_fields": ["upn"] }),
            "user_fields",
        ),
        (
            "/stages/identification/",
            json!({ "name": "i", "user_fields": [] }),
            "user_fields",
        ),
        (
            "/stages/identification/",
            json!({ "name": "i", "pretend": true }),
            "pretend",
        ),
        (
            "/stages/user_login/",
            json!({ "name": "l", "session_duration": "forever" }),
            "session_duration",
        ),
        (
            "/stages/deny/",
            json!({ "name": "d", "deny_message": 5 }),
            "deny_message",
        ),
        ("/stages/deny/", json!({ "name": "d\u{0}" }), "name"),
        (
            "/stages/prompt/stages/",
            json!({ "name": "p", "fields": [{ "field_key": "Bad Key", "label": "x", "type": "text" }] }),
            "fields",
        ),
        (
            "/stages/prompt/stages/",
            json!({ "name": "p", "fields": [{ "field_key": "a", "label": "x", "type": "radio" }] }),
            "fields",
        ),
        ("/stages/password/", json!({}), "name"),
    ];
    for (path, body, field) in cases {
        let errors = bad(&app, Method::POST, path, body.clone()).await;
        assert!(errors[field][0].is_string(), "{path} {body}: {errors}");
    }
    // A prompt stage keeps its fields under authentik's names; PATCH merges settings.
    let prompt = app
        .admin_api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(json!({ "name": "profile", "fields": [
                { "field_key": "email", "label": "Email", "type": "email", "required": true }
            ] })),
        )
        .await;
    assert_eq!(prompt["fields"][0]["field_key"], "email");
    assert_eq!(prompt["fields"][0]["placeholder"], "");
    let renamed = app
        .admin_api(
            Method::PATCH,
            &format!("/stages/prompt/stages/{}/", pk(&prompt)),
            Some(json!({ "name": "profile-2", "pk": "ignored", "component": "ignored" })),
        )
        .await;
    assert_eq!(renamed["name"], "profile-2");
    assert_eq!(renamed["fields"][0]["type"], "email");
    // A stage is reached only through its own type's path.
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/stages/deny/{}/", pk(&prompt)),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let dup = bad(
        &app,
        Method::POST,
        "/stages/deny/",
        json!({ "name": "profile-2" }),
    )
    .await;
    assert!(dup["name"][0].as_str().expect("msg").contains("exists"));
    // stages/all lists every type, searchable and sorted.
    let all = app
        .admin_api(
            Method::GET,
            "/stages/all/?search=default-authentication&ordering=-name",
            None,
        )
        .await;
    let names: Vec<&str> = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "default-authentication-password",
            "default-authentication-mfa-validation",
            "default-authentication-mfa-enforce",
            "default-authentication-login",
            "default-authentication-identification"
        ]
    );
}

#[tokio::test]
async fn only_superusers_reach_flows_and_stages() {
    let app = spawn_api().await;
    let (_, user_key) = app.user_with_token("plain").await;
    for path in [
        "/flows/instances/",
        "/flows/instances/default-authentication-flow/",
        "/flows/bindings/",
        "/stages/all/",
        "/stages/identification/",
        "/stages/prompt/stages/",
    ] {
        let (anonymous, _) = app.api(Method::GET, path, None, None).await;
        assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{path}");
        let (user, _) = app.api(Method::GET, path, Some(&user_key), None).await;
        assert_eq!(user, StatusCode::FORBIDDEN, "{path}");
        let (admin, body) = app.api(Method::GET, path, Some(ADMIN_TOKEN), None).await;
        assert_eq!(admin, StatusCode::OK, "{path}: {body}");
    }
    let (status, _) = app
        .api(
            Method::DELETE,
            "/flows/instances/default-authentication-flow/",
            Some(&user_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .api(
            Method::GET,
            "/flows/bindings/not-a-uuid/",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_password_stage_takes_app_passwords_and_cancels_after_wrong_ones() {
    let app = spawn_api().await;
    let stage = app
        .admin_api(
            Method::POST,
            "/stages/password/",
            Some(json!({ "name": "strict-password", "failed_attempts_before_cancel": 2,
                "backends": ["authentik.core.auth.InbuiltBackend", "authentik.core.auth.TokenBackend"] })),
        )
        .await;
    let bad_backend = bad(
        &app,
        Method::PATCH,
        &format!("/stages/password/{}/", pk(&stage)),
        json!({ "backends": ["django.contrib.auth.backends.ModelBackend"] }),
    )
    .await;
    assert!(bad_backend["backends"][0].is_string(), "{bad_backend}");
    let default_password = app
        .admin_api(
            Method::GET,
            "/stages/password/?name=default-authentication-password",
            None,
        )
        .await;
    let default_pk = pk(&default_password["results"][0]).to_string();
    // The default flow's password stage now is the strict one.
    let bindings = app
        .admin_api(
            Method::GET,
            &format!("/flows/bindings/?stage={default_pk}"),
            None,
        )
        .await;
    let binding = pk(&bindings["results"][0]).to_string();
    app.admin_api(
        Method::PATCH,
        &format!("/flows/bindings/{binding}/"),
        Some(json!({ "stage": stage["pk"] })),
    )
    .await;
    let bo = app.create_user("bo", "bos long password").await;
    app.admin_api(
        Method::POST,
        "/core/tokens/",
        Some(json!({ "identifier": "bo-mail", "intent": "app_password", "user": bo.to_string(), "expiring": false })),
    )
    .await;
    let key = app
        .admin_api(Method::GET, "/core/tokens/bo-mail/view_key/", None)
        .await["key"]
        .as_str()
        .expect("key")
        .to_string();

    let slug = "default-authentication-flow";
    app.load_flow(slug, &[]).await;
    app.submit(slug, &[("uid_field", "bo")]).await;
    let first = app.submit(slug, &[("password", "wrong one")]).await;
    assert_eq!(first["challenge"]["component"], "password", "{first}");
    let second = app.submit(slug, &[("password", "wrong two")]).await;
    assert_eq!(
        second["challenge"]["component"], "access_denied",
        "{second}"
    );
    // Opening the flow again starts over, and the app password signs Bo in.
    let fresh = app.load_flow(slug, &[]).await;
    assert_eq!(
        fresh["Found"]["challenge"]["component"], "identification",
        "{fresh}"
    );
    app.submit(slug, &[("uid_field", "bo")]).await;
    let done = app.submit(slug, &[("password", &key)]).await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
}

/// The identification stage's authentik options: case matching, showing the matched user, and
/// pretending unknown users exist (on by default, so nobody can probe for accounts).
#[tokio::test]
async fn identification_options_change_matching_and_what_unknown_users_see() {
    let app = spawn_api().await;
    app.create_user("jane", "jane-password-1").await;
    let stages = app
        .admin_api(
            Method::GET,
            "/stages/identification/?name=default-authentication-identification",
            None,
        )
        .await;
    let stage = format!(
        "/stages/identification/{}/",
        stages["results"][0]["pk"]
            .as_str()
            .expect("the default stage")
    );
    let defaults = app.admin_api(Method::GET, &stage, None).await;
    assert_eq!(defaults["case_insensitive_matching"], true, "{defaults}");
    assert_eq!(defaults["pretend_user_exists"], true, "{defaults}");
    // Ward's own login flow shows what was typed, never a normalised username.
    assert_eq!(defaults["show_matched_user"], false, "{defaults}");
    let identify = |uid: &'static str| {
        let browser = app.new_browser();
        async move {
            browser.load_flow("default-authentication-flow", &[]).await;
            browser
                .submit("default-authentication-flow", &[("uid_field", uid)])
                .await
        }
    };
    let typed = identify("JANE@example.com").await;
    assert_eq!(
        typed["challenge"]["pending_user"], "JANE@example.com",
        "{typed}"
    );
    let unknown = identify("nobody").await;
    assert_eq!(unknown["challenge"]["component"], "password", "{unknown}");

    app.admin_api(
        Method::PATCH,
        &stage,
        Some(json!({ "show_matched_user": true, "case_insensitive_matching": false, "pretend_user_exists": false })),
    )
    .await;
    let matched = identify("jane@example.com").await;
    assert_eq!(matched["challenge"]["pending_user"], "jane", "{matched}");
    // Exact case only now: JANE is nobody, and nobody is refused at once.
    for uid in ["JANE", "nobody"] {
        let refused = identify(uid).await;
        assert_eq!(
            refused["challenge"]["component"], "identification",
            "{refused}"
        );
        assert_eq!(
            refused["errors"]["uid_field"], "Failed to authenticate.",
            "{refused}"
        );
    }
    let failures = app.events("login_failed").await;
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert_eq!(failures[0].2["stage"], "identification");
}
