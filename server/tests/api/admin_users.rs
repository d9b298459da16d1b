use crate::helpers::{ADMIN_PASSWORD, TestApp, spawn_app};
use serde_json::{Value, json};

/// Every admin server fn with a harmless body.
pub fn admin_calls() -> Vec<(&'static str, Value)> {
    let nobody = "00000000-0000-0000-0000-000000000000";
    vec![
        ("admin/users/list", json!({ "query": {} })),
        ("admin/users/detail", json!({ "id": nobody })),
        (
            "admin/users/create",
            json!({ "form": { "username": "x1" }, "service_account": false }),
        ),
        (
            "admin/users/update",
            json!({ "id": nobody, "form": { "username": "x1" } }),
        ),
        ("admin/users/delete", json!({ "id": nobody })),
        (
            "admin/users/set-password",
            json!({ "id": nobody, "password": "long enough pw" }),
        ),
        ("admin/users/recovery-link", json!({ "id": nobody })),
        ("admin/users/mfa", json!({ "user": nobody })),
        (
            "admin/users/mfa/remove",
            json!({ "user": nobody, "id": null }),
        ),
        ("admin/users/consents", json!({ "user": nobody })),
        (
            "admin/users/consents/revoke",
            json!({ "user": nobody, "id": nobody }),
        ),
        ("admin/providers/list", json!({})),
        ("admin/providers/choices", json!({})),
        (
            "admin/providers/save",
            json!({ "id": null, "form": { "name": "p-perm", "client_type": "public", "client_id": "", "redirect_uris": "", "authorization_flow": "", "signing_key": "", "grant_types": [], "sub_mode": "hashed_user_id", "include_claims_in_id_token": true } }),
        ),
        (
            "admin/providers/save-proxy",
            json!({ "id": nobody, "form": { "name": "p-perm", "mode": "proxy", "external_host": "", "internal_host": "", "internal_host_ssl_validation": true, "cookie_domain": "", "authorization_flow": "", "skip_path_regex": "", "intercept_header_auth": true, "basic_auth_enabled": false, "basic_auth_user_attribute": "", "basic_auth_password_attribute": "", "access_token_validity": "hours=1" } }),
        ),
        ("admin/providers/secret", json!({ "id": nobody })),
        ("admin/providers/delete", json!({ "id": nobody })),
        ("admin/providers/snippets", json!({ "id": nobody })),
        ("admin/outposts/list", json!({})),
        ("admin/outposts/choices", json!({})),
        (
            "admin/outposts/save",
            json!({ "id": null, "form": { "name": "", "kind": "proxy", "providers": [], "config": "{}" } }),
        ),
        ("admin/outposts/delete", json!({ "id": nobody })),
        ("admin/outposts/deployment", json!({ "id": nobody })),
        ("admin/outposts/token", json!({ "id": nobody })),
        ("admin/propertymappings/list", json!({})),
        (
            "admin/propertymappings/save",
            json!({ "id": null, "form": { "name": "pm-perm", "scope_name": "perm" } }),
        ),
        ("admin/propertymappings/delete", json!({ "id": nobody })),
        ("admin/policies/list", json!({})),
        (
            "admin/policies/save-expression",
            json!({ "id": null, "form": { "name": "perm", "expression": "return True" } }),
        ),
        ("admin/policies/delete", json!({ "id": nobody })),
        (
            "admin/policies/test",
            json!({ "id": nobody, "username": "akadmin", "ip": "" }),
        ),
        ("admin/groups/options", json!({})),
        ("admin/groups/list", json!({})),
        (
            "admin/groups/save",
            json!({ "id": "", "form": { "name": "g-perm" } }),
        ),
        ("admin/groups/delete", json!({ "id": nobody })),
        ("admin/groups/members", json!({ "id": nobody })),
        (
            "admin/groups/set-member",
            json!({ "group": nobody, "user": nobody, "add": true }),
        ),
        ("admin/sessions/list", json!({})),
        ("admin/sessions/revoke", json!({ "id": nobody })),
        ("admin/events/list", json!({ "query": {} })),
        ("admin/tokens/list", json!({})),
        (
            "admin/tokens/create",
            json!({ "form": { "identifier": "t1", "username": "akadmin", "intent": "api" } }),
        ),
        ("admin/tokens/delete", json!({ "id": nobody })),
        ("admin/dashboard", json!({})),
        ("admin/settings", json!({})),
        (
            "admin/settings/save",
            json!({ "settings": {
                "avatars": "initials", "allow_change_username": false, "allow_change_name": true,
                "allow_change_email": true, "event_retention_days": 365,
                "default_token_length": 60, "default_token_duration_minutes": 30 } }),
        ),
        ("admin/blueprints", json!({})),
        ("admin/blueprints/apply", json!({ "id": nobody })),
        ("admin/tasks", json!({})),
        ("admin/tasks/run", json!({ "kind": "expired_cleanup" })),
        ("admin/certs/list", json!({})),
        (
            "admin/certs/generate",
            json!({ "form": { "name": "perm-cert", "algorithm": "ec_p256",
                "common_name": "perm.example.com", "sans": "", "validity_days": 1 } }),
        ),
        (
            "admin/certs/import",
            json!({ "form": { "name": "perm-import", "certificate": "", "key": "" } }),
        ),
        ("admin/certs/delete", json!({ "id": nobody })),
        ("admin/email", json!({})),
        ("admin/email/test", json!({ "to": "someone@example.com" })),
        ("admin/brands/list", json!({})),
        (
            "admin/brands/save",
            json!({ "id": "", "form": { "domain": "perm.example" } }),
        ),
        ("admin/brands/delete", json!({ "id": nobody })),
        (
            "admin/brands/upload",
            json!({ "brand_id": nobody, "slot": "logo", "filename": "x.png", "data_base64": "" }),
        ),
    ]
}

