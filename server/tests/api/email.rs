use crate::admin_users::admin_app;
use crate::helpers::{TestApp, spawn_with, test_config};
use crate::smtp_sink::SmtpSink;
use app::ssr::jobs::Worker;
use serde_json::json;
use std::sync::Arc;

/// An app whose email goes to `sink`, with initial setup done.
pub async fn app_with_sink(sink: &SmtpSink) -> TestApp {
    let mut cfg = test_config().await;
    cfg.email.host = "127.0.0.1".into();
    cfg.email.port = sink.port;
    cfg.email.timeout = std::time::Duration::from_secs(3);
    cfg.email.from = "Ward <ward@example.com>".into();
    let email = Arc::new(cfg.email.clone());
    let mut app = spawn_with(cfg).await;
    app.setup_admin().await;
    app.email = Some(email);
    app
}

fn worker(app: &TestApp) -> Worker {
    Worker::new(app.pool.clone()).with_email(app.email.clone().expect("email config"))
}

#[tokio::test]
async fn test_email_is_queued_then_sent_through_smtp() {
    let sink = SmtpSink::start(false).await;
    let app = app_with_sink(&sink).await;
    let view = app.ok_fn("admin/email", json!({})).await;
    assert_eq!(view["host"], "127.0.0.1");
    assert_eq!(view["password_set"], false);
    assert!(view.get("password").is_none());

    let bad = app
        .ok_fn("admin/email/test", json!({ "to": "not-an-address" }))
        .await;
    assert_eq!(bad["Invalid"]["to"], "Please enter a valid email address.");
    let queued = app
        .ok_fn("admin/email/test", json!({ "to": "jane@example.com" }))
        .await;
    assert_eq!(queued, json!({ "Ok": null }));
    assert!(sink.received().is_empty(), "the request only queues");

    assert_eq!(worker(&app).run_due().await.expect("run"), 1);
    let mail = sink.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, ["jane@example.com"]);
    assert!(
        mail[0].data.contains("Subject: Ward test email"),
        "{}",
        mail[0].data
    );
    assert!(mail[0].data.contains("From: Ward <ward@example.com>"));
    assert!(mail[0].data.contains("text/html"));
    assert!(mail[0].data.contains("sent by akadmin"));
    let sent = app.events("email_sent").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].2["to"], "jane@example.com");
}

#[tokio::test]
async fn a_failing_smtp_server_means_retries_and_a_recorded_error() {
    let sink = SmtpSink::start(true).await;
    let app = app_with_sink(&sink).await;
    let started = std::time::Instant::now();
    let queued = app
        .ok_fn("admin/email/test", json!({ "to": "jane@example.com" }))
        .await;
    assert_eq!(queued, json!({ "Ok": null }), "the request does not fail");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    assert_eq!(worker(&app).run_due().await.expect("run"), 1);
    let (status, attempts, error): (String, i32, String) =
        sqlx::query_as("select status, attempts, error from jobs where kind = 'send_email'")
            .fetch_one(&app.pool)
            .await
            .expect("job");
    assert_eq!((status.as_str(), attempts), ("queued", 1), "retried later");
    assert!(
        error.contains("451") || error.contains("Try again"),
        "{error}"
    );
    let tasks = app.ok_fn("admin/tasks", json!({})).await;
    let email = tasks
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["kind"] == "send_email")
        .expect("email task")
        .clone();
    assert_eq!(email["status"], "retrying");
    assert!(
        email["error"].as_str().expect("error").contains("451"),
        "{email}"
    );
    assert!(sink.received().is_empty());
    assert!(app.events("email_sent").await.is_empty());
}

#[tokio::test]
async fn email_functions_are_for_admins_only() {
    let app = admin_app().await;
    let anonymous = app.new_browser();
    assert_eq!(
        anonymous
            .json_fn("admin/email/test", json!({ "to": "a@example.com" }))
            .await
            .status(),
        401
    );
}
