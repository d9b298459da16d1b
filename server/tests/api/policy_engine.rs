//! The policy engine through HTTP: an application's `check_access` follows its bindings (groups
//! with their child groups, users, policies, negate, disabled bindings, the "any"/"all" modes);
//! a flow's bindings decide who may open it; a flow-stage binding's decide whether its stage
//! runs for the pending user; a prompt stage's validation policies check what was typed.
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const PW: &str = "a long enough password";

fn pk(v: &Value) -> String {
    v["pk"].as_str().expect("pk").to_string()
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

/// Binds `subject` (`{"group": …}`, `{"user": …}` or `{"policy": …}`) to `target` at `order`.
async fn bind(app: &TestApp, target: &Value, subject: Value, order: i64) -> Value {
    let mut body = subject;
    body["target"] = target["pk"].clone();
    body["order"] = json!(order);
    app.admin_api(Method::POST, "/policies/bindings/", Some(body))
        .await
}

async fn patch_binding(app: &TestApp, binding: &Value, body: Value) -> Value {
    app.admin_api(
        Method::PATCH,
        &format!("/policies/bindings/{}/", pk(binding)),
        Some(body),
    )
    .await
}

async fn group(app: &TestApp, name: &str, parent: Option<&Value>, members: &[Uuid]) -> Value {
    let members: Vec<String> = members.iter().map(Uuid::to_string).collect();
    app.admin_api(
        Method::POST,
        "/core/groups/",
        Some(json!({ "name": name, "parent": parent.map(|p| p["pk"].clone()), "users": members })),
    )
    .await
}

/// `check_access` for `user` (None: the caller, akadmin).
async fn check(app: &TestApp, slug: &str, user: Option<Uuid>) -> bool {
    let path = match user {
        Some(u) => format!("/core/applications/{slug}/check_access/?for_user={u}"),
        None => format!("/core/applications/{slug}/check_access/"),
    };
    let body = app.admin_api(Method::GET, &path, None).await;
    assert!(
        body["messages"].is_array() && body["log_messages"].is_array(),
        "{body}"
    );
    body["passing"].as_bool().expect("passing")
}

/// Which of `users` pass `check_access` for the application.
async fn passing<'a>(app: &TestApp, slug: &str, users: &[(&'a str, Uuid)]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (name, id) in users {
        if check(app, slug, Some(*id)).await {
            out.push(*name);
        }
    }
    out
}

async fn set_mode(app: &TestApp, slug: &str, mode: &str) {
    let changed = app
        .admin_api(
            Method::PATCH,
            &format!("/core/applications/{slug}/"),
            Some(json!({ "policy_engine_mode": mode })),
        )
        .await;
    assert_eq!(changed["policy_engine_mode"], mode);
}

