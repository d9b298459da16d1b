//! Policies and policy bindings in blueprints: created and checked through the REST API,
//! applied again without change, changed, removed, refused when broken, and exported to an
//! empty instance (application targets, flow targets and flow-stage binding targets).
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use app::ssr::audit::Actor;
use app::ssr::blueprints::{apply::Options, apply_text, export};
use app::ssr::users;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;

const GATED: &str = r#"
version: 1
metadata:
  name: gated
entries:
  - model: authentik_core.group
    id: staff
    identifiers: { name: gate-staff }
  - model: authentik_core.user
    identifiers: { username: kim }
    attrs: { name: Kim, groups: [!KeyOf staff] }
  - model: authentik_core.user
    identifiers: { username: lee }
    attrs: { name: Lee }
  - model: authentik_core.application
    id: app
    identifiers: { slug: gated }
    attrs: { name: Gated, policy_engine_mode: all }
  - model: authentik_policies_dummy.dummypolicy
    id: always
    identifiers: { name: gate-always }
    attrs: { result: true, wait_min: 0, wait_max: 0, execution_logging: true }
  - model: authentik_policies_password.passwordpolicy
    identifiers: { name: gate-password }
    attrs: { length_min: 12, amount_digits: 1, error_message: Too short }
  - model: authentik_policies.policybinding
    identifiers: { target: !KeyOf app, order: 0 }
    attrs: { group: !KeyOf staff }
  - model: authentik_policies.policybinding
    identifiers: { target: !KeyOf app, order: 10 }
    attrs: { policy: !KeyOf always, negate: false, timeout: 60 }
"#;

const ENTRIES: usize = 8;

async fn apply(
    app: &TestApp,
    text: &str,
) -> app::ssr::Result<app::ssr::blueprints::apply::Outcome> {
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    apply_text(&app.pool, &actor, text, &Options::default()).await
}

async fn model_events(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events where action like 'model_%'")
        .fetch_one(&app.pool)
        .await
        .expect("events")
}

async fn user_id(app: &TestApp, username: &str) -> uuid::Uuid {
    sqlx::query_scalar("select id from users where username = $1")
        .bind(username)
        .fetch_one(&app.pool)
        .await
        .expect("user")
}

async fn passes(app: &TestApp, slug: &str, username: &str) -> bool {
    let id = user_id(app, username).await;
    let answer = app
        .admin_api(
            Method::GET,
            &format!("/core/applications/{slug}/check_access/?for_user={id}"),
            None,
        )
        .await;
    answer["passing"].as_bool().expect("passing")
}

/// The bindings of the application `slug`, by order.
async fn app_bindings(app: &TestApp, slug: &str) -> Vec<Value> {
    let target = app
        .admin_api(Method::GET, &format!("/core/applications/{slug}/"), None)
        .await;
    let list = app
        .admin_api(
            Method::GET,
            &format!(
                "/policies/bindings/?target={}&ordering=order",
                target["pk"].as_str().expect("pk")
            ),
            None,
        )
        .await;
    list["results"].as_array().expect("results").clone()
}

/// Every policy, without its pk.
async fn policies(app: &TestApp) -> Vec<Value> {
    let list = app
        .admin_api(
            Method::GET,
            "/policies/all/?ordering=name&page_size=1000",
            None,
        )
        .await;
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.as_object_mut().expect("object").remove("pk");
            p
        })
        .collect()
}

/// Every policy binding, naming its target and subject instead of pks, sorted.
async fn bindings(app: &TestApp) -> Vec<Value> {
    let all = |path: &'static str| {
        let app = app.new_browser();
        async move {
            app.admin_api(Method::GET, path, None).await["results"]
                .as_array()
                .expect("results")
                .clone()
        }
    };
    let mut targets: HashMap<String, String> = HashMap::new();
    let mut flows: HashMap<String, String> = HashMap::new();
    for a in all("/core/applications/?page_size=1000").await {
        targets.insert(
            a["pk"].as_str().expect("pk").into(),
            format!("application {}", a["slug"].as_str().expect("slug")),
        );
    }
    for f in all("/flows/instances/?page_size=1000").await {
        let slug = f["slug"].as_str().expect("slug").to_string();
        targets.insert(f["pk"].as_str().expect("pk").into(), format!("flow {slug}"));
        flows.insert(f["pk"].as_str().expect("pk").into(), slug);
    }
    for b in all("/flows/bindings/?page_size=1000").await {
        targets.insert(
            b["pk"].as_str().expect("pk").into(),
            format!(
                "stage binding {} at {}",
                flows[b["target"].as_str().expect("target")],
                b["order"]
            ),
        );
    }
    let mut rows: Vec<Value> = all("/policies/bindings/?page_size=1000")
        .await
        .into_iter()
        .map(|b| {
            json!({
                "target": targets.get(b["target"].as_str().expect("target")).cloned(),
                "order": b["order"],
                "policy": b["policy_obj"]["name"],
                "group": b["group_obj"]["name"],
                "user": b["user_obj"]["username"],
                "negate": b["negate"],
                "enabled": b["enabled"],
                "timeout": b["timeout"],
                "failure_result": b["failure_result"],
            })
        })
        .collect();
    rows.sort_by_key(|r| r.to_string());
    rows
}