/// The table above must name every admin server function there is.
#[test]
fn every_admin_function_is_in_the_permission_table() {
    let listed: std::collections::BTreeSet<String> = admin_calls()
        .into_iter()
        .map(|(e, _)| format!("/-/fn/{e}"))
        .collect();
    let registered: std::collections::BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .filter(|p| p.starts_with("/-/fn/admin/"))
        .collect();
    assert!(registered.len() >= 20, "{registered:?}");
    assert_eq!(listed, registered);
}

pub async fn admin_app() -> TestApp {
    let app = spawn_app().await;
    app.setup_admin().await;
    app
}

#[tokio::test]
async fn admin_functions_check_permissions_first() {
    let app = admin_app().await;
    let anonymous = app.new_browser();
    let user = app.new_browser();
    app.create_user("jane", "jane-password-1").await;
    user.login("jane", "jane-password-1").await;
    for (endpoint, body) in admin_calls() {
        let res = anonymous.json_fn(endpoint, body.clone()).await;
        assert_eq!(res.status(), 401, "anonymous {endpoint}");
        let res = user.json_fn(endpoint, body.clone()).await;
        assert_eq!(res.status(), 403, "user {endpoint}");
        assert!(
            res.text()
                .await
                .expect("body")
                .contains("You may not do this.")
        );
        let res = app.json_fn(endpoint, body).await;
        assert!(
            [200, 404].contains(&res.status().as_u16()),
            "admin {endpoint}: {}",
            res.status()
        );
    }
    let denied = app.events("access_denied").await;
    assert_eq!(denied.len(), admin_calls().len());
    assert!(denied.iter().all(|(who, _, _)| who == "jane"));
    // Nothing was created by the refused calls.
    let n: i64 = sqlx::query_scalar("select count(*) from users where username = 'x1'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(n, 1, "only the admin's call created x1");
}

#[tokio::test]
async fn create_validates_and_reports_field_errors() {
    let app = admin_app().await;
    let answer = app
        .ok_fn(
            "admin/users/create",
            json!({ "form": { "username": "AKADMIN", "email": "ADMIN@example.com", "attributes": "" }, "service_account": false }),
        )
        .await;
    assert_eq!(
        answer,
        json!({ "Invalid": { "username": "This username is already taken." } })
    );
    let answer = app
        .ok_fn("admin/users/create", json!({ "form": { "username": "bob", "email": "ADMIN@example.com" }, "service_account": false }))
        .await;
    assert_eq!(
        answer,
        json!({ "Invalid": { "email": "This email address is already in use." } })
    );
    let answer = app
        .ok_fn("admin/users/create", json!({ "form": { "username": "bob", "attributes": "{not json" }, "service_account": false }))
        .await;
    assert!(
        answer["Invalid"]["attributes"]
            .as_str()
            .expect("msg")
            .starts_with("Invalid JSON")
    );
    let answer = app
        .ok_fn("admin/users/create", json!({ "form": { "username": "bob", "attributes": "[1, 2]" }, "service_account": false }))
        .await;
    assert_eq!(
        answer["Invalid"]["attributes"],
        "Attributes must be a JSON object, like {\"key\": \"value\"}."
    );
}

#[tokio::test]
async fn create_edit_password_and_delete_a_user() {
    let app = admin_app().await;
    let groups = app.ok_fn("admin/groups/options", json!({})).await;
    let admins = groups[0]["id"].as_str().expect("group").to_string();
    let created = app
        .ok_fn(
            "admin/users/create",
            json!({ "form": { "username": "bob", "name": "Bob", "email": "bob@example.com", "is_active": true,
                              "attributes": "{\"team\": \"ops\"}", "groups": [] }, "service_account": false }),
        )
        .await;
    let id = created["Ok"].as_str().expect("id").to_string();
    let saved = app
        .ok_fn(
            "admin/users/update",
            json!({ "id": id, "form": { "username": "bob", "name": "Robert", "email": "bob@example.com", "is_active": true,
                                        "attributes": "{\"team\": \"ops\"}", "groups": [admins] } }),
        )
        .await;
    assert_eq!(saved, json!({ "Ok": null }));
    let detail = app.ok_fn("admin/users/detail", json!({ "id": id })).await;
    assert_eq!(detail["row"]["name"], "Robert");
    assert_eq!(detail["is_superuser"], true);
    assert_eq!(detail["groups"][0]["name"], "authentik Admins");

    let weak = app
        .ok_fn(
            "admin/users/set-password",
            json!({ "id": id, "password": "short" }),
        )
        .await;
    assert_eq!(
        weak,
        json!({ "Invalid": { "password": "Use at least 8 characters." } })
    );
    app.ok_fn(
        "admin/users/set-password",
        json!({ "id": id, "password": "bob-password-1" }),
    )
    .await;
    let bob = app.new_browser();
    assert_eq!(
        bob.login("bob", "bob-password-1").await["challenge"]["component"],
        "redirect"
    );

    let updates = app.events("model_updated").await;
    let diff = &updates[0].2["diff"];
    assert_eq!(diff["name"], json!({ "old": "Bob", "new": "Robert" }));
    assert!(
        diff.get("username").is_none(),
        "unchanged fields are not in the diff"
    );
    let pw_event = updates[1].2.to_string();
    assert!(
        !pw_event.contains("bob-password-1") && !pw_event.contains("argon2"),
        "{pw_event}"
    );

    let me = app.ok_fn("me", json!(null)).await;
    assert_eq!(me["username"], "akadmin");
    let res = app.json_fn("admin/users/delete", json!({ "id": id })).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.json_fn("admin/users/detail", json!({ "id": id }))
            .await
            .status(),
        404
    );
    assert_eq!(app.events("model_deleted").await.len(), 1);
    let _ = ADMIN_PASSWORD;
}