#[tokio::test]
async fn check_access_follows_group_and_user_bindings() {
    let app = spawn_api().await;
    let ana = app.create_user("ana", PW).await;
    let ben = app.create_user("ben", PW).await;
    let cy = app.create_user("cy", PW).await;
    let people = [("ana", ana), ("ben", ben), ("cy", cy)];
    let staff = group(&app, "staff", None, &[ana]).await;
    group(&app, "staff-juniors", Some(&staff), &[ben]).await;
    let wiki = app
        .admin_api(
            Method::POST,
            "/core/applications/",
            Some(json!({ "name": "Wiki", "slug": "wiki" })),
        )
        .await;

    // No bindings: everybody passes, with nothing to say.
    assert_eq!(passing(&app, "wiki", &people).await, ["ana", "ben", "cy"]);
    assert!(check(&app, "wiki", None).await, "the caller");
    let answer = app
        .admin_api(
            Method::GET,
            &format!("/core/applications/wiki/check_access/?for_user={cy}"),
            None,
        )
        .await;
    assert_eq!(answer["passing"], true);
    assert_eq!(answer["messages"], json!([]));

    // A group: its members and the members of its child groups.
    let by_group = bind(&app, &wiki, json!({ "group": staff["pk"] }), 0).await;
    assert_eq!(passing(&app, "wiki", &people).await, ["ana", "ben"]);
    assert!(!check(&app, "wiki", None).await, "akadmin is not staff");

    // A user: "any" lets either binding through.
    let by_user = bind(&app, &wiki, json!({ "user": cy.to_string() }), 10).await;
    assert_eq!(passing(&app, "wiki", &people).await, ["ana", "ben", "cy"]);
    // "all" wants both: nobody is staff and Cy.
    set_mode(&app, "wiki", "all").await;
    assert_eq!(passing(&app, "wiki", &people).await, Vec::<&str>::new());
    patch_binding(&app, &by_user, json!({ "user": ana.to_string() })).await;
    assert_eq!(passing(&app, "wiki", &people).await, ["ana"]);
    set_mode(&app, "wiki", "any").await;
    assert_eq!(passing(&app, "wiki", &people).await, ["ana", "ben"]);

    // A disabled binding does not count.
    patch_binding(&app, &by_group, json!({ "enabled": false })).await;
    assert_eq!(passing(&app, "wiki", &people).await, ["ana"]);
    // Negated: those outside the group pass.
    patch_binding(&app, &by_group, json!({ "enabled": true, "negate": true })).await;
    assert_eq!(passing(&app, "wiki", &people).await, ["ana", "cy"]);
    set_mode(&app, "wiki", "all").await;
    assert_eq!(passing(&app, "wiki", &people).await, Vec::<&str>::new());
    patch_binding(&app, &by_user, json!({ "user": cy.to_string() })).await;
    assert_eq!(passing(&app, "wiki", &people).await, ["cy"]);
    // Every binding disabled: as if there were none.
    patch_binding(&app, &by_group, json!({ "enabled": false })).await;
    patch_binding(&app, &by_user, json!({ "enabled": false })).await;
    assert_eq!(passing(&app, "wiki", &people).await, ["ana", "ben", "cy"]);

    // An unknown application is not found.
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/core/applications/nope/check_access/?for_user={ana}"),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn check_access_evaluates_policies_with_negate_and_modes() {
    let app = spawn_api().await;
    let ana = app.create_user("ana", PW).await;
    let cy = app.create_user("cy", PW).await;
    let people = [("ana", ana), ("cy", cy)];
    let staff = group(&app, "staff", None, &[ana]).await;
    let vault = app
        .admin_api(
            Method::POST,
            "/core/applications/",
            Some(json!({ "name": "Vault", "slug": "vault" })),
        )
        .await;
    let no = dummy(&app, "always-no", false).await;
    let yes = dummy(&app, "always-yes", true).await;

    let by_no = bind(&app, &vault, json!({ "policy": no["pk"] }), 0).await;
    assert_eq!(passing(&app, "vault", &people).await, Vec::<&str>::new());
    let answer = app
        .admin_api(
            Method::GET,
            &format!("/core/applications/vault/check_access/?for_user={ana}"),
            None,
        )
        .await;
    assert_eq!(answer["passing"], false, "{answer}");
    // The policy's result is read when checking, not when binding.
    app.admin_api(
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&no)),
        Some(json!({ "result": true })),
    )
    .await;
    assert_eq!(passing(&app, "vault", &people).await, ["ana", "cy"]);
    patch_binding(&app, &by_no, json!({ "negate": true })).await;
    assert_eq!(passing(&app, "vault", &people).await, Vec::<&str>::new());
    app.admin_api(
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&no)),
        Some(json!({ "result": false })),
    )
    .await;
    assert_eq!(passing(&app, "vault", &people).await, ["ana", "cy"]);

    // A failing policy says why.
    let password = app
        .admin_api(
            Method::POST,
            "/policies/password/",
            Some(json!({ "name": "needs-a-password", "length_min": 12,
                         "error_message": "Too short" })),
        )
        .await;
    let by_password = bind(&app, &vault, json!({ "policy": password["pk"] }), 5).await;
    let answer = app
        .admin_api(
            Method::GET,
            &format!("/core/applications/vault/check_access/?for_user={ana}"),
            None,
        )
        .await;
    assert_eq!(
        answer["passing"], true,
        "any: the negated dummy passes: {answer}"
    );
    patch_binding(&app, &by_no, json!({ "enabled": false })).await;
    let answer = app
        .admin_api(
            Method::GET,
            &format!("/core/applications/vault/check_access/?for_user={ana}"),
            None,
        )
        .await;
    assert_eq!(answer["passing"], false, "{answer}");
    let messages = answer["messages"].as_array().expect("messages");
    assert!(
        !messages.is_empty() && messages.iter().all(Value::is_string),
        "{answer}"
    );
    app.admin_api(
        Method::DELETE,
        &format!("/policies/bindings/{}/", pk(&by_password)),
        None,
    )
    .await;

    // A passing policy and a group: "any" lets everybody in, "all" only the staff.
    app.admin_api(
        Method::DELETE,
        &format!("/policies/bindings/{}/", pk(&by_no)),
        None,
    )
    .await;
    bind(&app, &vault, json!({ "policy": yes["pk"] }), 0).await;
    bind(&app, &vault, json!({ "group": staff["pk"] }), 10).await;
    assert_eq!(passing(&app, "vault", &people).await, ["ana", "cy"]);
    set_mode(&app, "vault", "all").await;
    assert_eq!(passing(&app, "vault", &people).await, ["ana"]);
    // A failing policy added: "all" lets nobody in.
    let failing = bind(&app, &vault, json!({ "policy": no["pk"] }), 20).await;
    assert_eq!(passing(&app, "vault", &people).await, Vec::<&str>::new());
    set_mode(&app, "vault", "any").await;
    assert_eq!(passing(&app, "vault", &people).await, ["ana", "cy"]);
    // Deleting the policy deletes its binding: "all" is back to the staff.
    app.admin_api(
        Method::DELETE,
        &format!("/policies/dummy/{}/", pk(&no)),
        None,
    )
    .await;
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/policies/bindings/{}/", pk(&failing)),
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    set_mode(&app, "vault", "all").await;
    assert_eq!(passing(&app, "vault", &people).await, ["ana"]);
}

