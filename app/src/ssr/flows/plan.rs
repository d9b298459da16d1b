//! Loading a flow and its ordered stage bindings from the database.
use super::state::PlannedStage;
use crate::ssr::Result;
use crate::ssr::oauth2::cache::Caches;
use sqlx::PgPool;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct FlowPlan {
    pub id: uuid::Uuid,
    pub policy_engine_mode: String,
    /// Who may start it (`none`, `require_authenticated`, …).
    pub authentication: String,
    pub slug: String,
    pub title: String,
    pub designation: String,
    pub setup_only: bool,
    /// Whether any policy is bound to the flow itself (else there is nothing to evaluate).
    pub has_policies: bool,
    pub stages: Vec<PlannedStage>,
}

/// Flow `key` (its slug, or its id) with its stages in order, in one round trip (every flow
/// page and protocol sign-in plans one).
pub async fn load(pool: &PgPool, key: &str) -> Result<Option<FlowPlan>> {
    let id = uuid::Uuid::parse_str(key).ok();
    let rows = sqlx::query!(
        r#"select f.id, f.slug, f.title, f.designation, f.setup_only, f.policy_engine_mode,
                  f.authentication,
                  exists (select 1 from policy_bindings p where p.target = f.id) as "flow_policies!",
                  s.name as "stage_name?", s.kind as "stage_kind?", s.config as "stage_config?",
                  b.id as "binding?", b.policy_engine_mode as "binding_mode?",
                  exists (select 1 from policy_bindings p where p.target = b.id) as "has_policies!"
             from flows f
             left join flow_stage_bindings b on b.flow_id = f.id
             left join stages s on s.id = b.stage_id
            where f.id = (select id from flows where slug = $1 or id = $2
                           order by slug = $1 desc limit 1)
            order by b.position"#,
        key,
        id
    )
    .fetch_all(pool)
    .await?;
    let Some(flow) = rows.first() else {
        return Ok(None);
    };
    let mut plan = FlowPlan {
        id: flow.id,
        policy_engine_mode: flow.policy_engine_mode.clone(),
        authentication: flow.authentication.clone(),
        slug: flow.slug.clone(),
        title: flow.title.clone(),
        designation: flow.designation.clone(),
        setup_only: flow.setup_only,
        has_policies: flow.flow_policies,
        stages: Vec::with_capacity(rows.len()),
    };
    for r in rows {
        if let (Some(name), Some(kind), Some(config), Some(binding)) =
            (r.stage_name, r.stage_kind, r.stage_config, r.binding)
        {
            plan.stages.push(PlannedStage {
                name,
                kind,
                config,
                binding: Some(binding),
                policy_engine_mode: r.binding_mode.unwrap_or_default(),
                has_policies: r.has_policies,
            });
        }
    }
    Ok(Some(plan))
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

/// `load` through this process's cache: flows change rarely, and every change clears it.
pub async fn cached(caches: &Caches, pool: &PgPool, key: &str) -> Result<Option<Arc<FlowPlan>>> {
    if let Some(hit) = caches.plan(key) {
        return Ok(Some(hit));
    }
    let Some(plan) = load(pool, key).await?.map(Arc::new) else {
        return Ok(None);
    };
    caches.put_plan(key, plan.clone());
    Ok(Some(plan))
}

/// The slug of the flow `key` names (its id or its slug), if there is one.
pub async fn slug_of(caches: &Caches, pool: &PgPool, key: &str) -> Result<Option<String>> {
    Ok(cached(caches, pool, key).await?.map(|p| p.slug.clone()))
}
