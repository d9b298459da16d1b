//! Expression policies end to end: saved through REST (compiled, errors at their line), tested
//! for chosen users, and deciding at OIDC authorize, at forward auth and at a flow by the client
//! address a trusted proxy forwarded.
use crate::helpers::{TestApp, spawn_api};
use crate::oauth2_oidc::{REDIRECT, authorize_as, oauth_app};
use crate::policy_support::*;
use reqwest::Method;
use serde_json::{Value, json};

const FINANCE_ONLY: &str = r#"if ak_is_group_member(request.user, name="finance"):
    return True
ak_message("Finance only, " + request.user.username + ".")
return False"#;

async fn expression(app: &TestApp, name: &str, source: &str) -> Value {
    app.admin_api(
        Method::POST,
        "/policies/expression/",
        Some(json!({ "name": name, "expression": source })),
    )
    .await
}

#[tokio::test]
async fn saving_compiles_and_errors_name_the_line_and_column() {
    let app = spawn_api().await;
    for (source, wanted) in [
        ("x = 1\nreturn (", "Line 2, column "),
        ("import os\nreturn True", "Line 1, column 1: "),
        (
            "from authentik.core.models import User\nreturn True",
            "Line 1, ",
        ),
    ] {
        let refused = bad(
            &app,
            Method::POST,
            "/policies/expression/",
            json!({ "name": "broken", "expression": source }),
        )
        .await;
        let message = refused["expression"][0].as_str().unwrap_or_default();
        assert!(message.starts_with(wanted), "{source:?}: {refused}");
    }
    let nothing = app.admin_api(Method::GET, "/policies/all/", None).await;
    assert!(
        !names(&nothing).contains(&"broken".to_string()),
        "{nothing}"
    );

    // A fixed expression saves, and reads back as written, under authentik's model name.
    let saved = expression(&app, "finance", FINANCE_ONLY).await;
    assert_eq!(saved["expression"], FINANCE_ONLY);
    assert_eq!(
        saved["meta_model_name"],
        "authentik_policies_expression.expressionpolicy"
    );
    assert_eq!(saved["component"], "ak-policy-expression-form");
}

#[tokio::test]
async fn the_test_action_runs_a_policy_for_a_chosen_user_and_address() {
    let app = spawn_api().await;
    let ana = app.create_user("ana", PW).await;
    let ben = app.create_user("ben", PW).await;
    group(&app, "finance", None, &[ana]).await;
    let source = format!(
        "ak_logger.info(\"checking\", who=request.user.username)\n\
         if request.context.get(\"ip\") == \"203.0.113.9\":\n    \
             ak_message(\"Not from there.\")\n    return False\n{FINANCE_ONLY}"
    );
    let policy = expression(&app, "finance", &source).await;
    let test = format!("/policies/all/{}/test/", pk(&policy));

    let ana_passes = app
        .admin_api(Method::POST, &test, Some(json!({ "user": ana })))
        .await;
    assert_eq!(ana_passes["passing"], true, "{ana_passes}");
    assert_eq!(ana_passes["messages"], json!([]));
    let logged = ana_passes["log_messages"].to_string();
    assert!(
        logged.contains("checking") && logged.contains("ana"),
        "{logged}"
    );

    let ben_fails = app
        .admin_api(Method::POST, &test, Some(json!({ "user": ben })))
        .await;
    assert_eq!(ben_fails["passing"], false);
    assert_eq!(ben_fails["messages"], json!(["Finance only, ben."]));

    let from_there = app
        .admin_api(
            Method::POST,
            &test,
            Some(json!({ "user": ana, "context": { "ip": "203.0.113.9" } })),
        )
        .await;
    assert_eq!(from_there["passing"], false);
    assert_eq!(from_there["messages"], json!(["Not from there."]));

    let unknown = bad(&app, Method::POST, &test, json!({ "user": "nobody" })).await;
    assert!(unknown["user"].is_array(), "{unknown}");
    let bad_ip = bad(
        &app,
        Method::POST,
        &test,
        json!({ "user": ana, "context": { "ip": "not an address" } }),
    )
    .await;
    assert!(bad_ip["context"].is_array(), "{bad_ip}");

    // An expression that raises answers the binding's failure result and records why.
    let raising = expression(&app, "raises", "return 1 / 0").await;
    let answer = app
        .admin_api(
            Method::POST,
            &format!("/policies/all/{}/test/", pk(&raising)),
            Some(json!({ "user": ana })),
        )
        .await;
    assert_eq!(answer["passing"], false);
    assert!(
        answer["messages"].to_string().contains("ZeroDivisionError"),
        "{answer}"
    );
    let events = app.events("policy_exception").await;
    assert!(
        events.iter().any(|(_, _, c)| c["policy"] == "raises"),
        "{events:?}"
    );
}

