//! Admin → Customization → Property mappings: superusers only; custom scope mappings created,
//! read back, edited and deleted (audited) with field errors; built-in ones read-only.
use crate::admin_users::admin_app;
use crate::helpers::TestApp;
use serde_json::{Value, json};

const BUILT_IN: &str = "Built-in mappings are kept by Ward and cannot be changed or deleted here.";

fn form(name: &str, scope: &str, claims: &str) -> Value {
    json!({ "name": name, "scope_name": scope, "description": "HR data", "attribute_claims": claims })
}

async fn save(app: &TestApp, id: Option<&str>, form: Value) -> Value {
    app.ok_fn(
        "admin/propertymappings/save",
        json!({ "id": id, "form": form }),
    )
    .await
}

async fn list(app: &TestApp) -> Vec<Value> {
    app.ok_fn("admin/propertymappings/list", json!({}))
        .await
        .as_array()
        .expect("rows")
        .clone()
}

async fn row(app: &TestApp, name: &str) -> Option<Value> {
    list(app).await.into_iter().find(|r| r["name"] == name)
}

async fn stored_config(app: &TestApp, id: &str) -> Value {
    sqlx::query_scalar("select config from property_mappings where id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("config")
}

#[tokio::test]
async fn only_superusers_may_use_the_mapping_functions() {
    let app = admin_app().await;
    let anonymous = app.new_browser();
    let user = app.new_browser();
    app.create_user("jane", "jane-password-1").await;
    user.login("jane", "jane-password-1").await;
    let nobody = "00000000-0000-0000-0000-000000000000";
    let calls = [
        ("admin/propertymappings/list", json!({})),
        (
            "admin/propertymappings/save",
            json!({ "id": null, "form": form("pm-perm", "perm", "") }),
        ),
        ("admin/propertymappings/delete", json!({ "id": nobody })),
    ];
    for (endpoint, body) in &calls {
        let res = anonymous.json_fn(endpoint, body.clone()).await;
        assert_eq!(res.status(), 401, "anonymous {endpoint}");
        let res = user.json_fn(endpoint, body.clone()).await;
        assert_eq!(res.status(), 403, "user {endpoint}");
        let text = res.text().await.expect("body");
        assert!(text.contains("You may not do this."), "{endpoint}: {text}");
    }
    let denied = app.events("access_denied").await;
    assert_eq!(denied.len(), calls.len(), "{denied:?}");
    assert!(denied.iter().all(|(who, _, _)| who == "jane"));
    assert!(row(&app, "pm-perm").await.is_none(), "nothing was created");
    // The page itself: anonymous visitors are sent to sign in.
    let res = anonymous
        .get("/if/admin/customization/property-mappings/")
        .await;
    assert_eq!(res.status(), 302);
}

#[tokio::test]
async fn scope_mappings_are_created_read_back_and_edited_with_field_errors() {
    let app = admin_app().await;
    let saved = save(
        &app,
        None,
        form("HR", "hr", "department\n\n  cost center \r\n"),
    )
    .await;
    let id = saved["Ok"].as_str().expect("saved").to_string();
    let hr = row(&app, "HR").await.expect("listed");
    assert_eq!(
        hr,
        json!({
            "id": id, "name": "HR", "verbose_name": "Scope Mapping", "managed": false, "expression": "",
            "form": { "name": "HR", "scope_name": "hr", "description": "HR data", "attribute_claims": "department\ncost center", "expression": "" }
        })
    );
    assert_eq!(
        stored_config(&app, &id).await["attribute_claims"],
        json!(["department", "cost center"])
    );
    let created = app.events("model_created").await;
    assert!(
        created.iter().any(|(who, _, ctx)| who == "akadmin"
            && ctx["model"]["pk"] == json!(id)
            && ctx["model"]["model_name"] == "propertymapping"),
        "{created:?}"
    );

    // Field errors from the type's checks, beside their fields; nothing saved.
    let bad = save(&app, None, form("Bad", "has space", "")).await;
    assert_eq!(
        bad,
        json!({ "Invalid": { "scope_name": "1 to 255 characters, without spaces." } })
    );
    let bad = save(&app, None, form("Bad", "bad", "department\nsub")).await;
    assert_eq!(
        bad["Invalid"]["attribute_claims"],
        "sub is a claim Ward sets itself; it cannot come from attributes.",
        "{bad}"
    );
    let bad = save(&app, None, form("HR", "hr2", "")).await;
    assert_eq!(
        bad["Invalid"]["name"], "A property mapping with this name already exists.",
        "{bad}"
    );
    let bad = save(&app, None, form(" ", "x", "")).await;
    assert!(bad["Invalid"]["name"].is_string(), "{bad}");
    assert!(row(&app, "Bad").await.is_none());

    // Edited: the changes are stored and audited; an invalid edit changes nothing.
    let mut edited = form("HR data", "hr", "department\nlocale");
    edited["description"] = json!("Your HR record");
    let saved = save(&app, Some(&id), edited).await;
    assert_eq!(saved, json!({ "Ok": id }));
    let hr = row(&app, "HR data").await.expect("renamed");
    assert_eq!(hr["form"]["attribute_claims"], "department\nlocale");
    assert_eq!(hr["form"]["description"], "Your HR record");
    let updated = app.events("model_updated").await;
    let diff = &updated
        .iter()
        .find(|(_, _, ctx)| ctx["model"]["pk"] == json!(id))
        .expect("update audited")
        .2["diff"];
    assert_eq!(diff["name"], json!({ "old": "HR", "new": "HR data" }));
    let bad = save(&app, Some(&id), form("HR data", "h r", "")).await;
    assert!(bad["Invalid"]["scope_name"].is_string(), "{bad}");
    assert_eq!(
        row(&app, "HR data").await.expect("kept")["form"]["scope_name"],
        "hr"
    );
    // An unknown id is not found.
    let res = app
        .json_fn(
            "admin/propertymappings/save",
            json!({ "id": "00000000-0000-0000-0000-000000000000", "form": form("X", "x", "") }),
        )
        .await;
    assert_eq!(res.status(), 404);

    // The page lists it with the form, the expression editor and the navigation link.
    let html = app
        .html(&app.url("/if/admin/customization/property-mappings/"))
        .await
        .replace("<!>", "");
    for needle in [
        r#"data-mapping="HR data""#,
        "scope hr",
        "claims: department, locale",
        r#"id="mapping-name""#,
        r#"id="mapping-scope_name""#,
        r#"id="mapping-description""#,
        r#"id="mapping-attribute_claims""#,
        r#"id="mapping-expression""#,
        r#"id="mapping-save""#,
        "Built-in mappings are kept by Ward",
        r#"href="/if/admin/customization/property-mappings/""#,
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
}

#[tokio::test]
async fn built_in_mappings_cannot_be_edited_or_deleted_here() {
    let app = admin_app().await;
    let rows = list(&app).await;
    let email = rows
        .iter()
        .find(|r| r["form"]["scope_name"] == "email")
        .expect("the built-in email mapping");
    assert_eq!(email["managed"], true);
    assert!(
        email["expression"]
            .as_str()
            .expect("expression")
            .contains("request.user.email"),
        "{email}"
    );
    let id = email["id"].as_str().expect("id");
    let before = stored_config(&app, id).await;

    let res = app
        .json_fn(
            "admin/propertymappings/save",
            json!({ "id": id, "form": form("Mine now", "email", "department") }),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text().await.expect("body").contains(BUILT_IN),
        "save refused"
    );
    let res = app
        .json_fn("admin/propertymappings/delete", json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text().await.expect("body").contains(BUILT_IN),
        "delete refused"
    );

    assert_eq!(stored_config(&app, id).await, before);
    let after = row(&app, email["name"].as_str().expect("name")).await;
    assert_eq!(after.as_ref(), Some(email), "unchanged");
    for action in ["model_updated", "model_deleted"] {
        let events = app.events(action).await;
        assert!(
            events
                .iter()
                .all(|(_, _, ctx)| ctx["model"]["pk"] != json!(id)),
            "{action}: {events:?}"
        );
    }
    // The page shows it without Edit or Delete.
    let html = app
        .html(&app.url("/if/admin/customization/property-mappings/"))
        .await
        .replace("<!>", "");
    let item = html
        .split("<li ")
        .find(|item| item.contains("scope email"))
        .unwrap_or_else(|| panic!("the email mapping listed: {html}"));
    let item = &item[..item.find("</li>").expect("end of item")];
    assert!(
        item.contains("built in") && item.contains("request.user.email"),
        "{item}"
    );
    assert!(
        !item.contains(">Edit<") && !item.contains(">Delete<"),
        "{item}"
    );
}

#[tokio::test]
async fn deleting_a_mapping_is_audited() {
    let app = admin_app().await;
    let saved = save(&app, None, form("Gone", "gone", "")).await;
    let id = saved["Ok"].as_str().expect("saved").to_string();
    let res = app
        .ok_fn("admin/propertymappings/delete", json!({ "id": id }))
        .await;
    assert_eq!(res, Value::Null);
    assert!(row(&app, "Gone").await.is_none());
    let deleted = app.events("model_deleted").await;
    assert_eq!(
        deleted
            .iter()
            .filter(|(who, _, ctx)| who == "akadmin"
                && ctx["model"]["pk"] == json!(id)
                && ctx["model"]["name"] == "Gone")
            .count(),
        1,
        "{deleted:?}"
    );
    // Once only.
    let res = app
        .json_fn("admin/propertymappings/delete", json!({ "id": id }))
        .await;
    assert_eq!(res.status(), 404);
    let res = app
        .json_fn(
            "admin/propertymappings/delete",
            json!({ "id": "not-a-uuid" }),
        )
        .await;
    assert_eq!(res.status(), 404);
}