#[tokio::test]
async fn list_searches_sorts_and_pages() {
    let app = admin_app().await;
    sqlx::query("insert into users (id, username, name) select gen_random_uuid(), 'user' || lpad(i::text, 2, '0'), 'U' from generate_series(0, 59) i")
        .execute(&app.pool)
        .await
        .expect("users");
    let page = app
        .ok_fn("admin/users/list", json!({ "query": { "search": "user" } }))
        .await;
    assert_eq!(page["total"], 60);
    assert_eq!(page["rows"].as_array().expect("rows").len(), 50);
    assert_eq!(page["rows"][0]["username"], "user00");
    let second = app
        .ok_fn(
            "admin/users/list",
            json!({ "query": { "search": "user", "page": 1 } }),
        )
        .await;
    assert_eq!(second["rows"].as_array().expect("rows").len(), 10);
    let desc = app
        .ok_fn(
            "admin/users/list",
            json!({ "query": { "search": "USER5", "sort": "username", "descending": true } }),
        )
        .await;
    assert_eq!(desc["total"], 10);
    assert_eq!(desc["rows"][0]["username"], "user59");
    let literal = app
        .ok_fn("admin/users/list", json!({ "query": { "search": "%" } }))
        .await;
    assert_eq!(literal["total"], 0, "% is searched literally");
}

