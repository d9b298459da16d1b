//! Installation-wide state: first-run setup and bootstrap from the environment.
use crate::ssr::crypto::password;
use crate::ssr::tokens::{self, Intent};
use crate::ssr::{Error, Result, groups, users};
use crate::types::validated::{Email, Username};
use sqlx::{PgExecutor, PgPool};

pub const ADMIN_GROUP: &str = "authentik Admins";
pub const BOOTSTRAP_USERNAME: &str = "akadmin";

pub async fn setup_completed(db: impl PgExecutor<'_>) -> Result<bool> {
    Ok(
        sqlx::query_scalar!("select setup_completed from system_state")
            .fetch_one(db)
            .await?,
    )
}

/// Locks the state row for the rest of the transaction; answers whether setup is completed.
pub async fn lock_setup_state(db: impl PgExecutor<'_>) -> Result<bool> {
    Ok(
        sqlx::query_scalar!("select setup_completed from system_state for update")
            .fetch_one(db)
            .await?,
    )
}

/// Closes initial setup for good: deleting the admin later never reopens it.
pub async fn mark_setup_completed(db: impl PgExecutor<'_>) -> Result<()> {
    sqlx::query!("update system_state set setup_completed = true")
        .execute(db)
        .await?;
    Ok(())
}

pub struct Bootstrap {
    pub password: String,
    pub email: Option<String>,
    pub token: Option<String>,
}

/// authentik's automated install: creates `akadmin` in the admin group on the first start.
/// Does nothing once setup is completed.
pub async fn bootstrap(pool: &PgPool, b: Bootstrap) -> Result<()> {
    let mut tx = pool.begin().await?;
    if lock_setup_state(&mut *tx).await? {
        return Ok(());
    }
    password_rules(&b.password)?;
    let email = b
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|m| Error::Invalid(format!("WARD_BOOTSTRAP_EMAIL: {m}")))?;
    let hash = password::hash(b.password).await?;
    let username = Username::parse(BOOTSTRAP_USERNAME).map_err(Error::Invalid)?;
    let user = users::create(
        &mut *tx,
        users::NewUser {
            username,
            email,
            name: "authentik Default Admin".into(),
            password_hash: Some(hash),
        },
    )
    .await?;
    let group = groups::ensure(&mut *tx, ADMIN_GROUP, true).await?;
    groups::add_member(&mut *tx, group, user).await?;
    if let Some(token) = b.token {
        tokens::create(
            &mut *tx,
            user,
            Intent::Api,
            "authentik-bootstrap-token",
            Some(token),
            None,
        )
        .await?;
    }
    mark_setup_completed(&mut *tx).await?;
    tx.commit().await?;
    tracing::info!("bootstrap: created the admin user {BOOTSTRAP_USERNAME}");
    Ok(())
}

fn password_rules(p: &str) -> Result<()> {
    crate::types::validated::check_new_password(p)
        .map_err(|m| Error::Invalid(format!("WARD_BOOTSTRAP_PASSWORD: {m}")))
}