#[tokio::test]
async fn policy_entries_apply_idempotently() {
    let app = spawn_api().await;
    let first = apply(&app, GATED).await.expect("applied");
    assert_eq!(
        (first.created, first.updated, first.unchanged),
        (ENTRIES, 0, 0),
        "{first:?}"
    );

    // What the REST API shows.
    let found = app
        .admin_api(
            Method::GET,
            "/policies/all/?search=gate-&ordering=name",
            None,
        )
        .await;
    let listed = found["results"].as_array().expect("results");
    assert_eq!(listed.len(), 2, "{found}");
    let always = &listed[0];
    assert_eq!(always["name"], "gate-always");
    assert_eq!(
        always["meta_model_name"],
        "authentik_policies_dummy.dummypolicy"
    );
    assert_eq!(always["result"], true);
    assert_eq!(always["execution_logging"], true);
    assert_eq!(
        (&always["wait_min"], &always["wait_max"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(always["bound_to"], 1);
    let password = &listed[1];
    assert_eq!(password["name"], "gate-password");
    assert_eq!(password["component"], "ak-policy-password-form");
    assert_eq!(password["length_min"], 12);
    assert_eq!(password["amount_digits"], 1);
    assert_eq!(password["error_message"], "Too short");
    assert_eq!(password["check_static_rules"], true, "default");
    assert_eq!(password["bound_to"], 0);

    let bound = app_bindings(&app, "gated").await;
    assert_eq!(bound.len(), 2, "{bound:?}");
    assert_eq!(bound[0]["order"], 0);
    assert_eq!(bound[0]["group_obj"]["name"], "gate-staff");
    assert_eq!(bound[0]["policy"], Value::Null);
    assert_eq!(bound[0]["timeout"], 30, "default");
    assert_eq!(bound[0]["enabled"], true, "default");
    assert_eq!(bound[1]["order"], 10);
    assert_eq!(bound[1]["policy_obj"]["name"], "gate-always");
    assert_eq!(bound[1]["group"], Value::Null);
    assert_eq!(bound[1]["negate"], false);
    assert_eq!(bound[1]["timeout"], 60);
    // Mode "all": staff, and the policy passes.
    assert!(passes(&app, "gated", "kim").await);
    assert!(!passes(&app, "gated", "lee").await);

    // Again: nothing changes, no event is written.
    let events = model_events(&app).await;
    let again = apply(&app, GATED).await.expect("again");
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, ENTRIES),
        "{again:?}"
    );
    assert_eq!(
        model_events(&app).await,
        events,
        "no event for unchanged entries"
    );
    assert_eq!(app_bindings(&app, "gated").await, bound);

    // A changed attribute is one update.
    let negated = GATED.replace("negate: false", "negate: true");
    let third = apply(&app, &negated).await.expect("negated");
    assert_eq!(
        (third.created, third.updated, third.unchanged),
        (0, 1, ENTRIES - 1),
        "{third:?}"
    );
    let now = app_bindings(&app, "gated").await;
    assert_eq!(now[1]["negate"], true);
    assert_eq!(now[1]["pk"], bound[1]["pk"], "the same binding");
    assert!(
        !passes(&app, "gated", "kim").await,
        "the policy negated fails"
    );

    // Objects named by pk.
    let by_pk = format!(
        r#"
version: 1
entries:
  - model: authentik_policies_dummy.dummypolicy
    identifiers: {{ pk: "{}" }}
    attrs: {{ result: false }}
  - model: authentik_policies.policybinding
    identifiers: {{ pk: "{}" }}
    attrs: {{ enabled: false }}
"#,
        always["pk"].as_str().expect("pk"),
        bound[0]["pk"].as_str().expect("pk")
    );
    let fourth = apply(&app, &by_pk).await.expect("by pk");
    assert_eq!((fourth.created, fourth.updated), (0, 2), "{fourth:?}");
    let changed = app
        .admin_api(
            Method::GET,
            &format!("/policies/dummy/{}/", always["pk"].as_str().expect("pk")),
            None,
        )
        .await;
    assert_eq!(changed["result"], false);
    assert_eq!(changed["name"], "gate-always");
    assert_eq!(app_bindings(&app, "gated").await[0]["enabled"], false);
    // Negated failing policy passes; the disabled group binding does not count.
    assert!(passes(&app, "gated", "lee").await);

    // state: absent removes a binding, found by its target and order.
    let absent = r#"
version: 1
entries:
  - model: authentik_policies.policybinding
    state: absent
    identifiers: { target: !Find [authentik_core.application, [slug, gated]], order: 10 }
"#;
    let removed = apply(&app, absent).await.expect("removed");
    assert_eq!(removed.deleted, 1, "{removed:?}");
    let left = app_bindings(&app, "gated").await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["group_obj"]["name"], "gate-staff");
    let policy = app
        .admin_api(
            Method::GET,
            &format!("/policies/all/{}/", always["pk"].as_str().expect("pk")),
            None,
        )
        .await;
    assert_eq!(policy["bound_to"], 0, "the policy outlives its binding");
    let again = apply(&app, absent).await.expect("absent again");
    assert_eq!((again.deleted, again.unchanged), (0, 1));

    // A policy is removed by name.
    let gone = r#"
version: 1
entries:
  - model: authentik_policies_password.passwordpolicy
    state: absent
    identifiers: { name: gate-password }
"#;
    assert_eq!(apply(&app, gone).await.expect("gone").deleted, 1);
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/policies/all/{}/", password["pk"].as_str().expect("pk")),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_broken_policy_entry_applies_nothing_and_is_named() {
    let app = spawn_api().await;
    for (broken, entry, says) in [
        (
            GATED.replace("wait_min: 0, wait_max: 0", "wait_min: 10, wait_max: 5"),
            "entry 5 (authentik_policies_dummy.dummypolicy)",
            "wait_max",
        ),
        (
            GATED.replace("length_min: 12", "min_length: 12"),
            "entry 6 (authentik_policies_password.passwordpolicy)",
            "min_length",
        ),
        (
            GATED.replace("length_min: 12", "length_min: -1"),
            "entry 6 (authentik_policies_password.passwordpolicy)",
            "length_min",
        ),
        (
            GATED.replace("amount_digits: 1", "check_have_i_been_pwned: true"),
            "entry 6 (authentik_policies_password.passwordpolicy)",
            "check_have_i_been_pwned",
        ),
        (
            GATED.replace(
                "attrs: { group: !KeyOf staff }",
                "attrs: { group: !KeyOf staff, policy: !KeyOf always }",
            ),
            "entry 7 (authentik_policies.policybinding)",
            "",
        ),
        (
            GATED.replace("attrs: { group: !KeyOf staff }", "attrs: { negate: true }"),
            "entry 7 (authentik_policies.policybinding)",
            "",
        ),
        (
            GATED.replace(
                "policy: !KeyOf always",
                "policy: !Find [authentik_policies_dummy.dummypolicy, [name, nope]]",
            ),
            "entry 8 (authentik_policies.policybinding)",
            "policy",
        ),
        (
            GATED.replace("timeout: 60", "timeout: 0"),
            "entry 8 (authentik_policies.policybinding)",
            "timeout",
        ),
    ] {
        let err = apply(&app, &broken).await.expect_err("broken").to_string();
        assert!(err.starts_with(entry), "{entry}: {err}");
        assert!(err.contains(says), "{says}: {err}");
        let stored = app
            .admin_api(Method::GET, "/policies/all/?search=gate-", None)
            .await;
        assert_eq!(stored["pagination"]["count"], 0, "all or nothing");
        let apps = app
            .admin_api(Method::GET, "/core/applications/", None)
            .await;
        assert_eq!(apps["pagination"]["count"], 0, "all or nothing");
        let bound = app
            .admin_api(Method::GET, "/policies/bindings/", None)
            .await;
        assert_eq!(bound["pagination"]["count"], 0, "all or nothing");
    }
    apply(&app, GATED).await.expect("the unbroken one applies");
}

