//! Loading a flow and its ordered stage bindings from the database.
use super::state::PlannedStage;
use crate::ssr::Result;
use sqlx::PgPool;

pub struct FlowPlan {
    pub id: uuid::Uuid,
    pub policy_engine_mode: String,
    /// Who may start it (`none`, `require_authenticated`, …).
    pub authentication: String,
    pub slug: String,
    pub title: String,
    pub designation: String,
    pub setup_only: bool,
    pub stages: Vec<PlannedStage>,
}

pub async fn load(pool: &PgPool, slug: &str) -> Result<Option<FlowPlan>> {
    let Some(flow) = sqlx::query!(
        "select id, slug, title, designation, setup_only, policy_engine_mode, authentication from flows where slug = $1",
        slug
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let stages = sqlx::query_as!(
        PlannedStage,
        r#"select s.name, s.kind, s.config, b.id as "binding?", b.policy_engine_mode,
                  exists (select 1 from policy_bindings p where p.target = b.id) as "has_policies!"
             from flow_stage_bindings b join stages s on s.id = b.stage_id
            where b.flow_id = $1
            order by b.position"#,
        flow.id
    )
    .fetch_all(pool)
    .await?;
    Ok(Some(FlowPlan {
        id: flow.id,
        policy_engine_mode: flow.policy_engine_mode,
        authentication: flow.authentication,
        slug: flow.slug,
        title: flow.title,
        designation: flow.designation,
        setup_only: flow.setup_only,
        stages,
    }))
}

/// A stage on its own, by id or name, to run inside another stage's turn (an MFA stage that
/// enrolls a device during sign-in). None when there is no such stage.
pub async fn stage(pool: &PgPool, key: &str) -> Result<Option<PlannedStage>> {
    let id = uuid::Uuid::parse_str(key).ok();
    Ok(sqlx::query_as!(
        PlannedStage,
        r#"select name, kind, config, null::uuid as "binding?", 'any' as "policy_engine_mode!",
                  false as "has_policies!"
             from stages where id = $1 or name = $2
            order by (id = $1) desc nulls last limit 1"#,
        id,
        key
    )
    .fetch_optional(pool)
    .await?)
}

/// The slug of the flow `key` names (its id or its slug), if there is one.
pub async fn slug_of(pool: &PgPool, key: &str) -> Result<Option<String>> {
    let id = uuid::Uuid::parse_str(key).ok();
    Ok(sqlx::query_scalar!(
        "select slug from flows where id = $1 or slug = $2 limit 1",
        id,
        key
    )
    .fetch_optional(pool)
    .await?)
}
