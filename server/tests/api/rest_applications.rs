//! `/api/v3/core/applications/` through HTTP: CRUD with audit events, pages, search, ordering,
//! filters, field errors and who may call it.
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The events of `action` about applications, as (actor, context).
async fn app_events(app: &TestApp, action: &str) -> Vec<(String, Value)> {
    app.events(action)
        .await
        .into_iter()
        .filter(|(_, _, c)| c["model"]["model_name"] == "application")
        .map(|(user, _, c)| (user, c))
        .collect()
}

fn slugs(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug").to_string())
        .collect()
}

async fn field_error(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let (status, errors) = app.api(method, path, Some(ADMIN_TOKEN), Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {errors}");
    errors
}

#[tokio::test]
async fn applications_are_created_read_changed_and_deleted_with_events() {
    let app = spawn_api().await;
    let created = app
        .admin_api(
            Method::POST,
            "/core/applications/",
            Some(
                json!({ "name": "Grafana", "slug": "grafana", "group": "Monitoring",
                         "meta_launch_url": "https://grafana.example.com/", "provider": null }),
            ),
        )
        .await;
    assert_eq!(created["slug"], "grafana");
    assert_eq!(created["launch_url"], "https://grafana.example.com/");
    assert_eq!(created["provider"], Value::Null);
    assert_eq!(created["policy_engine_mode"], "any");
    assert_eq!(created["open_in_new_tab"], false);
    assert_eq!(created["meta_description"], "");
    let pk = created["pk"].as_str().expect("pk").to_string();
    let made = app_events(&app, "model_created").await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].0, "akadmin");
    assert_eq!(made[0].1["model"]["pk"], pk);
    assert_eq!(made[0].1["diff"]["slug"]["new"], "grafana");

    let got = app
        .admin_api(Method::GET, "/core/applications/grafana/", None)
        .await;
    assert_eq!(got, created);

    // PATCH changes only what it names, and the event says what changed.
    let patched = app
        .admin_api(
            Method::PATCH,
            "/core/applications/grafana/",
            Some(json!({ "meta_description": "Dashboards", "policy_engine_mode": "all" })),
        )
        .await;
    assert_eq!(patched["meta_description"], "Dashboards");
    assert_eq!(patched["policy_engine_mode"], "all");
    assert_eq!(patched["group"], "Monitoring");
    let updated = app_events(&app, "model_updated").await;
    assert_eq!(updated.len(), 1);
    let diff = updated[0].1["diff"].as_object().expect("diff");
    let mut keys: Vec<&String> = diff.keys().collect();
    keys.sort();
    assert_eq!(keys, ["meta_description", "policy_engine_mode"]);
    assert_eq!(
        diff["policy_engine_mode"],
        json!({ "old": "any", "new": "all" })
    );

    // The same PATCH again changes nothing and writes no event.
    app.admin_api(
        Method::PATCH,
        "/core/applications/grafana/",
        Some(json!({ "meta_description": "Dashboards" })),
    )
    .await;
    assert_eq!(app_events(&app, "model_updated").await.len(), 1);

    // PUT replaces: what it leaves out takes its default; the slug may change.
    let put = app
        .admin_api(
            Method::PUT,
            "/core/applications/grafana/",
            Some(json!({ "name": "Grafana 11", "slug": "grafana-11", "open_in_new_tab": true })),
        )
        .await;
    assert_eq!(put["pk"], pk);
    assert_eq!(put["slug"], "grafana-11");
    assert_eq!(put["group"], "");
    assert_eq!(put["launch_url"], Value::Null);
    assert_eq!(put["policy_engine_mode"], "any");
    assert_eq!(put["open_in_new_tab"], true);
    let (status, _) = app
        .api(
            Method::GET,
            "/core/applications/grafana/",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app_events(&app, "model_updated").await.len(), 2);

    let (status, body) = app
        .api(
            Method::DELETE,
            "/core/applications/grafana-11/",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let deleted = app_events(&app, "model_deleted").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].1["model"]["name"], "Grafana 11");
    for method in [Method::GET, Method::DELETE, Method::PATCH] {
        let body = (method == Method::PATCH).then(|| json!({ "name": "x" }));
        let (status, body) = app
            .api(
                method.clone(),
                "/core/applications/grafana-11/",
                Some(ADMIN_TOKEN),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(body["detail"], "Not found.");
    }
}

