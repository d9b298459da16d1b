//! `/api/v3/policies/` through HTTP: dummy and password policies (CRUD, defaults, field
//! errors) and `policies/all/` (pages, search, ordering).
use crate::helpers::{ADMIN_TOKEN, spawn_api};
use crate::policy_support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn dummy_policies_are_created_read_changed_and_deleted() {
    let app = spawn_api().await;
    let (status, created) = app
        .api(
            Method::POST,
            "/policies/dummy/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "always-yes", "result": true, "wait_min": 0, "wait_max": 0 })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "always-yes");
    assert_eq!(created["result"], true);
    assert_eq!(created["wait_min"], 0);
    assert_eq!(created["wait_max"], 0);
    assert_eq!(created["execution_logging"], false);
    assert_eq!(created["component"], "ak-policy-dummy-form");
    assert_eq!(
        created["meta_model_name"],
        "authentik_policies_dummy.dummypolicy"
    );
    assert!(
        created["verbose_name"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{created}"
    );
    assert_eq!(created["bound_to"], 0);
    let id = pk(&created);
    let one = format!("/policies/dummy/{id}/");

    assert_eq!(app.admin_api(Method::GET, &one, None).await, created);
    let via_all = app
        .admin_api(Method::GET, &format!("/policies/all/{id}/"), None)
        .await;
    assert_eq!(via_all["name"], "always-yes");
    assert_eq!(via_all["component"], "ak-policy-dummy-form");
    assert_eq!(
        via_all["meta_model_name"],
        "authentik_policies_dummy.dummypolicy"
    );

    // PATCH changes what it names and keeps the rest.
    let patched = app
        .admin_api(
            Method::PATCH,
            &one,
            Some(json!({ "result": false, "execution_logging": true })),
        )
        .await;
    assert_eq!(patched["pk"], created["pk"]);
    assert_eq!(patched["name"], "always-yes");
    assert_eq!(patched["result"], false);
    assert_eq!(patched["execution_logging"], true);
    assert_eq!(
        (&patched["wait_min"], &patched["wait_max"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(app.admin_api(Method::GET, &one, None).await, patched);

    // PUT replaces: what it leaves out takes its default.
    let put = app
        .admin_api(
            Method::PUT,
            &one,
            Some(json!({ "name": "renamed", "wait_min": 0, "wait_max": 0 })),
        )
        .await;
    assert_eq!(put["pk"], created["pk"]);
    assert_eq!(put["name"], "renamed");
    assert_eq!(put["result"], false);
    assert_eq!(put["execution_logging"], false);

    // Without waits given, the defaults are authentik's 5 and 30 seconds.
    let defaults = app
        .admin_api(
            Method::POST,
            "/policies/dummy/",
            Some(json!({ "name": "defaults" })),
        )
        .await;
    assert_eq!(defaults["result"], false);
    assert_eq!(defaults["wait_min"], 5);
    assert_eq!(defaults["wait_max"], 30);
    app.admin_api(
        Method::DELETE,
        &format!("/policies/dummy/{}/", pk(&defaults)),
        None,
    )
    .await;

    let (status, body) = app.api(Method::DELETE, &one, Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for path in [one.clone(), format!("/policies/all/{id}/")] {
        let (status, body) = status_of(&app, Method::GET, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["detail"], "Not found.");
    }
    let (status, _) = app
        .api(
            Method::PATCH,
            &one,
            Some(ADMIN_TOKEN),
            Some(json!({ "result": true })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = status_of(&app, Method::DELETE, &one).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn password_policies_keep_their_settings_and_types_stay_apart() {
    let app = spawn_api().await;
    let created = app
        .admin_api(
            Method::POST,
            "/policies/password/",
            Some(
                json!({ "name": "strong", "length_min": 12, "amount_digits": 1,
                         "error_message": "Too weak" }),
            ),
        )
        .await;
    assert_eq!(created["component"], "ak-policy-password-form");
    assert_eq!(
        created["meta_model_name"],
        "authentik_policies_password.passwordpolicy"
    );
    assert_eq!(created["execution_logging"], false);
    assert_eq!(created["bound_to"], 0);
    for (field, value) in [
        ("length_min", json!(12)),
        ("amount_digits", json!(1)),
        ("error_message", json!("Too weak")),
        ("password_field", json!("password")),
        ("amount_uppercase", json!(0)),
        ("amount_lowercase", json!(0)),
        ("amount_symbols", json!(0)),
        ("check_static_rules", json!(true)),
        ("check_have_i_been_pwned", json!(false)),
        ("hibp_allowed_count", json!(0)),
        ("check_zxcvbn", json!(false)),
        ("zxcvbn_score_threshold", json!(2)),
    ] {
        assert_eq!(created[field], value, "{field}: {created}");
    }
    assert!(
        created["symbol_charset"]
            .as_str()
            .is_some_and(|s| s.contains('!')),
        "{created}"
    );
    let id = pk(&created);
    let one = format!("/policies/password/{id}/");
    assert_eq!(app.admin_api(Method::GET, &one, None).await, created);

    let patched = app
        .admin_api(
            Method::PATCH,
            &one,
            Some(
                json!({ "amount_uppercase": 2, "symbol_charset": "!?", "check_zxcvbn": true,
                         "zxcvbn_score_threshold": 3, "password_field": "new_password" }),
            ),
        )
        .await;
    assert_eq!(patched["amount_uppercase"], 2);
    assert_eq!(patched["symbol_charset"], "!?");
    assert_eq!(patched["check_zxcvbn"], true);
    assert_eq!(patched["zxcvbn_score_threshold"], 3);
    assert_eq!(patched["password_field"], "new_password");
    assert_eq!(patched["length_min"], 12, "kept");
    assert_eq!(patched["error_message"], "Too weak", "kept");

    let put = app
        .admin_api(Method::PUT, &one, Some(json!({ "name": "strong" })))
        .await;
    assert_eq!(put["length_min"], 0);
    assert_eq!(put["amount_uppercase"], 0);
    assert_eq!(put["error_message"], "");
    assert_eq!(put["password_field"], "password");
    assert_eq!(put["check_zxcvbn"], false);

    // A policy is reached only through its own type's path (and `all/`).
    let other = dummy(&app, "a-dummy", true).await;
    for path in [
        format!("/policies/password/{}/", pk(&other)),
        format!("/policies/dummy/{id}/"),
    ] {
        let (status, body) = status_of(&app, Method::GET, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        let (status, _) = status_of(&app, Method::DELETE, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let only_password = names(
        &app.admin_api(Method::GET, "/policies/password/", None)
            .await,
    );
    assert!(
        only_password.contains(&"strong".to_string())
            && !only_password.contains(&"a-dummy".to_string()),
        "{only_password:?}"
    );
    let only_dummy = names(&app.admin_api(Method::GET, "/policies/dummy/", None).await);
    assert!(
        only_dummy.contains(&"a-dummy".to_string()) && !only_dummy.contains(&"strong".to_string()),
        "{only_dummy:?}"
    );

    // all/ deletes any type.
    let (status, body) = status_of(&app, Method::DELETE, &format!("/policies/all/{id}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = status_of(&app, Method::GET, &one).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let left = app
        .admin_api(Method::GET, "/policies/all/?search=a-dummy", None)
        .await;
    assert_eq!(names(&left), ["a-dummy"]);
    for path in ["/policies/all/not-a-uuid/", "/policies/dummy/not-a-uuid/"] {
        let (status, _) = status_of(&app, Method::GET, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn all_policies_are_paged_searched_and_ordered() {
    let app = spawn_api().await;
    // Names sort as: pol-a … pol-g; types interleaved.
    for (name, password) in [
        ("pol-e", false),
        ("pol-a", true),
        ("pol-g", false),
        ("pol-c", false),
        ("pol-b", true),
        ("pol-f", false),
        ("pol-d", false),
    ] {
        if password {
            app.admin_api(
                Method::POST,
                "/policies/password/",
                Some(json!({ "name": name })),
            )
            .await;
        } else {
            dummy(&app, name, false).await;
        }
    }
    let page = app
        .admin_api(
            Method::GET,
            "/policies/all/?search=pol-&ordering=name&page_size=3&page=2",
            None,
        )
        .await;
    assert_eq!(
        page["pagination"],
        json!({ "next": 3, "previous": 1, "count": 7, "current": 2, "total_pages": 3,
                "start_index": 4, "end_index": 6 })
    );
    assert_eq!(names(&page), ["pol-d", "pol-e", "pol-f"]);
    let last = app
        .admin_api(
            Method::GET,
            "/policies/all/?search=pol-&ordering=name&page_size=3&page=3",
            None,
        )
        .await;
    assert_eq!(last["pagination"]["next"], 0);
    assert_eq!(names(&last), ["pol-g"]);
    let desc = app
        .admin_api(
            Method::GET,
            "/policies/all/?search=pol-&ordering=-name&page_size=2",
            None,
        )
        .await;
    assert_eq!(names(&desc), ["pol-g", "pol-f"]);
    // Each row carries its type.
    let first = app
        .admin_api(
            Method::GET,
            "/policies/all/?search=pol-&ordering=name&page_size=2",
            None,
        )
        .await;
    assert_eq!(first["results"][0]["component"], "ak-policy-password-form");
    assert_eq!(first["results"][0]["length_min"], 0);
    assert_eq!(first["results"][1]["component"], "ak-policy-password-form");
    let third = app
        .admin_api(Method::GET, "/policies/all/?search=pol-c", None)
        .await;
    assert_eq!(third["results"][0]["component"], "ak-policy-dummy-form");
    assert_eq!(third["results"][0]["result"], false);

    for (term, expected) in [
        ("pol-b", vec!["pol-b"]),
        ("POL-F", vec!["pol-f"]),
        ("nothing-like-it", vec![]),
    ] {
        let found = app
            .admin_api(
                Method::GET,
                &format!("/policies/all/?search={term}&ordering=name"),
                None,
            )
            .await;
        assert_eq!(names(&found), expected, "{term}");
    }
    // The per-type lists page too.
    let dummies = app
        .admin_api(
            Method::GET,
            "/policies/dummy/?search=pol-&ordering=-name&page_size=2",
            None,
        )
        .await;
    assert_eq!(dummies["pagination"]["count"], 5);
    assert_eq!(names(&dummies), ["pol-g", "pol-f"]);

    for query in ["ordering=result", "page=0", "page_size=1001", "page=x"] {
        let (status, body) = status_of(&app, Method::GET, &format!("/policies/all/?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body.as_object().is_some_and(|o| o.len() == 1), "{body}");
    }
    let (status, _) = status_of(
        &app,
        Method::GET,
        "/policies/all/?search=pol-&page_size=3&page=4",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_policy_input_is_a_field_error_naming_the_field() {
    let app = spawn_api().await;
    let taken = dummy(&app, "taken", true).await;
    app.admin_api(
        Method::POST,
        "/policies/password/",
        Some(json!({ "name": "taken-too" })),
    )
    .await;
    let before =
        app.admin_api(Method::GET, "/policies/all/", None).await["pagination"]["count"].clone();

    let cases = [
        (
            "/policies/dummy/",
            json!({ "name": "taken", "wait_min": 0, "wait_max": 0 }),
            "name",
        ),
        ("/policies/password/", json!({ "name": "taken" }), "name"),
        (
            "/policies/dummy/",
            json!({ "name": "taken-too", "wait_min": 0, "wait_max": 0 }),
            "name",
        ),
        (
            "/policies/dummy/",
            json!({ "wait_min": 0, "wait_max": 0 }),
            "name",
        ),
        (
            "/policies/dummy/",
            json!({ "name": "", "wait_min": 0, "wait_max": 0 }),
            "name",
        ),
        ("/policies/password/", json!({}), "name"),
        (
            "/policies/dummy/",
            json!({ "name": "x", "wait_min": 0, "wait_max": 0, "pretend": true }),
            "pretend",
        ),
        (
            "/policies/password/",
            json!({ "name": "x", "min_length": 3 }),
            "min_length",
        ),
        (
            "/policies/dummy/",
            json!({ "name": "x", "wait_min": 10, "wait_max": 5 }),
            "wait_max",
        ),
        (
            "/policies/password/",
            json!({ "name": "x", "length_min": -1 }),
            "length_min",
        ),
        (
            "/policies/password/",
            json!({ "name": "x", "amount_digits": -2 }),
            "amount_digits",
        ),
        (
            "/policies/password/",
            json!({ "name": "x", "check_have_i_been_pwned": true }),
            "check_have_i_been_pwned",
        ),
        (
            "/policies/password/",
            json!({ "name": "x", "zxcvbn_score_threshold": 5 }),
            "zxcvbn_score_threshold",
        ),
    ];
    for (path, body, field) in cases {
        let errors = bad(&app, Method::POST, path, body.clone()).await;
        assert!(errors[field][0].is_string(), "{path} {body}: {errors}");
    }
    // A PATCH is checked against the settings it keeps.
    let errors = bad(
        &app,
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&taken)),
        json!({ "wait_min": 40 }),
    )
    .await;
    assert!(errors["wait_max"][0].is_string(), "{errors}");
    let errors = bad(
        &app,
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&taken)),
        json!({ "name": "taken-too" }),
    )
    .await;
    assert!(errors["name"][0].is_string(), "{errors}");

    // Nothing was stored by the refused requests.
    let after = app.admin_api(Method::GET, "/policies/all/", None).await;
    assert_eq!(after["pagination"]["count"], before);
    let kept = app
        .admin_api(
            Method::GET,
            &format!("/policies/dummy/{}/", pk(&taken)),
            None,
        )
        .await;
    assert_eq!(kept["name"], "taken");
    assert_eq!(kept["wait_min"], 0);
}
