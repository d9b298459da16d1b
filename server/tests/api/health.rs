use crate::helpers::spawn_app;

#[tokio::test]
async fn health_endpoints_answer() {
    let app = spawn_app().await;
    let live = app.get("/-/health/live/").await;
    assert_eq!(live.status(), 200);
    assert_eq!(
        live.json::<serde_json::Value>().await.expect("json")["status"],
        "live"
    );
    let ready = app.get("/-/health/ready/").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.expect("json")["status"],
        "ready"
    );
    app.pool.close().await;
    let down = app.get("/-/health/ready/").await;
    assert_eq!(down.status(), 503);
}
