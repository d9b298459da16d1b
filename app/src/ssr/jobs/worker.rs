//! The worker loop: heartbeat, schedule periodic jobs, drain due ones. Every `ward` process
//! runs one; the queue makes them share the work.
use super::{Job, kinds, queue};
use crate::ssr::Result;
use sqlx::PgPool;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

type BoxFuture = Pin<Box<dyn Future<Output = Result<()>> + Send>>;
type Handler = Arc<dyn Fn(PgPool, Job) -> BoxFuture + Send + Sync>;

pub struct Worker {
    pool: PgPool,
    id: String,
    handlers: HashMap<String, Handler>,
    poll: Duration,
}

/// How often the heartbeat is written and periodic jobs are scheduled.
const HOUSEKEEPING: Duration = Duration::from_secs(10);

impl Worker {
    /// A worker with the built-in job kinds.
    pub fn new(pool: PgPool) -> Self {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "ward".into());
        let id = format!("{host}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        Self {
            pool,
            id,
            handlers: HashMap::new(),
            poll: Duration::from_secs(1),
        }
        .handle(kinds::EVENT_RETENTION, |pool, job| async move {
            kinds::event_retention(&pool, &job).await
        })
        .handle(kinds::EXPIRED_CLEANUP, |pool, job| async move {
            kinds::expired_cleanup(&pool, &job).await
        })
        .handle(kinds::CERTIFICATE_EXPIRY, |pool, job| async move {
            kinds::certificate_expiry(&pool, &job).await
        })
    }

    /// Adds (or replaces) the handler of a job kind.
    pub fn handle<F, Fut>(mut self, kind: &str, f: F) -> Self
    where
        F: Fn(PgPool, Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.handlers
            .insert(kind.to_owned(), Arc::new(move |p, j| Box::pin(f(p, j))));
        self
    }

    /// Sends queued email with these SMTP settings.
    pub fn with_email(self, cfg: Arc<crate::ssr::email::EmailConfig>) -> Self {
        self.handle(crate::ssr::email::SEND_EMAIL, move |pool, job| {
            let cfg = cfg.clone();
            async move { crate::ssr::email::send::run(&pool, &cfg, &job).await }
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs due jobs until none is left; returns how many ran.
    pub async fn run_due(&self) -> Result<usize> {
        let mut ran = 0;
        while let Some(job) = queue::claim(&self.pool, &self.id).await? {
            self.execute(job).await?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Forever: heartbeat and scheduling every few seconds, due jobs every poll interval.
    pub async fn run(self) {
        tracing::info!(worker = %self.id, "worker started");
        let mut last_housekeeping: Option<Instant> = None;
        loop {
            if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING) {
                if let Err(e) = self.housekeeping().await {
                    tracing::warn!(error = %e, "worker housekeeping failed");
                }
                last_housekeeping = Some(Instant::now());
            }
            if let Err(e) = self.run_due().await {
                tracing::warn!(error = %e, "worker could not reach the queue");
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    async fn housekeeping(&self) -> Result<()> {
        sqlx::query!(
            "insert into workers (id, hostname, version) values ($1, $2, $3)
             on conflict (id) do update set last_seen = now()",
            self.id,
            self.id
                .rsplit_once('-')
                .map_or(self.id.as_str(), |(h, _)| h),
            env!("CARGO_PKG_VERSION")
        )
        .execute(&self.pool)
        .await?;
        queue::schedule_periodic(&self.pool).await
    }

    async fn execute(&self, job: Job) -> Result<()> {
        let started = Instant::now();
        let outcome = match self.handlers.get(&job.kind) {
            None => Err(format!("no handler for job kind {:?}", job.kind)),
            // Its own task, so a panic is recorded as a failure instead of ending the loop.
            Some(h) => match tokio::spawn(h(self.pool.clone(), job.clone())).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the job panicked: {e}")),
            },
        };
        let status = if outcome.is_ok() { "done" } else { "failed" };
        metrics::counter!("ward_jobs_total", "kind" => job.kind.clone(), "status" => status)
            .increment(1);
        metrics::histogram!("ward_job_duration_seconds", "kind" => job.kind.clone())
            .record(started.elapsed().as_secs_f64());
        if let Err(e) = &outcome {
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
        }
        queue::finish(&self.pool, &self.id, &job, started.elapsed(), outcome).await
    }
}
