//! `/api/v3/policies/` through HTTP: dummy and password policies (CRUD, defaults, field
//! errors), `policies/all/` (pages, search, ordering), policy bindings (CRUD, the one-subject
//! rule, filters, deletion with what they bind), the policy engine mode of flows and flow
//! bindings, and who may call any of it.
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn pk(v: &Value) -> String {
    v["pk"].as_str().expect("pk").to_string()
}

fn names(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect()
}

fn pks(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(pk)
        .collect()
}

async fn bad(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let (status, json) = app.api(method, path, Some(ADMIN_TOKEN), Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {json}");
    json
}

async fn status_of(app: &TestApp, method: Method, path: &str) -> (StatusCode, Value) {
    app.api(method, path, Some(ADMIN_TOKEN), None).await
}

/// A dummy policy that never sleeps.
async fn dummy(app: &TestApp, name: &str, result: bool) -> Value {
    app.admin_api(
        Method::POST,
        "/policies/dummy/",
        Some(json!({ "name": name, "result": result, "wait_min": 0, "wait_max": 0 })),
    )
    .await
}

async fn application(app: &TestApp, slug: &str) -> Value {
    app.admin_api(
        Method::POST,
        "/core/applications/",
        Some(json!({ "name": slug, "slug": slug })),
    )
    .await
}

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

#[tokio::test]
async fn only_superusers_reach_policies_and_bindings() {
    let app = spawn_api().await;
    let (plain_id, user_key) = app.user_with_token("plain").await;
    let policy = dummy(&app, "gate", true).await;
    let grafana = application(&app, "grafana").await;
    let binding = app
        .admin_api(
            Method::POST,
            "/policies/bindings/",
            Some(json!({ "target": grafana["pk"], "policy": policy["pk"], "order": 0 })),
        )
        .await;
    let dummy_one = format!("/policies/dummy/{}/", pk(&policy));
    let all_one = format!("/policies/all/{}/", pk(&policy));
    let binding_one = format!("/policies/bindings/{}/", pk(&binding));
    let dummy_body = json!({ "name": "other", "wait_min": 0, "wait_max": 0 });
    let binding_body = json!({ "target": grafana["pk"], "policy": policy["pk"], "order": 5 });
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/policies/all/".into(), None),
        (Method::GET, all_one.clone(), None),
        (Method::DELETE, all_one.clone(), None),
        (Method::GET, "/policies/dummy/".into(), None),
        (
            Method::POST,
            "/policies/dummy/".into(),
            Some(dummy_body.clone()),
        ),
        (Method::GET, dummy_one.clone(), None),
        (Method::PUT, dummy_one.clone(), Some(dummy_body.clone())),
        (
            Method::PATCH,
            dummy_one.clone(),
            Some(json!({ "result": false })),
        ),
        (Method::DELETE, dummy_one.clone(), None),
        (Method::GET, "/policies/password/".into(), None),
        (
            Method::POST,
            "/policies/password/".into(),
            Some(json!({ "name": "pw" })),
        ),
        (Method::GET, "/policies/bindings/".into(), None),
        (
            Method::POST,
            "/policies/bindings/".into(),
            Some(binding_body.clone()),
        ),
        (Method::GET, binding_one.clone(), None),
        (Method::PUT, binding_one.clone(), Some(binding_body.clone())),
        (
            Method::PATCH,
            binding_one.clone(),
            Some(json!({ "order": 7 })),
        ),
        (Method::DELETE, binding_one.clone(), None),
    ];
    for (method, path, body) in &routes {
        let (status, answer) = app.api(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {answer}"
        );
        let (status, answer) = app
            .api(method.clone(), path, Some(&user_key), body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "user {method} {path}: {answer}"
        );
    }
    // check_access is an admin endpoint like every application endpoint: a user token is
    // refused even about itself (authentik asks for the view_application permission).
    let check = "/core/applications/grafana/check_access/";
    let (status, _) = app.api(Method::GET, check, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for path in [check.to_string(), format!("{check}?for_user={plain_id}")] {
        let (status, answer) = app.api(Method::GET, &path, Some(&user_key), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    let (status, answer) = app
        .api(
            Method::GET,
            &format!("{check}?for_user={}", uuid::Uuid::new_v4()),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["for_user"][0].is_string(), "{answer}");
    let (status, answer) = app
        .api(
            Method::GET,
            &format!("{check}?for_user={plain_id}"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["passing"], true, "the policy passes: {answer}");

    // Nothing changed for them.
    assert_eq!(
        app.admin_api(Method::GET, &dummy_one, None).await["result"],
        true
    );
    assert_eq!(
        app.admin_api(Method::GET, &binding_one, None).await["order"],
        0
    );

    // The admin, in an order where each call succeeds.
    for (method, path, body, expected) in [
        (
            Method::GET,
            "/policies/all/".to_string(),
            None,
            StatusCode::OK,
        ),
        (Method::GET, all_one.clone(), None, StatusCode::OK),
        (Method::GET, "/policies/dummy/".into(), None, StatusCode::OK),
        (
            Method::POST,
            "/policies/dummy/".into(),
            Some(dummy_body.clone()),
            StatusCode::CREATED,
        ),
        (Method::GET, dummy_one.clone(), None, StatusCode::OK),
        (
            Method::PUT,
            dummy_one.clone(),
            Some(json!({ "name": "gate", "wait_min": 0, "wait_max": 0 })),
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            dummy_one.clone(),
            Some(json!({ "result": false })),
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/policies/password/".into(),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/policies/password/".into(),
            Some(json!({ "name": "pw" })),
            StatusCode::CREATED,
        ),
        (
            Method::GET,
            "/policies/bindings/".into(),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/policies/bindings/".into(),
            Some(binding_body.clone()),
            StatusCode::CREATED,
        ),
        (Method::GET, binding_one.clone(), None, StatusCode::OK),
        (
            Method::PUT,
            binding_one.clone(),
            Some(json!({ "target": grafana["pk"], "policy": policy["pk"], "order": 1 })),
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            binding_one.clone(),
            Some(json!({ "order": 2 })),
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            binding_one.clone(),
            None,
            StatusCode::NO_CONTENT,
        ),
        (
            Method::DELETE,
            dummy_one.clone(),
            None,
            StatusCode::NO_CONTENT,
        ),
    ] {
        let (status, answer) = app
            .api(method.clone(), &path, Some(ADMIN_TOKEN), body)
            .await;
        assert_eq!(status, expected, "admin {method} {path}: {answer}");
    }
    let (status, _) = status_of(&app, Method::GET, "/policies/bindings/not-a-uuid/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn policy_bindings_are_created_read_changed_and_deleted() {
    let app = spawn_api().await;
    let grafana = application(&app, "grafana").await;
    let gate = dummy(&app, "gate", true).await;
    let staff = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "staff" })),
        )
        .await;
    let kim = app.create_user("kim", "kims long password").await;
    let auth_flow = app
        .admin_api(
            Method::GET,
            "/flows/instances/default-authentication-flow/",
            None,
        )
        .await;
    let stage_bindings = app
        .admin_api(
            Method::GET,
            &format!("/flows/bindings/?target={}&ordering=order", pk(&auth_flow)),
            None,
        )
        .await;
    let password_binding = stage_bindings["results"][1].clone();
    assert_eq!(
        password_binding["stage_obj"]["name"],
        "default-authentication-password"
    );

    // A policy on an application.
    let (status, by_policy) = app
        .api(
            Method::POST,
            "/policies/bindings/",
            Some(ADMIN_TOKEN),
            Some(json!({ "target": grafana["pk"], "policy": gate["pk"], "order": 0 })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{by_policy}");
    assert!(by_policy["pk"].is_string(), "{by_policy}");
    assert_eq!(by_policy["target"], grafana["pk"]);
    assert_eq!(by_policy["policy"], gate["pk"]);
    assert_eq!(by_policy["group"], Value::Null);
    assert_eq!(by_policy["user"], Value::Null);
    assert_eq!(by_policy["policy_obj"]["pk"], gate["pk"]);
    assert_eq!(by_policy["policy_obj"]["name"], "gate");
    assert_eq!(by_policy["policy_obj"]["component"], "ak-policy-dummy-form");
    assert_eq!(
        by_policy["policy_obj"]["meta_model_name"],
        "authentik_policies_dummy.dummypolicy"
    );
    assert_eq!(by_policy["group_obj"], Value::Null);
    assert_eq!(by_policy["user_obj"], Value::Null);
    assert_eq!(by_policy["negate"], false);
    assert_eq!(by_policy["enabled"], true);
    assert_eq!(by_policy["order"], 0);
    assert_eq!(by_policy["timeout"], 30);
    assert_eq!(by_policy["failure_result"], false);
    let by_policy_one = format!("/policies/bindings/{}/", pk(&by_policy));
    assert_eq!(
        app.admin_api(Method::GET, &by_policy_one, None).await,
        by_policy
    );

    // A group on the same application, with every setting given.
    let by_group = app
        .admin_api(
            Method::POST,
            "/policies/bindings/",
            Some(
                json!({ "target": grafana["pk"], "group": staff["pk"], "order": 10,
                         "negate": true, "enabled": false, "timeout": 3600,
                         "failure_result": true }),
            ),
        )
        .await;
    assert_eq!(by_group["group"], staff["pk"]);
    assert_eq!(by_group["group_obj"]["pk"], staff["pk"]);
    assert_eq!(by_group["group_obj"]["name"], "staff");
    assert_eq!(by_group["policy"], Value::Null);
    assert_eq!(by_group["policy_obj"], Value::Null);
    assert_eq!(
        (
            &by_group["negate"],
            &by_group["enabled"],
            &by_group["timeout"],
            &by_group["failure_result"]
        ),
        (&json!(true), &json!(false), &json!(3600), &json!(true))
    );

    // A user on a flow, and the policy again on a flow's stage binding.
    let by_user = app
        .admin_api(
            Method::POST,
            "/policies/bindings/",
            Some(json!({ "target": auth_flow["pk"], "user": kim.to_string(), "order": 5 })),
        )
        .await;
    assert_eq!(by_user["target"], auth_flow["pk"]);
    assert_eq!(by_user["user"], kim.to_string());
    assert_eq!(by_user["user_obj"]["pk"], kim.to_string());
    assert_eq!(by_user["user_obj"]["username"], "kim");
    assert_eq!(by_user["user_obj"]["name"], "kim Example");
    let on_stage = app
        .admin_api(
            Method::POST,
            "/policies/bindings/",
            Some(json!({ "target": password_binding["pk"], "policy": gate["pk"], "order": 1 })),
        )
        .await;
    assert_eq!(on_stage["target"], password_binding["pk"]);
    let gate_one = format!("/policies/dummy/{}/", pk(&gate));
    assert_eq!(
        app.admin_api(Method::GET, &gate_one, None).await["bound_to"],
        2
    );

    // Filters and ordering.
    for (query, expected) in [
        (
            format!("target={}&ordering=order", pk(&grafana)),
            vec![pk(&by_policy), pk(&by_group)],
        ),
        (
            format!("target={}&ordering=-order", pk(&grafana)),
            vec![pk(&by_group), pk(&by_policy)],
        ),
        (
            format!("policy={}&ordering=order", pk(&gate)),
            vec![pk(&by_policy), pk(&on_stage)],
        ),
        (
            format!("target={}&enabled=false", pk(&grafana)),
            vec![pk(&by_group)],
        ),
        (
            format!("target={}&enabled=true", pk(&grafana)),
            vec![pk(&by_policy)],
        ),
        (format!("target={}", pk(&auth_flow)), vec![pk(&by_user)]),
        (format!("target={}", uuid::Uuid::new_v4()), vec![]),
    ] {
        let found = app
            .admin_api(Method::GET, &format!("/policies/bindings/?{query}"), None)
            .await;
        assert_eq!(pks(&found), expected, "{query}");
    }
    let everything = app
        .admin_api(Method::GET, "/policies/bindings/?ordering=order", None)
        .await;
    let orders: Vec<i64> = everything["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|b| b["order"].as_i64().expect("order"))
        .collect();
    let mut sorted = orders.clone();
    sorted.sort();
    assert_eq!(orders, sorted);
    assert_eq!(everything["pagination"]["count"], 4);

    // PATCH changes what it names.
    let patched = app
        .admin_api(
            Method::PATCH,
            &by_policy_one,
            Some(json!({ "enabled": false, "order": 3, "negate": true })),
        )
        .await;
    assert_eq!(patched["order"], 3);
    assert_eq!(patched["enabled"], false);
    assert_eq!(patched["negate"], true);
    assert_eq!(patched["policy"], gate["pk"], "kept");
    assert_eq!(patched["timeout"], 30, "kept");
    // PUT replaces, the subject too.
    let put = app
        .admin_api(
            Method::PUT,
            &by_policy_one,
            Some(json!({ "target": grafana["pk"], "user": kim.to_string(), "order": 20 })),
        )
        .await;
    assert_eq!(put["pk"], by_policy["pk"]);
    assert_eq!(put["policy"], Value::Null);
    assert_eq!(put["policy_obj"], Value::Null);
    assert_eq!(put["user_obj"]["username"], "kim");
    assert_eq!(put["enabled"], true);
    assert_eq!(put["negate"], false);
    assert_eq!(put["order"], 20);
    assert_eq!(
        app.admin_api(Method::GET, &gate_one, None).await["bound_to"],
        1
    );

    let (status, body) = status_of(&app, Method::DELETE, &by_policy_one).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = status_of(&app, Method::GET, &by_policy_one).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "Not found.");
    let left = app
        .admin_api(Method::GET, "/policies/bindings/", None)
        .await;
    assert_eq!(left["pagination"]["count"], 3);
}

#[tokio::test]
async fn bad_bindings_are_field_errors() {
    let app = spawn_api().await;
    let grafana = application(&app, "grafana").await;
    let gate = dummy(&app, "gate", true).await;
    let staff = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "staff" })),
        )
        .await;
    let kim = app
        .create_user("kim", "kims long password")
        .await
        .to_string();
    let nowhere = uuid::Uuid::new_v4().to_string();
    let list = "/policies/bindings/";
    for (body, field) in [
        (
            json!({ "target": grafana["pk"], "order": 0 }),
            "non_field_errors",
        ),
        (
            json!({ "target": grafana["pk"], "policy": gate["pk"], "group": staff["pk"], "order": 0 }),
            "non_field_errors",
        ),
        (
            json!({ "target": grafana["pk"], "group": staff["pk"], "user": kim, "order": 0 }),
            "non_field_errors",
        ),
        (
            json!({ "target": nowhere, "policy": gate["pk"], "order": 0 }),
            "target",
        ),
        (
            json!({ "target": grafana["pk"], "policy": nowhere, "order": 0 }),
            "policy",
        ),
        (
            json!({ "target": grafana["pk"], "policy": gate["pk"] }),
            "order",
        ),
        (json!({ "policy": gate["pk"], "order": 0 }), "target"),
        (
            json!({ "target": grafana["pk"], "policy": gate["pk"], "order": 0, "timeout": 0 }),
            "timeout",
        ),
        (
            json!({ "target": grafana["pk"], "policy": gate["pk"], "order": 0, "timeout": 3601 }),
            "timeout",
        ),
    ] {
        let errors = bad(&app, Method::POST, list, body.clone()).await;
        assert!(errors[field][0].is_string(), "{body}: {errors}");
    }
    // A PATCH naming two subjects, or taking the only one away, is refused; naming another
    // subject replaces the one there was.
    let binding = app
        .admin_api(
            Method::POST,
            list,
            Some(json!({ "target": grafana["pk"], "policy": gate["pk"], "order": 0 })),
        )
        .await;
    let one = format!("/policies/bindings/{}/", pk(&binding));
    for body in [
        json!({ "policy": gate["pk"], "group": staff["pk"] }),
        json!({ "policy": null }),
    ] {
        let errors = bad(&app, Method::PATCH, &one, body.clone()).await;
        assert!(
            errors["non_field_errors"][0].is_string(),
            "{body}: {errors}"
        );
    }
    let errors = bad(
        &app,
        Method::PATCH,
        &format!("/policies/bindings/{}/", pk(&binding)),
        json!({ "target": nowhere }),
    )
    .await;
    assert!(errors["target"][0].is_string(), "{errors}");
    let kept = app.admin_api(Method::GET, &one, None).await;
    assert_eq!(kept, binding);
    let switched = app
        .admin_api(Method::PATCH, &one, Some(json!({ "group": staff["pk"] })))
        .await;
    assert_eq!(switched["group_obj"]["name"], "staff");
    assert_eq!(switched["policy"], Value::Null);
    assert_eq!(switched["policy_obj"], Value::Null);
    assert_eq!(
        app.admin_api(Method::GET, list, None).await["pagination"]["count"],
        1
    );
}

