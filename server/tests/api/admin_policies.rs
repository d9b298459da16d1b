//! Admin → Customization → Policies: expression policies saved from the code editor (a
//! compile error beside the field, naming its line), listed with their bindings, tested for
//! chosen users and addresses, and deleted (audited).
use crate::admin_users::admin_app;
use serde_json::{Value, json};

const SOURCE: &str = "if request.user.username == \"ana\":\n    return True\nak_message(\"Only Ana.\")\nreturn False";

#[tokio::test]
async fn expression_policies_are_written_tested_and_deleted_from_the_screen() {
    let app = admin_app().await;
    app.create_user("ana", "ana password 123").await;
    app.create_user("ben", "ben password 123").await;

    let broken = app
        .ok_fn(
            "admin/policies/save-expression",
            json!({ "id": null, "form": { "name": "only-ana", "expression": "x = 1\nif x\n    return True" } }),
        )
        .await;
    let message = broken["Invalid"]["expression"].as_str().unwrap_or_default();
    assert!(message.starts_with("Line 2, column "), "{broken}");

    let saved = app
        .ok_fn(
            "admin/policies/save-expression",
            json!({ "id": null, "form": { "name": "only-ana", "expression": SOURCE } }),
        )
        .await;
    let id = saved["Ok"].as_str().expect("saved").to_string();
    let rows = app.ok_fn("admin/policies/list", json!({})).await;
    let row = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["name"] == "only-ana")
        .expect("listed")
        .clone();
    assert_eq!(
        row,
        json!({ "id": id, "name": "only-ana", "verbose_name": "Expression Policy", "bound_to": 0,
                "expression": { "name": "only-ana", "expression": SOURCE, "execution_logging": false } })
    );

    let test = |username: &str, ip: &str| json!({ "id": id, "username": username, "ip": ip });
    let ana = app.ok_fn("admin/policies/test", test("ana", "")).await;
    assert_eq!(ana["Ok"]["passing"], true, "{ana}");
    let ben = app
        .ok_fn("admin/policies/test", test("ben", "192.0.2.1"))
        .await;
    assert_eq!(
        ben["Ok"],
        json!({ "passing": false, "messages": ["Only Ana."], "log_messages": [] })
    );
    let nobody = app.ok_fn("admin/policies/test", test("nobody", "")).await;
    assert!(nobody["Invalid"]["username"].is_string(), "{nobody}");
    let bad_ip = app
        .ok_fn("admin/policies/test", test("ana", "10.0.0"))
        .await;
    assert!(bad_ip["Invalid"]["ip"].is_string(), "{bad_ip}");

    let html = app
        .html(&app.url("/if/admin/customization/policies/"))
        .await
        .replace("<!>", "");
    for needle in [
        r#"data-policy="only-ana""#,
        "Expression Policy",
        r#"id="policy-name""#,
        r#"id="policy-expression""#,
        r#"id="policy-save""#,
        "ak_is_group_member",
        r#"href="/if/admin/customization/policies/""#,
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }

    app.ok_fn("admin/policies/delete", json!({ "id": id }))
        .await;
    let rows: Value = app.ok_fn("admin/policies/list", json!({})).await;
    assert!(!rows.to_string().contains("only-ana"), "deleted: {rows}");
    let deleted = app.events("model_deleted").await;
    assert!(
        deleted
            .iter()
            .any(|(who, _, c)| who == "akadmin" && c.to_string().contains("only-ana")),
        "{deleted:?}"
    );
}
