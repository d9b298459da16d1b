//! Admin → System → Blueprints: the instances Ward applies from its data dir, and "apply now".
use crate::helpers::{ADMIN_PASSWORD, ADMIN_TOKEN, TestApp};
use serde_json::{Value, json};

const TEAM: &str = r#"
version: 1
metadata:
  name: bp-test
entries:
  - model: authentik_core.group
    identifiers: { name: bp-group }
    attrs: { attributes: { floor: 3 } }
"#;

pub const NOBODY: &str = "00000000-0000-0000-0000-000000000000";

/// A Ward installed with an admin token whose data dir holds `team.yaml`; the watch is off, so
/// only start and "apply now" apply it. Returns the file.
pub async fn spawn_with_blueprint() -> (TestApp, std::path::PathBuf) {
    let mut cfg = crate::helpers::test_config().await;
    let file = cfg.data_dir.join("blueprints").join("team.yaml");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");
    std::fs::write(&file, TEAM).expect("write");
    cfg.blueprints_watch = None;
    cfg.bootstrap_password = Some(ADMIN_PASSWORD.into());
    cfg.bootstrap_email = Some("admin@example.com".into());
    cfg.bootstrap_token = Some(ADMIN_TOKEN.into());
    (crate::helpers::spawn_with(cfg).await, file)
}

pub async fn floor(app: &TestApp) -> Value {
    sqlx::query_scalar("select attributes->'floor' from groups where name = 'bp-group'")
        .fetch_one(&app.pool)
        .await
        .expect("group")
}

pub async fn change_floor(app: &TestApp) {
    sqlx::query("update groups set attributes = '{\"floor\": 9}' where name = 'bp-group'")
        .execute(&app.pool)
        .await
        .expect("update");
    assert_eq!(floor(app).await, json!(9));
}

#[tokio::test]
async fn the_page_lists_instances_and_apply_now_restores_their_objects() {
    let (app, file) = spawn_with_blueprint().await;
    app.login("akadmin", ADMIN_PASSWORD).await;
    let rows = app.ok_fn("admin/blueprints", json!({})).await;
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["name"], "bp-test");
    assert_eq!(row["path"], file.to_string_lossy().as_ref());
    assert_eq!(row["status"], "successful");
    assert_eq!(row["error"], "");
    let first = row["last_applied"].as_str().expect("time").to_string();
    let id = row["id"].as_str().expect("id").to_string();
    // Without the hydration markers (`<!>`) the erased components put after dynamic text.
    let html = app
        .html(&app.url("/if/admin/system/blueprints/"))
        .await
        .replace("<!>", "");
    assert!(html.contains(r#"data-blueprint="bp-test""#), "{html}");
    assert!(html.contains(">successful</span>") && html.contains(">Apply now</button>"));
    assert!(
        html.contains(r#"href="/if/admin/system/blueprints/""#),
        "in the navigation"
    );

    // Applied again although the file did not change: the object is back.
    change_floor(&app).await;
    let applied = app
        .ok_fn("admin/blueprints/apply", json!({ "id": id }))
        .await;
    assert_eq!(applied["updated"], 1, "{applied}");
    assert_eq!(
        (applied["created"].clone(), applied["deleted"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(applied["row"]["status"], "successful");
    let at = |v: &Value| {
        time::OffsetDateTime::parse(
            v.as_str().expect("time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
    };
    assert!(at(&applied["row"]["last_applied"]) > at(&json!(first)));
    assert_eq!(floor(&app).await, json!(3));
    let events = app.events("model_updated").await;
    let (who, _, context) = events
        .iter()
        .find(|(_, _, c)| c["model"]["model_name"] == "blueprintinstance")
        .expect("an event for the apply");
    assert_eq!(who, "akadmin");
    assert_eq!(context["model"]["pk"], id.as_str());
    assert!(context["diff"]["last_applied"].is_object(), "{context}");
    // The group's change is the admin's too.
    assert!(
        events
            .iter()
            .any(|(who, _, c)| who == "akadmin" && c["model"]["name"] == "bp-group")
    );

    // A broken file is recorded as failed: an answer, not an error.
    std::fs::write(&file, "version: 1\nentries: nope\n").expect("write");
    let failed = app
        .ok_fn("admin/blueprints/apply", json!({ "id": id }))
        .await;
    assert_eq!(failed["row"]["status"], "error");
    assert!(
        failed["row"]["error"]
            .as_str()
            .expect("error")
            .contains("entries"),
        "{failed}"
    );
    let rows = app.ok_fn("admin/blueprints", json!({})).await;
    assert_eq!(rows[0]["status"], "error");

    // Unknown and malformed ids name nothing; a file that left the directory is not read.
    for id in [NOBODY, "not-a-uuid"] {
        let res = app
            .json_fn("admin/blueprints/apply", json!({ "id": id }))
            .await;
        assert_eq!(res.status(), 404, "{id}");
    }
    std::fs::remove_file(&file).expect("remove");
    let res = app
        .json_fn("admin/blueprints/apply", json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("no longer a blueprint file")
    );
}
