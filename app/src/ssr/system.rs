//! Installation-wide state: first-run setup and bootstrap from the environment.
use crate::ssr::crypto::password;
use crate::ssr::tokens::{self, Intent};
use crate::ssr::{Error, Result, groups, users};
use crate::types::validated::{Email, Username};
use sqlx::{PgConnection, PgExecutor, PgPool};

pub const ADMIN_GROUP: &str = "authentik Admins";
pub const BOOTSTRAP_USERNAME: &str = "akadmin";

/// Whether initial setup may run: the flag was never set **and** no active superuser exists
/// (a database trigger sets the flag whenever one appears; the second check covers a flag
/// that was never set for one, and keeps this answer right whatever the flag says).
pub async fn setup_open(db: impl PgExecutor<'_>) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select not setup_completed and not active_superuser_exists() as "open!" from system_state"#
    )
    .fetch_one(db)
    .await?)
}

/// `setup_open` with the state row locked for the rest of the transaction, so two setups
/// cannot both create an admin. Two statements: the superuser check runs after the lock is
/// held, so it sees whatever a setup that held the lock before us committed.
pub async fn lock_setup_open(tx: &mut PgConnection) -> Result<bool> {
    let completed = sqlx::query_scalar!("select setup_completed from system_state for update")
        .fetch_one(&mut *tx)
        .await?;
    if completed {
        return Ok(false);
    }
    let superuser = sqlx::query_scalar!(r#"select active_superuser_exists() as "exists!""#)
        .fetch_one(&mut *tx)
        .await?;
    Ok(!superuser)
}

/// Closes initial setup for good: deleting the admin later never reopens it.
async fn mark_setup_completed(db: impl PgExecutor<'_>) -> Result<()> {
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
/// Does nothing once setup is closed, and closes it even if the admin group was made a
/// non-superuser group beforehand, so a second start never tries to create akadmin again.
pub async fn bootstrap(pool: &PgPool, b: Bootstrap) -> Result<()> {
    let mut tx = pool.begin().await?;
    if !lock_setup_open(&mut tx).await? {
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
