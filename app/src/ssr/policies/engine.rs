//! The policy engine: evaluates the enabled bindings of a target (a flow, a stage in a flow, an
//! application) for a request and combines them by the target's mode, as authentik does:
//! no bindings pass; `any` passes when one binding passes, `all` when every one does.
use super::{Request, Verdict, by_kind};
use crate::ssr::Result;
use crate::ssr::events::{self, NewEvent, action};
use serde_json::json;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Whether `target` lets the request through, and the messages of its bindings.
pub async fn evaluate(
    pool: &PgPool,
    target: Uuid,
    mode: &str,
    request: &Request,
) -> Result<Verdict> {
    let bindings = sqlx::query!(
        r#"select b.id, b.negate, b.timeout, b.failure_result, b.group_id, b.user_id,
                  p.name as "policy_name?", p.kind as "kind?", p.config as "config?",
                  p.execution_logging as "execution_logging?"
             from policy_bindings b left join policies p on p.id = b.policy_id
            where b.target = $1 and b.enabled
            order by b.position, b.id"#,
        target
    )
    .fetch_all(pool)
    .await?;
    if bindings.is_empty() {
        return Ok(Verdict::pass());
    }
    let groups = match request.user {
        Some(user) => user_groups(pool, user).await?,
        None => Vec::new(),
    };
    let mut results = Vec::with_capacity(bindings.len());
    for b in bindings {
        let mut verdict = if let Some(group) = b.group_id {
            Verdict {
                passing: groups.contains(&group),
                ..Verdict::default()
            }
        } else if let Some(user) = b.user_id {
            Verdict {
                passing: request.user == Some(user),
                ..Verdict::default()
            }
        } else {
            let name = b.policy_name.unwrap_or_default();
            let policy = Stored {
                name: &name,
                kind: b.kind.as_deref().unwrap_or_default(),
                config: &b.config.unwrap_or_default(),
            };
            let verdict = run_policy(pool, &policy, request, b.timeout, b.failure_result).await?;
            if b.execution_logging == Some(true) {
                log_execution(pool, &name, b.id, request, &verdict).await?;
            }
            verdict
        };
        if b.negate {
            verdict.passing = !verdict.passing;
        }
        results.push(verdict);
    }
    let passing = if mode == "all" {
        results.iter().all(|r| r.passing)
    } else {
        results.iter().any(|r| r.passing)
    };
    let mut combined = Verdict {
        passing,
        ..Verdict::default()
    };
    for r in results {
        combined.messages.extend(r.messages);
        combined.logs.extend(r.logs);
    }
    Ok(combined)
}

/// Every policy of `ids` must pass (a prompt's validation policies), with no timeout but the
/// default one. Unknown pks are skipped: the stage's save checked them.
pub async fn evaluate_all(pool: &PgPool, ids: &[Uuid], request: &Request) -> Result<Verdict> {
    let policies = sqlx::query!(
        "select id, name, kind, config, execution_logging from policies where id = any($1) order by name",
        ids
    )
    .fetch_all(pool)
    .await?;
    let mut verdict = Verdict::pass();
    for p in policies {
        let policy = Stored {
            name: &p.name,
            kind: &p.kind,
            config: &p.config,
        };
        let r = run_policy(pool, &policy, request, 30, false).await?;
        if p.execution_logging {
            log_execution(pool, &p.name, p.id, request, &r).await?;
        }
        verdict.passing &= r.passing;
        verdict.messages.extend(r.messages);
    }
    Ok(verdict)
}

/// A policy as stored.
pub struct Stored<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub config: &'a serde_json::Value,
}

/// A policy's verdict; one that cannot decide (broken settings, an expression that raised, past
/// its timeout) gives `failure_result`, says why, and is recorded as a `policy_exception` event.
pub async fn run_policy(
    pool: &PgPool,
    stored: &Stored<'_>,
    request: &Request,
    timeout: i32,
    failure_result: bool,
) -> Result<Verdict> {
    let limit = Duration::from_secs(u64::try_from(timeout).unwrap_or(30));
    let outcome = match by_kind(stored.kind).map(|k| k.build(stored.config)) {
        Some(Ok(policy)) => tokio::time::timeout(limit, policy.evaluate(pool, request))
            .await
            .unwrap_or_else(|_| Err("Policy timed out.".into())),
        Some(Err(e)) => Err(e.to_string()),
        None => Err(format!("Unknown policy type {}.", stored.kind)),
    };
    let why = match outcome {
        Ok(verdict) => return Ok(verdict),
        Err(why) => why,
    };
    tracing::warn!(policy_kind = stored.kind, "policy failed to run: {why}");
    events::record(
        pool,
        NewEvent {
            action: action::POLICY_EXCEPTION,
            user: None,
            client_ip: request.client_ip,
            context: json!({ "policy": stored.name, "message": why, "user": request.user }),
        },
    )
    .await?;
    Ok(Verdict {
        passing: failure_result,
        messages: vec![why],
        logs: Vec::new(),
    })
}

/// The groups the user is in, and every ancestor of them: a binding to a parent group
/// covers members of its child groups.
async fn user_groups(pool: &PgPool, user: Uuid) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"with recursive up(id, parent_id, depth) as (
             select g.id, g.parent_id, 0
               from groups g join group_members m on m.group_id = g.id
              where m.user_id = $1
             union all
             select g.id, g.parent_id, up.depth + 1
               from groups g join up on g.id = up.parent_id
              where up.depth < 64
           )
           select distinct id as "id!" from up"#,
        user
    )
    .fetch_all(pool)
    .await?)
}

async fn log_execution(
    pool: &PgPool,
    name: &str,
    binding: Uuid,
    request: &Request,
    verdict: &Verdict,
) -> Result<()> {
    events::record(
        pool,
        NewEvent {
            action: action::POLICY_EXECUTION,
            user: None,
            client_ip: request.client_ip,
            context: json!({
                "policy": name,
                "binding": binding,
                "user": request.user,
                "passing": verdict.passing,
                "messages": verdict.messages,
                "log_messages": verdict.logs,
            }),
        },
    )
    .await
}
