//! Groups and membership; admin edits in `edit`.
pub mod edit;

use crate::ssr::Result;
use sqlx::PgExecutor;
use uuid::Uuid;

/// The group's id, creating it if no group has that name.
pub async fn ensure(db: impl PgExecutor<'_>, name: &str, is_superuser: bool) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"insert into groups (id, name, is_superuser) values ($1, $2, $3)
           on conflict (name) do update set name = excluded.name
           returning id"#,
        Uuid::new_v4(),
        name as &str,
        is_superuser
    )
    .fetch_one(db)
    .await?;
    Ok(id)
}

pub async fn add_member(db: impl PgExecutor<'_>, group: Uuid, user: Uuid) -> Result<()> {
    sqlx::query!(
        "insert into group_members (group_id, user_id) values ($1, $2) on conflict do nothing",
        group,
        user
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Every group's id and name, by name (for pickers).
pub async fn options(db: impl PgExecutor<'_>) -> Result<Vec<crate::types::directory::GroupRef>> {
    Ok(
        sqlx::query!(r#"select id, name as "name!: String" from groups order by name"#)
            .fetch_all(db)
            .await?
            .into_iter()
            .map(|g| crate::types::directory::GroupRef {
                id: g.id.to_string(),
                name: g.name,
            })
            .collect(),
    )
}