#[tokio::test]
async fn an_application_policy_refuses_a_non_member_at_authorize_with_its_message() {
    let app = spawn_api().await;
    let alice = app.create_user("alice", "alice password 123").await;
    app.create_user("bob", "bob password 123").await;
    group(&app, "finance", None, &[alice]).await;
    let client_id = oauth_app(&app, "ledger", json!({})).await;
    let ledger = app
        .admin_api(Method::GET, "/core/applications/ledger/", None)
        .await;
    let policy = expression(&app, "finance", FINANCE_ONLY).await;
    bind(&app, &ledger, json!({ "policy": policy["pk"] }), 0).await;
    let authorize = app.url(&format!(
        "/application/o/authorize/?client_id={client_id}&redirect_uri={}&response_type=code&scope=openid&state=s",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    ));

    let member = app.new_browser();
    let back = authorize_as(&member, &authorize, "alice", "alice password 123").await;
    assert!(
        back.query_pairs().any(|(k, _)| k == "code"),
        "alice gets a code: {back}"
    );

    let outsider = app.new_browser();
    let res = outsider
        .client
        .get(&authorize)
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), 302);
    let login = url::Url::parse(&outsider.url(res.headers()["location"].to_str().expect("loc")))
        .expect("login url");
    let next = login
        .query_pairs()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .expect("next");
    let view = outsider
        .login_with("bob", "bob password 123", &[("next", &next)])
        .await;
    let back = view["challenge"]["to"].as_str().expect("to").to_string();
    let res = outsider
        .client
        .get(outsider.url(&back))
        .send()
        .await
        .expect("back to authorize");
    assert_eq!(res.status(), 403);
    let page = res.text().await.expect("page");
    assert!(page.contains("Finance only, bob."), "{page}");
    let denied = app.events("access_denied").await;
    assert!(
        denied
            .iter()
            .any(|(u, _, c)| u == "bob" && c["messages"] == json!(["Finance only, bob."])),
        "{denied:?}"
    );
}

#[tokio::test]
async fn forward_auth_refuses_with_the_policys_message() {
    use crate::proxy_forward::{nginx, protected, sign_in};
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let p = protected(&app, "wiki", json!({})).await;
    let b = app.new_browser();
    sign_in(&app, &b, &p, "alice", "/private").await;
    let original = format!("{}/private", app.address);
    assert_eq!(nginx(&b, &original, &[]).await.status(), 200);

    let wiki = app
        .admin_api(Method::GET, "/core/applications/wiki/", None)
        .await;
    let policy = expression(&app, "finance", FINANCE_ONLY).await;
    bind(&app, &wiki, json!({ "policy": policy["pk"] }), 0).await;
    let res = nginx(&b, &original, &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.text().await.expect("body"), "Finance only, alice.");
}

#[tokio::test]
async fn a_flow_policy_reads_the_client_address_a_trusted_proxy_forwarded() {
    let app = spawn_api().await;
    let flow = app
        .admin_api(
            Method::GET,
            "/flows/instances/default-authentication-flow/",
            None,
        )
        .await;
    let policy = expression(
        &app,
        "no-blocked-network",
        r#"if ip_address(request.http_request.META.get("REMOTE_ADDR")) in ip_network("203.0.113.0/24"):
    ak_message("Not from this network.")
    return False
return True"#,
    )
    .await;
    bind(&app, &flow, json!({ "policy": policy["pk"] }), 0).await;

    let blocked = app.browser_at("203.0.113.9");
    let view = blocked.load_flow("default-authentication-flow", &[]).await;
    let challenge = &view["Found"]["challenge"];
    assert_eq!(challenge["component"], "access_denied", "{view}");
    assert_eq!(
        challenge["message"], "Not from this network.",
        "{challenge}"
    );

    let elsewhere = app.browser_at("198.51.100.7");
    let view = elsewhere
        .load_flow("default-authentication-flow", &[])
        .await;
    assert_eq!(
        view["Found"]["challenge"]["component"], "identification",
        "{view}"
    );
}

#[tokio::test]
async fn a_mapping_test_shows_what_it_returns_for_a_user() {
    let app = spawn_api().await;
    let ana = app.create_user("ana", PW).await;
    group(&app, "finance", None, &[ana]).await;
    let mapping = app
        .admin_api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(json!({
                "name": "Teams", "scope_name": "teams",
                "expression": "ak_logger.info(\"mapping\")\nreturn {\"teams\": [g.name for g in request.user.ak_groups.all()]}"
            })),
        )
        .await;
    let test = format!("/propertymappings/all/{}/test/", pk(&mapping));
    let answer = app
        .admin_api(Method::POST, &test, Some(json!({ "user": ana })))
        .await;
    assert_eq!(answer["successful"], true, "{answer}");
    let result: Value =
        serde_json::from_str(answer["result"].as_str().expect("result")).expect("JSON text");
    assert_eq!(result, json!({ "teams": ["finance"] }));
    assert!(
        answer["log_messages"].to_string().contains("mapping"),
        "{answer}"
    );

    let broken = app
        .admin_api(
            Method::POST,
            "/propertymappings/provider/scope/",
            Some(json!({ "name": "Broken", "scope_name": "broken", "expression": "return {}[\"missing\"]" })),
        )
        .await;
    let answer = app
        .admin_api(
            Method::POST,
            &format!("/propertymappings/all/{}/test/", pk(&broken)),
            Some(json!({ "user": ana })),
        )
        .await;
    assert_eq!(answer["successful"], false, "{answer}");
    assert!(
        answer["result"]
            .as_str()
            .expect("result")
            .contains("KeyError"),
        "{answer}"
    );
}