/// A flow of one prompt stage, opened by people who are signed in.
async fn prompt_flow(app: &TestApp, slug: &str) -> Value {
    let prompt = app
        .admin_api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(json!({ "name": format!("{slug}-prompt"), "fields": [
                { "field_key": "nickname", "label": "Nickname", "type": "text" }
            ] })),
        )
        .await;
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(json!({ "slug": slug, "name": slug, "title": "Members only",
                         "designation": "stage_configuration" })),
        )
        .await;
    app.admin_api(
        Method::POST,
        "/flows/bindings/",
        Some(json!({ "target": flow["pk"], "stage": prompt["pk"], "order": 10 })),
    )
    .await;
    flow
}

/// What `who` (None: nobody signed in) sees on opening `slug` in a fresh browser.
async fn opens(app: &TestApp, slug: &str, who: Option<&str>) -> Value {
    let browser = app.new_browser();
    if let Some(username) = who {
        let done = browser.login(username, PW).await;
        assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    }
    let view = browser.load_flow(slug, &[]).await;
    view["Found"]["challenge"].clone()
}

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

/// An enrollment flow: a prompt (username, password, repeat) with `validation_policies`, then
/// user write and login.
async fn join_flow(app: &TestApp, policies: Vec<Value>) -> Value {
    let prompt = app
        .admin_api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(json!({ "name": "join-prompt", "fields": [
                { "field_key": "username", "label": "Username", "type": "username", "required": true },
                { "field_key": "password", "label": "Password", "type": "password", "required": true },
                { "field_key": "password_repeat", "label": "Repeat", "type": "password", "required": true }
            ], "validation_policies": policies })),
        )
        .await;
    let write = app
        .admin_api(
            Method::POST,
            "/stages/user_write/",
            Some(json!({ "name": "join-write" })),
        )
        .await;
    let login = app
        .admin_api(
            Method::POST,
            "/stages/user_login/",
            Some(json!({ "name": "join-login" })),
        )
        .await;
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(json!({ "slug": "join", "name": "Join", "title": "Join us",
                         "designation": "enrollment" })),
        )
        .await;
    for (stage, order) in [(&prompt, 10), (&write, 20), (&login, 30)] {
        app.admin_api(
            Method::POST,
            "/flows/bindings/",
            Some(json!({ "target": flow["pk"], "stage": stage["pk"], "order": order })),
        )
        .await;
    }
    prompt
}

