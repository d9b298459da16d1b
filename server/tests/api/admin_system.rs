use crate::admin_users::admin_app;
use app::ssr::jobs::{Worker, queue};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test]
async fn settings_are_validated_saved_and_audited() {
    let app = admin_app().await;
    let current = app.ok_fn("admin/settings", json!({})).await;
    assert_eq!(
        current["avatars"], "none",
        "no third-party avatars by default"
    );
    assert_eq!(current["allow_change_username"], false);
    let mut bad = current.clone();
    bad["avatars"] = json!("https://example.com/a.png");
    bad["event_retention_days"] = json!(0);
    bad["default_token_length"] = json!(8);
    let refused = app
        .ok_fn("admin/settings/save", json!({ "settings": bad }))
        .await;
    let errors = refused["Invalid"].as_object().expect("field errors");
    assert_eq!(errors.len(), 3, "{refused}");
    assert_eq!(
        errors["event_retention_days"],
        "Keep events between 1 and 36500 days."
    );
    assert_eq!(app.ok_fn("admin/settings", json!({})).await, current);

    let mut good = current.clone();
    good["allow_change_username"] = json!(true);
    good["event_retention_days"] = json!(90);
    let saved = app
        .ok_fn("admin/settings/save", json!({ "settings": good }))
        .await;
    assert_eq!(saved["Ok"], good);
    assert_eq!(app.ok_fn("admin/settings", json!({})).await, good);
    let updated = app.events("model_updated").await;
    let (who, _, context) = updated.last().expect("an event");
    assert_eq!(who, "akadmin");
    assert_eq!(
        context["diff"],
        json!({
            "allow_change_username": { "old": false, "new": true },
            "event_retention_days": { "old": 365, "new": 90 },
        })
    );
}

/// Two workers on one database drain a queue together; every job runs exactly once.
#[tokio::test]
async fn two_workers_never_run_the_same_job_twice() {
    let app = admin_app().await;
    const JOBS: usize = 200;
    for i in 0..JOBS {
        queue::enqueue(&app.pool, "count", json!({ "n": i }))
            .await
            .expect("enqueue");
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let worker = |pool: sqlx::PgPool| {
        let (runs, seen) = (runs.clone(), seen.clone());
        Worker::new(pool).handle("count", move |_, job| {
            let (runs, seen) = (runs.clone(), seen.clone());
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                seen.lock()
                    .expect("lock")
                    .push(job.payload["n"].as_u64().expect("n"));
                // Long enough that the other worker tries to claim while this one holds a job.
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                Ok(())
            }
        })
    };
    let (a, b) = (worker(app.pool.clone()), worker(app.pool.clone()));
    let (ran_a, ran_b) = tokio::join!(a.run_due(), b.run_due());
    let (ran_a, ran_b) = (ran_a.expect("worker a"), ran_b.expect("worker b"));
    assert_eq!(ran_a + ran_b, JOBS);
    assert!(
        ran_a > 0 && ran_b > 0,
        "both workers took jobs: {ran_a} + {ran_b}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), JOBS);
    let mut seen = seen.lock().expect("lock").clone();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), JOBS, "no job ran twice");
    let (done, attempts): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where status = 'done'), sum(attempts)::bigint from jobs where kind = 'count'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("counts");
    assert_eq!((done, attempts), (JOBS as i64, JOBS as i64));
}

/// A failing job is retried later with its error recorded, then marked failed.
#[tokio::test]
async fn failing_jobs_back_off_and_end_failed() {
    let app = admin_app().await;
    let id = queue::enqueue(&app.pool, "flaky", json!({}))
        .await
        .expect("enqueue");
    sqlx::query("update jobs set max_attempts = 2 where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .expect("max");
    let worker = Worker::new(app.pool.clone()).handle("flaky", |_, _| async {
        Err(app::ssr::Error::internal("SMTP server said 451"))
    });
    assert_eq!(worker.run_due().await.expect("run"), 1);
    let (status, error, wait): (String, String, f64) = sqlx::query_as(
        "select status, error, extract(epoch from run_at - now())::float8 from jobs where id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .expect("job");
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("queued", "SMTP server said 451")
    );
    assert!(wait > 0.5, "retried later, not at once: {wait}");
    assert_eq!(worker.run_due().await.expect("run"), 0, "not due yet");
    sqlx::query("update jobs set run_at = now() where id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .expect("due");
    assert_eq!(worker.run_due().await.expect("run"), 1);
    let status: String = sqlx::query_scalar("select status from jobs where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("job");
    assert_eq!(status, "failed");
}

/// "Run now" runs a periodic task and the tasks list shows the run.
#[tokio::test]
async fn tasks_list_shows_runs_and_run_now_queues_one() {
    let app = admin_app().await;
    let before = app.ok_fn("admin/tasks", json!({})).await;
    let retention = before
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["kind"] == "event_retention")
        .expect("retention task")
        .clone();
    assert_eq!(retention["schedule"], "every hour");
    assert_eq!(retention["runnable"], true);
    let refused = app
        .json_fn("admin/tasks/run", json!({ "kind": "no-such-task" }))
        .await;
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("cannot be started by hand")
    );

    sqlx::query("insert into events (id, action, created_at) values (gen_random_uuid(), 'ancient', now() - interval '400 days')")
        .execute(&app.pool)
        .await
        .expect("event");
    app.ok_fn("admin/tasks/run", json!({ "kind": "event_retention" }))
        .await;
    let worker = Worker::new(app.pool.clone());
    assert!(worker.run_due().await.expect("run") >= 1);
    assert!(app.events("ancient").await.is_empty(), "retention ran");
    let after = app.ok_fn("admin/tasks", json!({})).await;
    let retention = after
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["kind"] == "event_retention")
        .expect("retention task")
        .clone();
    assert_eq!(retention["status"], "done", "{retention}");
    assert!(!retention["last_run"].as_str().expect("last run").is_empty());
}
