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