async fn users_named(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("select count(*) from users where username = $1")
        .bind(username)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn prompt_validation_policies_check_the_typed_password() {
    let app = spawn_api().await;
    let policy = app
        .admin_api(
            Method::POST,
            "/policies/password/",
            Some(json!({ "name": "long-passwords", "length_min": 12,
                         "error_message": "Too short" })),
        )
        .await;
    let digits = app
        .admin_api(
            Method::POST,
            "/policies/password/",
            Some(json!({ "name": "with-digits", "amount_digits": 1,
                         "error_message": "Add a digit" })),
        )
        .await;
    let prompt = join_flow(&app, vec![policy["pk"].clone(), digits["pk"].clone()]).await;
    assert_eq!(
        prompt["validation_policies"],
        json!([policy["pk"], digits["pk"]])
    );

    // Unknown policies are refused, on create and on change.
    let nowhere = Uuid::new_v4().to_string();
    let (status, errors) = app
        .api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(ADMIN_TOKEN),
            Some(json!({ "name": "other-prompt", "fields": [
                { "field_key": "nickname", "label": "Nickname", "type": "text" }
            ], "validation_policies": [nowhere] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{errors}");
    assert!(errors["validation_policies"][0].is_string(), "{errors}");
    let (status, errors) = app
        .api(
            Method::PATCH,
            &format!("/stages/prompt/stages/{}/", pk(&prompt)),
            Some(ADMIN_TOKEN),
            Some(json!({ "validation_policies": [policy["pk"], nowhere] })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{errors}");
    assert!(errors["validation_policies"][0].is_string(), "{errors}");
    let kept = app
        .admin_api(
            Method::GET,
            &format!("/stages/prompt/stages/{}/", pk(&prompt)),
            None,
        )
        .await;
    assert_eq!(
        kept["validation_policies"],
        json!([policy["pk"], digits["pk"]])
    );

    let view = app.load_flow("join", &[]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "prompt", "{view}");
    // Nine characters: long enough for Ward, too short for the policy.
    let short = app
        .submit(
            "join",
            &[
                ("username", "newbie"),
                ("password", "ninechar9"),
                ("password_repeat", "ninechar9"),
            ],
        )
        .await;
    assert_eq!(short["challenge"]["component"], "prompt", "{short}");
    assert_eq!(short["errors"]["password"], "Too short", "{short}");
    assert_eq!(
        short["challenge"]["values"]["username"], "newbie",
        "{short}"
    );
    assert_eq!(users_named(&app, "newbie").await, 0);
    // Long enough, but every listed policy must pass.
    let no_digit = app
        .submit(
            "join",
            &[
                ("username", "newbie"),
                ("password", "long enough but plain"),
                ("password_repeat", "long enough but plain"),
            ],
        )
        .await;
    assert_eq!(no_digit["challenge"]["component"], "prompt", "{no_digit}");
    assert_eq!(no_digit["errors"]["password"], "Add a digit", "{no_digit}");
    assert_eq!(users_named(&app, "newbie").await, 0);

    let done = app
        .submit(
            "join",
            &[
                ("username", "newbie"),
                ("password", "12 chars or more"),
                ("password_repeat", "12 chars or more"),
            ],
        )
        .await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    assert_eq!(users_named(&app, "newbie").await, 1);
    let me: Value = app.server_fn("me", &[]).await.json().await.expect("json");
    assert_eq!(me["username"], "newbie");
    // The password kept is the one that passed.
    let other = app.new_browser();
    let signed_in = other.login("newbie", "12 chars or more").await;
    assert_eq!(
        signed_in["challenge"]["component"], "redirect",
        "{signed_in}"
    );

    // Removing the policy from the stage lets short passwords through.
    app.admin_api(
        Method::PATCH,
        &format!("/stages/prompt/stages/{}/", pk(&prompt)),
        Some(json!({ "validation_policies": [] })),
    )
    .await;
    assert_eq!(
        app.admin_api(
            Method::GET,
            &format!("/stages/prompt/stages/{}/", pk(&prompt)),
            None
        )
        .await["validation_policies"],
        json!([])
    );
    let third = app.new_browser();
    third.load_flow("join", &[]).await;
    let done = third
        .submit(
            "join",
            &[
                ("username", "shorty"),
                ("password", "ninechars"),
                ("password_repeat", "ninechars"),
            ],
        )
        .await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");
    assert_eq!(users_named(&app, "shorty").await, 1);
}

#[tokio::test]
async fn a_failing_validation_policy_without_a_password_field_marks_the_first_field() {
    let app = spawn_api().await;
    let no = dummy(&app, "never", false).await;
    let prompt = app
        .admin_api(
            Method::POST,
            "/stages/prompt/stages/",
            Some(json!({ "name": "survey-prompt", "fields": [
                { "field_key": "nickname", "label": "Nickname", "type": "text", "required": true },
                { "field_key": "color", "label": "Color", "type": "text" }
            ], "validation_policies": [no["pk"]] })),
        )
        .await;
    let flow = app
        .admin_api(
            Method::POST,
            "/flows/instances/",
            Some(
                json!({ "slug": "survey", "name": "Survey", "title": "Survey",
                         "designation": "stage_configuration" }),
            ),
        )
        .await;
    app.admin_api(
        Method::POST,
        "/flows/bindings/",
        Some(json!({ "target": flow["pk"], "stage": prompt["pk"], "order": 0 })),
    )
    .await;
    app.load_flow("survey", &[]).await;
    let view = app
        .submit("survey", &[("nickname", "Nick"), ("color", "blue")])
        .await;
    assert_eq!(view["challenge"]["component"], "prompt", "{view}");
    assert!(view["errors"]["nickname"].is_string(), "{view}");
    assert!(view["errors"].get("color").is_none(), "{view}");

    app.admin_api(
        Method::PATCH,
        &format!("/policies/dummy/{}/", pk(&no)),
        Some(json!({ "result": true })),
    )
    .await;
    let view = app
        .submit("survey", &[("nickname", "Nick"), ("color", "blue")])
        .await;
    assert_eq!(view["challenge"]["component"], "redirect", "{view}");
}
