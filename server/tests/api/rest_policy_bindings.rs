//! `/api/v3/policies/bindings/` through HTTP: CRUD, the one-subject rule, filters, deletion
//! with what they bind, and the policy engine mode of flows and flow bindings.
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use crate::policy_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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