#[tokio::test]
async fn applications_are_paged_searched_ordered_and_filtered() {
    let app = spawn_api().await;
    for i in 0..7 {
        let group = if i % 2 == 0 { "even" } else { "odd" };
        app.admin_api(
            Method::POST,
            "/core/applications/",
            Some(
                json!({ "name": format!("App {}", 7 - i), "slug": format!("app-{i}"),
                         "group": group, "meta_publisher": format!("Vendor {i}") }),
            ),
        )
        .await;
    }
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": "Wiki", "slug": "wiki", "meta_description": "Team KNOWLEDGE base" })),
    )
    .await;

    let page = app
        .admin_api(Method::GET, "/core/applications/?page_size=3&page=2", None)
        .await;
    assert_eq!(
        page["pagination"],
        json!({ "next": 3, "previous": 1, "count": 8, "current": 2, "total_pages": 3,
                "start_index": 4, "end_index": 6 })
    );
    // By name: "App 1" is app-6, … "App 7" is app-0, then Wiki.
    assert_eq!(slugs(&page), ["app-3", "app-2", "app-1"]);
    let last = app
        .admin_api(Method::GET, "/core/applications/?page_size=3&page=3", None)
        .await;
    assert_eq!(last["pagination"]["next"], 0);
    assert_eq!(slugs(&last), ["app-0", "wiki"]);
    let (status, _) = app
        .api(
            Method::GET,
            "/core/applications/?page_size=3&page=4",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let by_slug = app
        .admin_api(
            Method::GET,
            "/core/applications/?ordering=slug&page_size=2",
            None,
        )
        .await;
    assert_eq!(slugs(&by_slug), ["app-0", "app-1"]);
    let by_slug_desc = app
        .admin_api(
            Method::GET,
            "/core/applications/?ordering=-slug&page_size=2",
            None,
        )
        .await;
    assert_eq!(slugs(&by_slug_desc), ["wiki", "app-6"]);
    let by_group = app
        .admin_api(Method::GET, "/core/applications/?ordering=-group", None)
        .await;
    assert_eq!(
        slugs(&by_group),
        [
            "app-5", "app-3", "app-1", "app-6", "app-4", "app-2", "app-0", "wiki"
        ]
    );

    // Search looks at name, slug, group, publisher and description, ignoring case.
    for (term, expected) in [
        ("knowledge", vec!["wiki"]),
        ("VENDOR 3", vec!["app-3"]),
        ("ODD", vec!["app-5", "app-3", "app-1"]),
        ("app-6", vec!["app-6"]),
        ("nothing", vec![]),
    ] {
        let found = app
            .admin_api(
                Method::GET,
                &format!("/core/applications/?search={}", term.replace(' ', "%20")),
                None,
            )
            .await;
        assert_eq!(slugs(&found), expected, "{term}");
    }

    for (query, expected) in [
        (
            "group=even&ordering=slug",
            vec!["app-0", "app-2", "app-4", "app-6"],
        ),
        ("slug=wiki", vec!["wiki"]),
        ("name=App%203", vec!["app-4"]),
        ("name=app%203", vec![]),
    ] {
        let found = app
            .admin_api(Method::GET, &format!("/core/applications/?{query}"), None)
            .await;
        assert_eq!(slugs(&found), expected, "{query}");
    }

    for query in [
        "ordering=meta_publisher",
        "page=0",
        "page_size=1001",
        "page=x",
    ] {
        let (status, body) = app
            .api(
                Method::GET,
                &format!("/core/applications/?{query}"),
                Some(ADMIN_TOKEN),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(body.as_object().is_some_and(|o| o.len() == 1), "{body}");
    }
}

#[tokio::test]
async fn bad_input_is_a_field_error_naming_the_field() {
    let app = spawn_api().await;
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": "Grafana", "slug": "grafana" })),
    )
    .await;
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": "Wiki", "slug": "wiki" })),
    )
    .await;
    let list = "/core/applications/";
    let errors = field_error(
        &app,
        Method::POST,
        list,
        json!({ "name": "Other", "slug": "grafana" }),
    )
    .await;
    assert!(
        errors["slug"][0]
            .as_str()
            .expect("message")
            .contains("already exists"),
        "{errors}"
    );
    let errors = field_error(
        &app,
        Method::PATCH,
        "/core/applications/wiki/",
        json!({ "slug": "grafana" }),
    )
    .await;
    assert!(errors["slug"][0].is_string(), "{errors}");

    for (body, field) in [
        (json!({ "name": "x", "slug": "Has Caps" }), "slug"),
        (json!({ "name": "x", "slug": "a/b" }), "slug"),
        (json!({ "name": "x", "slug": "a".repeat(51) }), "slug"),
        (json!({ "name": "x", "slug": "nul\u{0}" }), "slug"),
        (json!({ "name": "", "slug": "x" }), "name"),
        (json!({ "name": "n\u{0}", "slug": "x" }), "name"),
        (json!({ "name": "n".repeat(201), "slug": "x" }), "name"),
        (json!({ "slug": "x" }), "name"),
        (json!({ "name": "x" }), "slug"),
        (
            json!({ "name": "x", "slug": "x", "meta_launch_url": "javascript:alert(1)" }),
            "meta_launch_url",
        ),
        (
            json!({ "name": "x", "slug": "x", "meta_launch_url": "ftp://example.com/" }),
            "meta_launch_url",
        ),
        (
            json!({ "name": "x", "slug": "x", "meta_launch_url": "not a url" }),
            "meta_launch_url",
        ),
        (
            json!({ "name": "x", "slug": "x", "provider": "1" }),
            "provider",
        ),
        (
            json!({ "name": "x", "slug": "x", "backchannel_providers": ["1"] }),
            "backchannel_providers",
        ),
        (
            json!({ "name": "x", "slug": "x", "policy_engine_mode": "most" }),
            "policy_engine_mode",
        ),
        (
            json!({ "name": "x", "slug": "x", "meta_description": "d".repeat(4001) }),
            "meta_description",
        ),
        (
            json!({ "name": "x", "slug": "x", "meta_publisher": "p\u{0}" }),
            "meta_publisher",
        ),
        (
            json!({ "name": "x", "slug": "x", "group": "g".repeat(201) }),
            "group",
        ),
        (json!({ "name": 5, "slug": "x" }), "non_field_errors"),
        (
            json!({ "name": "x", "slug": "x", "provider": 5 }),
            "non_field_errors",
        ),
        (
            json!({ "name": "x", "slug": "x", "provider": "abc" }),
            "provider",
        ),
        (json!({ "name": "x", "slug": "token" }), "slug"),
        (
            json!({ "name": "x", "slug": "x", "open_in_new_tab": "yes" }),
            "non_field_errors",
        ),
    ] {
        let errors = field_error(&app, Method::POST, list, body.clone()).await;
        assert!(errors[field][0].is_string(), "{body}: {errors}");
    }
    let errors = field_error(
        &app,
        Method::PATCH,
        "/core/applications/wiki/",
        json!({ "provider": uuid::Uuid::new_v4().to_string() }),
    )
    .await;
    assert!(
        errors["provider"][0]
            .as_str()
            .expect("message")
            .contains("No provider has this pk"),
        "{errors}"
    );
    // PUT without the required fields.
    let errors = field_error(
        &app,
        Method::PUT,
        "/core/applications/wiki/",
        json!({ "group": "x" }),
    )
    .await;
    assert!(
        errors["name"][0].is_string() && errors["slug"][0].is_string(),
        "{errors}"
    );
    // Nothing was stored by the refused requests, and no event was written for them.
    let all = app.admin_api(Method::GET, list, None).await;
    assert_eq!(all["pagination"]["count"], 2);
    assert_eq!(app_events(&app, "model_created").await.len(), 2);
    assert!(app_events(&app, "model_updated").await.is_empty());
}

