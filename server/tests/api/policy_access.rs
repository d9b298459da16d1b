//! An application's `check_access` through HTTP: it follows its bindings (groups with their
//! child groups, users, policies, negate, disabled bindings, the "any"/"all" modes).
use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_api};
use crate::policy_support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

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
