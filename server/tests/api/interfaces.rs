use crate::helpers::{ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login_and_back() {
    let app = spawn_app().await;
    for (path, next) in [("/if/user/", "/if/user/"), ("/if/admin/", "/if/admin/")] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 302);
        assert_eq!(
            res.headers()["location"],
            format!("/if/flow/default-authentication-flow/?next={next}").as_str()
        );
    }
    app.setup_admin().await;
    app.logout().await;
    let view = app
        .login_with("akadmin", ADMIN_PASSWORD, &[("next", "/if/admin/")])
        .await;
    assert_eq!(view["challenge"]["to"], "/if/admin/");
    let page = app.get("/if/admin/").await;
    assert_eq!(page.status(), 200);
    // Without the hydration markers (`<!>`) the erased components put after dynamic text.
    let html = page.text().await.expect("html").replace("<!>", "");
    assert!(html.contains(">Dashboard</h1>"), "{html}");
    assert!(html.contains(">Users<"), "admin navigation");
}

#[tokio::test]
async fn non_superusers_get_403_on_admin() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.login("jane", "jane-password-1").await;
    let res = app.get("/if/admin/").await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("You do not have access")
    );
    let denied = app.events("access_denied").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].0, "jane");
    assert_eq!(denied[0].2["path"], "/if/admin/");
    let portal = app.get("/if/user/").await;
    assert_eq!(portal.status(), 200);
    let html = portal.text().await.expect("html");
    assert!(html.contains("Welcome, jane Example"), "{html}");
    assert!(
        !html.contains("admin-link"),
        "no admin link for normal users"
    );
}

#[tokio::test]
async fn unknown_flow_is_a_404_page_and_root_goes_to_the_portal() {
    let app = spawn_app().await;
    let res = app.get("/if/flow/no-such-flow/").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.expect("html").contains("Not found"));
    let root = app.get("/").await;
    assert_eq!(root.headers()["location"], "/if/user/");
}

#[tokio::test]
async fn signed_in_users_skip_the_login_flow() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    app.login("jane", "jane-password-1").await;
    let res = app
        .get("/if/flow/default-authentication-flow/?next=/if/user/%3Fx%3D1")
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/if/user/?x=1");
}