#[tokio::test]
async fn admins_cannot_delete_or_deactivate_themselves() {
    let app = admin_app().await;
    let id: uuid::Uuid = sqlx::query_scalar("select id from users where username = 'akadmin'")
        .fetch_one(&app.pool)
        .await
        .expect("id");
    let res = app.json_fn("admin/users/delete", json!({ "id": id })).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("You cannot delete yourself.")
    );
    let saved = app
        .ok_fn("admin/users/update", json!({ "id": id, "form": { "username": "akadmin", "email": "admin@example.com", "is_active": false } }))
        .await;
    assert_eq!(
        saved,
        json!({ "Invalid": { "is_active": "You cannot deactivate yourself." } })
    );
}

#[tokio::test]
async fn recovery_link_from_admin() {
    let app = admin_app().await;
    let id = app.create_user("jane", "jane-password-1").await;
    let link: String = serde_json::from_value(
        app.ok_fn("admin/users/recovery-link", json!({ "id": id }))
            .await,
    )
    .expect("link");
    assert!(
        link.starts_with(&format!("{}/if/flow/recovery/?token=", app.address)),
        "{link}"
    );
    let token = link.rsplit_once("token=").expect("token").1;
    let jane = app.new_browser();
    let view = jane.load_flow("recovery", &[("token", token)]).await;
    assert_eq!(view["Found"]["challenge"]["component"], "redirect");
    let created = app.events("model_created").await;
    assert!(
        !created.iter().any(|e| e.2.to_string().contains(token)),
        "the key is never logged"
    );
    // A brand that names its own recovery flow gets links through it.
    sqlx::query("update brands set flow_recovery = 'brand-recovery' where is_default")
        .execute(&app.pool)
        .await
        .expect("brand");
    app.caches.clear();
    let link: String = serde_json::from_value(
        app.ok_fn("admin/users/recovery-link", json!({ "id": id }))
            .await,
    )
    .expect("link");
    assert!(link.contains("/if/flow/brand-recovery/?token="), "{link}");
}

/// A narrow search sorts its matches itself, the full list walks an index: same order.
#[tokio::test]
async fn both_list_plans_sort_alike() {
    let app = admin_app().await;
    sqlx::query(
        "insert into users (id, username, name, email, last_login)
         select gen_random_uuid(),
                (array['Zed', 'alice', 'Bob', 'bob2', 'ALAN'])[1 + i % 5] || '-' || i,
                (array['b', 'A', 'a', 'C'])[1 + i % 4],
                case when i % 3 = 0 then null else 'M' || i || '@example.com' end,
                case when i % 4 = 0 then null else now() - (i || ' hours')::interval end
           from generate_series(0, 29) i",
    )
    .execute(&app.pool)
    .await
    .expect("users");
    for sort in ["username", "name", "email", "last_login"] {
        for descending in [false, true] {
            let names = |page: serde_json::Value| -> Vec<String> {
                page["rows"]
                    .as_array()
                    .expect("rows")
                    .iter()
                    .map(|r| r["username"].as_str().expect("username").to_owned())
                    .filter(|u| u != "akadmin")
                    .collect()
            };
            let all = names(
                app.ok_fn(
                    "admin/users/list",
                    json!({ "query": { "sort": sort, "descending": descending } }),
                )
                .await,
            );
            let narrow = names(
                app.ok_fn(
                    "admin/users/list",
                    json!({ "query": { "search": "-", "sort": sort, "descending": descending } }),
                )
                .await,
            );
            assert_eq!(all.len(), 30);
            assert_eq!(all, narrow, "sort {sort} descending {descending}");
        }
    }
}

/// More matches than the cap: the count stops at the cap and the page comes from the index.
#[tokio::test]
async fn broad_searches_are_capped_and_still_sorted() {
    let app = admin_app().await;
    sqlx::query("insert into users (id, username, name) select gen_random_uuid(), 'cap' || lpad(i::text, 5, '0'), 'C' from generate_series(0, 20049) i")
        .execute(&app.pool)
        .await
        .expect("users");
    let page = app
        .ok_fn(
            "admin/users/list",
            json!({ "query": { "search": "cap", "sort": "username", "descending": true, "page": 1 } }),
        )
        .await;
    assert_eq!(page["total"], 20_000);
    assert_eq!(page["total_is_capped"], true);
    assert_eq!(page["rows"][0]["username"], "cap19999");
    let narrow = app
        .ok_fn(
            "admin/users/list",
            json!({ "query": { "search": "cap1999", "descending": true } }),
        )
        .await;
    assert_eq!(narrow["total"], 10);
    assert_eq!(narrow["total_is_capped"], false);
    assert_eq!(narrow["rows"][0]["username"], "cap19999");
}
