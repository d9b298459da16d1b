//! The browser-session store: tower-sessions' PostgreSQL store, except that a new session is
//! written in one statement. Its own `create` takes four round trips (a transaction that asks
//! whether the random id exists, then writes), and every sign-in creates a session twice (the
//! anonymous one, then the fresh id after sign-in); the id is 128 random bits, so a clash only
//! ever costs a retry.
use async_trait::async_trait;
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;

#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
    inner: PostgresStore,
}

impl Store {
    pub fn new(pool: &PgPool) -> Self {
        Self {
            pool: pool.clone(),
            inner: PostgresStore::new(pool.clone()),
        }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let data = rmp_serde::to_vec(&record)
                .map_err(|e| session_store::Error::Encode(e.to_string()))?;
            // The table tower-sessions' store migrates (`PostgresStore::migrate`).
            let written = sqlx::query(
                r#"insert into "tower_sessions"."session" (id, data, expiry_date) values ($1, $2, $3)
                   on conflict (id) do nothing"#,
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(record.expiry_date)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if written.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.inner.save(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.inner.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.inner.delete(id).await
    }
}
