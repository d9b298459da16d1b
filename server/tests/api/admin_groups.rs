use crate::admin_users::admin_app;
use serde_json::json;

async fn save(
    app: &crate::helpers::TestApp,
    id: &str,
    form: serde_json::Value,
) -> serde_json::Value {
    app.ok_fn("admin/groups/save", json!({ "id": id, "form": form }))
        .await
}

#[tokio::test]
async fn group_tree_refuses_cycles() {
    let app = admin_app().await;
    let a = save(&app, "", json!({ "name": "a" })).await["Ok"]
        .as_str()
        .expect("a")
        .to_string();
    let b = save(&app, "", json!({ "name": "b", "parent": a })).await["Ok"]
        .as_str()
        .expect("b")
        .to_string();
    let c = save(&app, "", json!({ "name": "c", "parent": b })).await["Ok"]
        .as_str()
        .expect("c")
        .to_string();
    let cycle = save(&app, &a, json!({ "name": "a", "parent": c })).await;
    assert_eq!(
        cycle,
        json!({ "Invalid": { "parent": "A group cannot be inside itself: this parent would make a cycle." } })
    );
    let own = save(&app, &a, json!({ "name": "a", "parent": a })).await;
    assert!(own["Invalid"]["parent"].is_string());
    let dup = save(&app, "", json!({ "name": "A" })).await;
    assert_eq!(
        dup,
        json!({ "Invalid": { "name": "A group with this name already exists." } })
    );
    let bad = save(&app, "", json!({ "name": "d", "attributes": "nope" })).await;
    assert!(
        bad["Invalid"]["attributes"]
            .as_str()
            .expect("msg")
            .starts_with("Invalid JSON")
    );
    let list = app.ok_fn("admin/groups/list", json!({})).await;
    let c_row = list
        .as_array()
        .expect("rows")
        .iter()
        .find(|g| g["name"] == "c")
        .expect("c")
        .clone();
    assert_eq!(c_row["parent_name"], "b");
}

#[tokio::test]
async fn superuser_is_inherited_from_parent_groups_and_members_change() {
    let app = admin_app().await;
    let jane = app.create_user("jane", "jane-password-1").await.to_string();
    let top = save(&app, "", json!({ "name": "ops", "is_superuser": true })).await["Ok"]
        .as_str()
        .expect("id")
        .to_string();
    let child = save(&app, "", json!({ "name": "ops-juniors", "parent": top })).await["Ok"]
        .as_str()
        .expect("id")
        .to_string();
    app.ok_fn(
        "admin/groups/set-member",
        json!({ "group": child, "user": jane, "add": true }),
    )
    .await;
    let detail = app.ok_fn("admin/users/detail", json!({ "id": jane })).await;
    assert_eq!(detail["is_superuser"], true, "through the parent group");
    let members = app
        .ok_fn("admin/groups/members", json!({ "id": child }))
        .await;
    assert_eq!(members[0]["username"], "jane");
    app.ok_fn(
        "admin/groups/set-member",
        json!({ "group": child, "user": jane, "add": false }),
    )
    .await;
    let detail = app.ok_fn("admin/users/detail", json!({ "id": jane })).await;
    assert_eq!(detail["is_superuser"], false);
    let updates = app.events("model_updated").await;
    assert_eq!(updates[0].2["diff"]["members"], json!({ "added": "jane" }));
    assert_eq!(
        updates[1].2["diff"]["members"],
        json!({ "removed": "jane" })
    );
    app.ok_fn("admin/groups/delete", json!({ "id": top })).await;
    let list = app.ok_fn("admin/groups/list", json!({})).await;
    let juniors = list
        .as_array()
        .expect("rows")
        .iter()
        .find(|g| g["name"] == "ops-juniors")
        .expect("row")
        .clone();
    assert_eq!(juniors["parent_id"], "", "children move to the top level");
}
