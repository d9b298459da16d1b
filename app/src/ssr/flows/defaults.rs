//! The flows every installation starts with, shipped as a blueprint (`defaults.yaml`) and
//! applied at every start: what is missing is created, nothing an admin changed is overwritten.
use crate::ssr::Result;
use crate::ssr::audit::Actor;
use crate::ssr::blueprints::{apply, file};
use sqlx::PgPool;

const BLUEPRINT: &str = include_str!("defaults.yaml");

/// Serialises the defaults between replicas starting together.
const DEFAULTS_LOCK: i64 = 0x5741_5244; // "WARD"

pub async fn ensure(pool: &PgPool) -> Result<()> {
    let blueprint = file::parse(BLUEPRINT)?;
    let system = crate::ssr::users::system();
    let actor = Actor {
        user: &system,
        ip: std::net::IpAddr::from([127, 0, 0, 1]),
    };
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", DEFAULTS_LOCK)
        .execute(&mut *tx)
        .await?;
    let created_setup = sqlx::query_scalar!("select id from flows where slug = 'initial-setup'")
        .fetch_optional(&mut *tx)
        .await?
        .is_none();
    apply::apply(&mut tx, &actor, &blueprint, &apply::Options::default()).await?;
    // Setup-only is Ward's own flag (no blueprint field): set once, when the flow is created.
    if created_setup {
        sqlx::query!("update flows set setup_only = true where slug = 'initial-setup'")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_defaults_blueprint_reads() {
        let bp = crate::ssr::blueprints::file::parse(super::BLUEPRINT).expect("parses");
        assert!(bp.entries.len() > 20);
    }
}
