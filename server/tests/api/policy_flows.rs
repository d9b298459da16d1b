//! Policies on flows through HTTP: a flow's `authentication` and bindings decide who may open
//! it; a flow-stage binding's decide whether its stage runs for the pending user.
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use crate::policy_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_policy_on_a_flow_decides_who_may_open_it() {
    let app = spawn_api().await;
    let ana = app.create_user("ana", PW).await;
    app.create_user("cy", PW).await;
    let staff = group(&app, "staff", None, &[ana]).await;
    let flow = prompt_flow(&app, "members-only").await;

    // Unbound, anybody may.
    assert_eq!(
        opens(&app, "members-only", None).await["component"],
        "prompt"
    );
    bind(&app, &flow, json!({ "group": staff["pk"] }), 0).await;
    let denied = opens(&app, "members-only", None).await;
    assert_eq!(denied["component"], "access_denied", "{denied}");
    assert!(denied["message"].is_string(), "{denied}");
    let events = app.events("flow_denied").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].2["flow"], "members-only", "{events:?}");

    let as_ana = opens(&app, "members-only", Some("ana")).await;
    assert_eq!(as_ana["component"], "prompt", "{as_ana}");
    assert_eq!(as_ana["fields"][0]["field_key"], "nickname");
    let as_cy = opens(&app, "members-only", Some("cy")).await;
    assert_eq!(as_cy["component"], "access_denied", "{as_cy}");
    assert_eq!(app.events("flow_denied").await.len(), 2);

    // A failing policy beside the group: "any" still lets Ana in, "all" does not.
    let no = dummy(&app, "always-no", false).await;
    bind(&app, &flow, json!({ "policy": no["pk"] }), 10).await;
    assert_eq!(
        opens(&app, "members-only", Some("ana")).await["component"],
        "prompt"
    );
    let strict = app
        .admin_api(
            Method::PATCH,
            "/flows/instances/members-only/",
            Some(json!({ "policy_engine_mode": "all" })),
        )
        .await;
    assert_eq!(strict["policy_engine_mode"], "all");
    assert_eq!(
        opens(&app, "members-only", Some("ana")).await["component"],
        "access_denied"
    );
    // The policy passing now, Ana is in again; Cy still is not.
    app.admin_api(
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&no)),
        Some(json!({ "result": true })),
    )
    .await;
    assert_eq!(
        opens(&app, "members-only", Some("ana")).await["component"],
        "prompt"
    );
    assert_eq!(
        opens(&app, "members-only", Some("cy")).await["component"],
        "access_denied"
    );
    // The flow's own stages are not touched by a denial, and other flows are not affected.
    assert_eq!(
        opens(&app, "default-authentication-flow", None).await["component"],
        "identification"
    );
}

