//! The flow page without JavaScript: server-rendered HTML and plain form posts.
use crate::helpers::spawn_app;

#[tokio::test]
async fn password_login_works_with_plain_form_posts() {
    let app = spawn_app().await;
    app.create_user("jane", "jane-password-1").await;
    let page_url = app.url("/if/flow/default-authentication-flow/?next=%2Fif%2Fuser%2F");
    let page = app.client.get(&page_url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains(r#"action="/-/fn/flow/submit""#), "{html}");
    assert!(html.contains(r#"name="fields[uid_field]""#));

    let post = |fields: Vec<(&'static str, &'static str)>| {
        let client = app.client.clone();
        let url = app.url("/-/fn/flow/submit");
        let referer = page_url.clone();
        let origin = app.address.clone();
        async move {
            client
                .post(url)
                .header("Accept", "text/html")
                .header("Referer", referer)
                .header("Origin", origin)
                .form(&fields)
                .send()
                .await
                .expect("post")
        }
    };
    let res = post(vec![
        ("slug", "default-authentication-flow"),
        ("fields[uid_field]", "jane"),
    ])
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        page_url.as_str(),
        "back to the page"
    );
    let html = app.html(&page_url).await;
    assert!(
        html.contains(r#"name="fields[password]""#),
        "password stage rendered: {html}"
    );

    let res = post(vec![
        ("slug", "default-authentication-flow"),
        ("fields[password]", "wrong"),
    ])
    .await;
    assert_eq!(res.status(), 302);
    let html = app.html(&page_url).await;
    assert!(
        html.contains(r#"id="error-password""#) && html.contains("Invalid username or password."),
        "{html}"
    );

    let res = post(vec![
        ("slug", "default-authentication-flow"),
        ("fields[password]", "jane-password-1"),
    ])
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/if/user/");
    assert_eq!(app.get("/if/user/").await.status(), 200);
}