/// The export holds the policies and bindings; applied to an empty instance it gives the same.
#[tokio::test]
async fn exported_policies_and_bindings_round_trip() {
    let source = spawn_api().await;
    apply(&source, GATED).await.expect("applied");
    let text = export::export(&source.pool).await.expect("export");
    for model in [
        "authentik_policies_dummy.dummypolicy",
        "authentik_policies_password.passwordpolicy",
        "authentik_policies.policybinding",
    ] {
        assert!(text.contains(model), "{model}: {text}");
    }

    let target = spawn_api().await;
    assert!(policies(&target).await.is_empty());
    let outcome = apply(&target, &text).await.expect("export applies");
    assert!(outcome.created >= ENTRIES, "{outcome:?}");
    let expected = policies(&source).await;
    assert_eq!(expected.len(), 2);
    assert_eq!(policies(&target).await, expected);
    let expected = bindings(&source).await;
    assert_eq!(
        expected,
        [
            json!({ "target": "application gated", "order": 0, "policy": null,
                    "group": "gate-staff", "user": null, "negate": false, "enabled": true,
                    "timeout": 30, "failure_result": false }),
            json!({ "target": "application gated", "order": 10, "policy": "gate-always",
                    "group": null, "user": null, "negate": false, "enabled": true,
                    "timeout": 60, "failure_result": false }),
        ]
    );
    assert_eq!(bindings(&target).await, expected);
    assert!(passes(&target, "gated", "kim").await);
    assert!(!passes(&target, "gated", "lee").await);

    let again = apply(&target, &text).await.expect("again");
    assert_eq!((again.created, again.updated), (0, 0), "{again:?}");
}