#[tokio::test]
async fn only_superusers_reach_applications() {
    let app = spawn_api().await;
    let (_, user_key) = app.user_with_token("alice").await;
    let item = "/core/applications/grafana/";
    let routes = [
        (Method::GET, "/core/applications/"),
        (Method::POST, "/core/applications/"),
        (Method::GET, item),
        (Method::PUT, item),
        (Method::PATCH, item),
        (Method::DELETE, item),
    ];
    for (method, path) in &routes {
        let body = (method != Method::GET && method != Method::DELETE)
            .then(|| json!({ "name": "Grafana", "slug": "grafana" }));
        let (status, _) = app.api(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}"
        );
        let (status, _) = app.api(method.clone(), path, Some(&user_key), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "user {method} {path}");
    }
    assert_eq!(
        app.admin_api(Method::GET, "/core/applications/", None)
            .await["pagination"]["count"],
        0
    );

    // The admin, in an order where each call succeeds.
    let body = json!({ "name": "Grafana", "slug": "grafana" });
    for (method, path, expected) in [
        (Method::POST, "/core/applications/", StatusCode::CREATED),
        (Method::GET, "/core/applications/", StatusCode::OK),
        (Method::GET, item, StatusCode::OK),
        (Method::PUT, item, StatusCode::OK),
        (Method::PATCH, item, StatusCode::OK),
        (Method::DELETE, item, StatusCode::NO_CONTENT),
    ] {
        let body = (method != Method::GET && method != Method::DELETE).then(|| body.clone());
        let (status, answer) = app.api(method.clone(), path, Some(ADMIN_TOKEN), body).await;
        assert_eq!(status, expected, "admin {method} {path}: {answer}");
    }

    // Unknown and impossible slugs are 404, never a server error.
    for path in [
        "/core/applications/nope/",
        "/core/applications/Caps/",
        "/core/applications/%00/",
        "/core/applications/a%20b/",
        "/core/applications/%C3%A9/",
    ] {
        let (status, _) = app.api(Method::GET, path, Some(ADMIN_TOKEN), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}