/// Every binding as (target, order), sorted.
async fn binding_rows(app: &TestApp) -> Vec<(String, i64)> {
    let list = app
        .admin_api(Method::GET, "/policies/bindings/?ordering=order", None)
        .await;
    let mut rows: Vec<(String, i64)> = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|b| {
            (
                b["target"].as_str().expect("target").to_string(),
                b["order"].as_i64().expect("order"),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn deleting_what_a_binding_names_deletes_the_binding() {
    let app = spawn_api().await;
    let grafana = application(&app, "grafana").await;
    let wiki = application(&app, "wiki").await;
    let gate = dummy(&app, "gate", true).await;
    let staff = app
        .admin_api(
            Method::POST,
            "/core/groups/",
            Some(json!({ "name": "staff" })),
        )
        .await;
    let kim = app
        .create_user("kim", "kims long password")
        .await
        .to_string();
    let bind = |target: &Value, subject: (&str, Value), order: i64| {
        let mut body = json!({ "target": target["pk"], "order": order });
        body[subject.0] = subject.1;
        body
    };
    let mut made = Vec::new();
    for body in [
        bind(&grafana, ("policy", gate["pk"].clone()), 0),
        bind(&grafana, ("group", staff["pk"].clone()), 1),
        bind(&grafana, ("user", json!(kim)), 2),
        bind(&wiki, ("policy", gate["pk"].clone()), 0),
        bind(&wiki, ("group", staff["pk"].clone()), 1),
        bind(&wiki, ("user", json!(kim)), 2),
    ] {
        made.push(
            app.admin_api(Method::POST, "/policies/bindings/", Some(body))
                .await,
        );
    }
    let g = pk(&grafana);
    let w = pk(&wiki);
    let mut expected = vec![
        (g.clone(), 0),
        (g.clone(), 1),
        (g.clone(), 2),
        (w.clone(), 0),
        (w.clone(), 1),
        (w.clone(), 2),
    ];
    expected.sort();
    assert_eq!(binding_rows(&app).await, expected);

    // The policy goes: its bindings go.
    app.admin_api(
        Method::DELETE,
        &format!("/policies/dummy/{}/", pk(&gate)),
        None,
    )
    .await;
    expected.retain(|(_, o)| *o != 0);
    assert_eq!(binding_rows(&app).await, expected);
    let (status, _) = status_of(
        &app,
        Method::GET,
        &format!("/policies/bindings/{}/", pk(&made[0])),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The group goes.
    app.admin_api(
        Method::DELETE,
        &format!("/core/groups/{}/", pk(&staff)),
        None,
    )
    .await;
    expected.retain(|(_, o)| *o != 1);
    assert_eq!(binding_rows(&app).await, expected);
    // The target goes.
    app.admin_api(Method::DELETE, "/core/applications/wiki/", None)
        .await;
    expected.retain(|(t, _)| *t != w);
    assert_eq!(binding_rows(&app).await, expected);
    // The user goes.
    app.admin_api(Method::DELETE, &format!("/core/users/{kim}/"), None)
        .await;
    assert_eq!(binding_rows(&app).await, vec![]);
    let (status, _) = status_of(
        &app,
        Method::GET,
        &format!("/policies/bindings/{}/", pk(&made[2])),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn flows_and_their_stage_bindings_have_a_policy_engine_mode() {
    let app = spawn_api().await;
    let flow = app
        .admin_api(
            Method::GET,
            "/flows/instances/default-authentication-flow/",
            None,
        )
        .await;
    assert_eq!(flow["policy_engine_mode"], "any");
    let created = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(
                json!({ "slug": "strict", "name": "Strict", "title": "Strict",
                         "designation": "authentication", "policy_engine_mode": "all" }),
            ),
        )
        .await;
    assert_eq!(created["policy_engine_mode"], "all");
    let patched = app
        .admin_api(
            Method::PATCH,
            "/flows/instances/strict/",
            Some(json!({ "policy_engine_mode": "any" })),
        )
        .await;
    assert_eq!(patched["policy_engine_mode"], "any");
    assert_eq!(patched["title"], "Strict");
    let errors = bad(
        &app,
        Method::PATCH,
        "/flows/instances/strict/",
        json!({ "policy_engine_mode": "most" }),
    )
    .await;
    assert!(errors["policy_engine_mode"][0].is_string(), "{errors}");

    let bindings = app
        .admin_api(
            Method::GET,
            &format!("/flows/bindings/?target={}", pk(&flow)),
            None,
        )
        .await;
    let first = bindings["results"][0].clone();
    assert_eq!(first["policy_engine_mode"], "any", "{first}");
    let one = format!("/flows/bindings/{}/", pk(&first));
    let patched = app
        .admin_api(
            Method::PATCH,
            &one,
            Some(json!({ "policy_engine_mode": "all" })),
        )
        .await;
    assert_eq!(patched["policy_engine_mode"], "all");
    assert_eq!(patched["order"], first["order"], "kept");
    assert_eq!(
        app.admin_api(Method::GET, &one, None).await["policy_engine_mode"],
        "all"
    );
    let errors = bad(
        &app,
        Method::PATCH,
        &one,
        json!({ "policy_engine_mode": 1 }),
    )
    .await;
    assert!(
        errors["policy_engine_mode"][0].is_string() || errors["non_field_errors"][0].is_string(),
        "{errors}"
    );
}