const FLOW_GATES: &str = r#"
version: 1
metadata:
  name: flow-gates
entries:
  - model: authentik_core.user
    id: kim
    identifiers: { username: kim }
    attrs: { name: Kim }
  - model: authentik_stages_deny.denystage
    id: deny
    identifiers: { name: gate-deny }
  - model: authentik_flows.flow
    id: flow
    identifiers: { slug: gate-flow }
    attrs: { name: Gate, title: Gate, designation: authentication, policy_engine_mode: all }
  - model: authentik_flows.flowstagebinding
    id: deny-binding
    identifiers: { target: !KeyOf flow, order: 10 }
    attrs: { stage: !KeyOf deny, policy_engine_mode: all }
  - model: authentik_policies_password.passwordpolicy
    id: pw
    identifiers: { name: gate-password }
    attrs: { length_min: 12 }
  - model: authentik_policies_dummy.dummypolicy
    id: never
    identifiers: { name: gate-never }
    attrs: { result: false, wait_min: 0, wait_max: 0 }
  - model: authentik_policies.policybinding
    identifiers: { target: !KeyOf flow, order: 0 }
    attrs: { user: !KeyOf kim, failure_result: true, enabled: false }
  - model: authentik_policies.policybinding
    identifiers: { target: !KeyOf deny-binding, order: 0, policy: !KeyOf pw }
    attrs: { negate: true, timeout: 5 }
  - model: authentik_policies.policybinding
    identifiers: { target: !KeyOf deny-binding, order: 10 }
    attrs: { policy: !KeyOf never }
"#;

#[tokio::test]
async fn bindings_on_flows_and_stage_bindings_round_trip() {
    let source = spawn_api().await;
    let first = apply(&source, FLOW_GATES).await.expect("applied");
    assert_eq!((first.created, first.updated), (9, 0), "{first:?}");
    let flow = source
        .admin_api(Method::GET, "/flows/instances/gate-flow/", None)
        .await;
    assert_eq!(flow["policy_engine_mode"], "all");
    let expected = vec![
        json!({ "target": "flow gate-flow", "order": 0, "policy": null, "group": null,
                "user": "kim", "negate": false, "enabled": false, "timeout": 30,
                "failure_result": true }),
        json!({ "target": "stage binding gate-flow at 10", "order": 0, "policy": "gate-password",
                "group": null, "user": null, "negate": true, "enabled": true, "timeout": 5,
                "failure_result": false }),
        json!({ "target": "stage binding gate-flow at 10", "order": 10, "policy": "gate-never",
                "group": null, "user": null, "negate": false, "enabled": true, "timeout": 30,
                "failure_result": false }),
    ];
    let mut sorted = expected.clone();
    sorted.sort_by_key(|r| r.to_string());
    assert_eq!(bindings(&source).await, sorted);
    let again = apply(&source, FLOW_GATES).await.expect("again");
    assert_eq!((again.created, again.updated), (0, 0), "{again:?}");

    let text = export::export(&source.pool).await.expect("export");
    let target = spawn_api().await;
    apply(&target, &text).await.expect("export applies");
    assert_eq!(bindings(&target).await, sorted);
    assert_eq!(policies(&target).await, policies(&source).await);
    let flow = target
        .admin_api(Method::GET, "/flows/instances/gate-flow/", None)
        .await;
    assert_eq!(flow["policy_engine_mode"], "all");
    let stage_bindings = target
        .admin_api(
            Method::GET,
            &format!(
                "/flows/bindings/?target={}",
                flow["pk"].as_str().expect("pk")
            ),
            None,
        )
        .await;
    assert_eq!(stage_bindings["results"][0]["policy_engine_mode"], "all");
    let again = apply(&target, &text).await.expect("again");
    assert_eq!((again.created, again.updated), (0, 0), "{again:?}");
}