#[tokio::test]
async fn a_flows_authentication_decides_who_may_start_it() {
    let app = spawn_api().await;
    let root = app.create_user("root", PW).await;
    app.create_user("cy", PW).await;
    app.admin_api(
        Method::POST,
        "/core/groups/",
        Some(json!({ "name": "admins", "is_superuser": true, "users": [root.to_string()] })),
    )
    .await;
    prompt_flow(&app, "gated").await;
    let set = |mode: &'static str| {
        let app = &app;
        async move {
            let flow = app
                .admin_api(
                    Method::PATCH,
                    "/flows/instances/gated/",
                    Some(json!({ "authentication": mode })),
                )
                .await;
            assert_eq!(flow["authentication"], mode, "{flow}");
        }
    };
    // Who gets the prompt (the rest are told the flow does not apply to them).
    for (mode, nobody, cy, root) in [
        ("none", true, true, true),
        ("require_authenticated", false, true, true),
        ("require_unauthenticated", true, false, false),
        ("require_superuser", false, false, true),
    ] {
        set(mode).await;
        for (who, expected) in [(None, nobody), (Some("cy"), cy), (Some("root"), root)] {
            let challenge = opens(&app, "gated", who).await;
            let component = if expected { "prompt" } else { "access_denied" };
            assert_eq!(
                challenge["component"], component,
                "{mode} {who:?}: {challenge}"
            );
            if !expected {
                assert_eq!(
                    challenge["message"], "Flow does not apply to current user.",
                    "{challenge}"
                );
            }
        }
    }
    // Each refusal was an event; outposts and redirects are not something Ward has.
    assert_eq!(app.events("flow_denied").await.len(), 5);
    let (status, errors) = app
        .api(
            Method::PATCH,
            "/flows/instances/gated/",
            Some(ADMIN_TOKEN),
            Some(json!({ "authentication": "require_outpost" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(errors["authentication"][0].is_string(), "{errors}");
}

/// An authentication flow: identification (10), deny (15), password (20), login (30). Returns
/// the flow-stage binding of the deny stage.
async fn guarded_login(app: &TestApp) -> Value {
    let mut stages = Vec::new();
    for (path, body) in [
        (
            "/stages/identification/",
            json!({ "name": "guard-ident", "user_fields": ["username"] }),
        ),
        (
            "/stages/deny/",
            json!({ "name": "guard-deny", "deny_message": "Not today." }),
        ),
        ("/stages/password/", json!({ "name": "guard-password" })),
        ("/stages/user_login/", json!({ "name": "guard-login" })),
    ] {
        stages.push(app.admin_api(Method::POST, path, Some(body)).await);
    }
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(
                json!({ "slug": "guarded", "name": "Guarded", "title": "Guarded",
                         "designation": "authentication" }),
            ),
        )
        .await;
    let mut deny_binding = Value::Null;
    for (stage, order) in stages.iter().zip([10, 15, 20, 30]) {
        let b = app
            .admin_api(
                Method::POST,
                "/flows/bindings/",
                Some(json!({ "target": flow["pk"], "stage": stage["pk"], "order": order })),
            )
            .await;
        if order == 15 {
            deny_binding = b;
        }
    }
    deny_binding
}

/// What `username` sees after identifying in the guarded flow, in a fresh browser.
async fn after_identifying(app: &TestApp, username: &str) -> Value {
    let browser = app.new_browser();
    let first = browser.load_flow("guarded", &[]).await;
    assert_eq!(
        first["Found"]["challenge"]["component"], "identification",
        "{first}"
    );
    let view = browser.submit("guarded", &[("uid_field", username)]).await;
    view["challenge"].clone()
}

#[tokio::test]
async fn a_policy_on_a_stage_binding_decides_whether_the_stage_runs() {
    let app = spawn_api().await;
    app.create_user("ana", PW).await;
    let ben = app.create_user("ben", PW).await;
    let deny_binding = guarded_login(&app).await;
    let gate = dummy(&app, "gate", false).await;
    let by_policy = bind(&app, &deny_binding, json!({ "policy": gate["pk"] }), 0).await;
    assert_eq!(by_policy["target"], deny_binding["pk"]);

    // Failing: the deny stage is skipped and Ana signs in.
    let browser = app.new_browser();
    browser.load_flow("guarded", &[]).await;
    let next = browser.submit("guarded", &[("uid_field", "ana")]).await;
    assert_eq!(next["challenge"]["component"], "password", "{next}");
    let done = browser.submit("guarded", &[("password", PW)]).await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    let me: Value = browser
        .server_fn("me", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["username"], "ana");
    assert!(app.events("flow_denied").await.is_empty());

    // Passing: the deny stage runs.
    app.admin_api(
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&gate)),
        Some(json!({ "result": true })),
    )
    .await;
    let denied = after_identifying(&app, "ana").await;
    assert_eq!(
        denied,
        json!({ "component": "access_denied", "message": "Not today." })
    );
    let events = app.events("flow_denied").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].2["flow"], "guarded");
    assert_eq!(events[0].2["stage"], "guard-deny");

    // A user binding is checked against the flow's pending user.
    app.admin_api(
        Method::PUT,
        &format!("/policies/bindings/{}/", pk(&by_policy)),
        Some(json!({ "target": deny_binding["pk"], "user": ben.to_string(), "order": 0 })),
    )
    .await;
    assert_eq!(
        after_identifying(&app, "ana").await["component"],
        "password"
    );
    assert_eq!(
        after_identifying(&app, "ben").await["component"],
        "access_denied"
    );

    // Beside it a failing policy: "any" still denies Ben; with the binding's mode "all",
    // nobody meets the deny stage.
    app.admin_api(
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&gate)),
        Some(json!({ "result": false })),
    )
    .await;
    bind(&app, &deny_binding, json!({ "policy": gate["pk"] }), 10).await;
    assert_eq!(
        after_identifying(&app, "ben").await["component"],
        "access_denied"
    );
    assert_eq!(
        after_identifying(&app, "ana").await["component"],
        "password"
    );
    let strict = app
        .admin_api(
            Method::PATCH,
            &format!("/flows/bindings/{}/", pk(&deny_binding)),
            Some(json!({ "policy_engine_mode": "all" })),
        )
        .await;
    assert_eq!(strict["policy_engine_mode"], "all");
    assert_eq!(
        after_identifying(&app, "ben").await["component"],
        "password"
    );
    // Disabled bindings do not count: with none left, the stage always runs.
    let all = app
        .admin_api(
            Method::GET,
            &format!("/policies/bindings/?target={}", pk(&deny_binding)),
            None,
        )
        .await;
    for b in all["results"].as_array().expect("results") {
        patch_binding(&app, b, json!({ "enabled": false })).await;
    }
    assert_eq!(
        after_identifying(&app, "ana").await["component"],
        "access_denied"
    );
}

#[tokio::test]
async fn a_deny_stage_first_in_a_flow_is_skipped_when_its_policy_fails() {
    let app = spawn_api().await;
    let deny = app
        .admin_api(
            Method::POST,
            "/stages/deny/",
            Some(json!({ "name": "early-deny" })),
        )
        .await;
    let auth = app
        .admin_api(
            Method::GET,
            "/flows/instances/default-authentication-flow/",
            None,
        )
        .await;
    let binding = app
        .admin_api(
            Method::POST,
            "/flows/bindings/",
            Some(json!({ "target": auth["pk"], "stage": deny["pk"], "order": -10 })),
        )
        .await;
    let no = dummy(&app, "no", false).await;
    bind(&app, &binding, json!({ "policy": no["pk"] }), 0).await;
    let view = app.load_flow("default-authentication-flow", &[]).await;
    assert_eq!(
        view["Found"]["challenge"]["component"], "identification",
        "{view}"
    );
    app.create_user("ana", PW).await;
    let done = app.login("ana", PW).await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    // Negated, the failing policy lets the deny stage run.
    let all = app
        .admin_api(
            Method::GET,
            &format!("/policies/bindings/?target={}", pk(&binding)),
            None,
        )
        .await;
    patch_binding(&app, &all["results"][0], json!({ "negate": true })).await;
    let view = app
        .new_browser()
        .load_flow("default-authentication-flow", &[])
        .await;
    assert_eq!(
        view["Found"]["challenge"]["component"], "access_denied",
        "{view}"
    );
}
