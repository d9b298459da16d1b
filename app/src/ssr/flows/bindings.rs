//! Flow-stage bindings: which stage runs in which flow, at which `order` (ascending). The REST
//! API and blueprints both come through here.
use crate::ssr::audit::{self, Actor};
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json, json};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingForm {
    /// The flow's pk.
    pub target: Uuid,
    pub stage: Uuid,
    pub order: i32,
    /// How the policies bound to this binding combine: `any` or `all`.
    pub policy_engine_mode: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingRow {
    pub id: Uuid,
    pub form: BindingForm,
    pub flow_slug: String,
    pub stage_name: String,
    pub stage_kind: String,
}

/// Every binding, by flow slug and order.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<BindingRow>> {
    Ok(sqlx::query!(
        r#"select b.id, b.flow_id, b.stage_id, b.position, b.policy_engine_mode, f.slug, s.name, s.kind
             from flow_stage_bindings b
             join flows f on f.id = b.flow_id
             join stages s on s.id = b.stage_id
            order by f.slug, b.position"#
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| BindingRow {
        id: r.id,
        form: BindingForm {
            target: r.flow_id,
            stage: r.stage_id,
            order: r.position,
            policy_engine_mode: r.policy_engine_mode,
        },
        flow_slug: r.slug,
        stage_name: r.name,
        stage_kind: r.kind,
    })
    .collect())
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<BindingRow>> {
    Ok(list(db).await?.into_iter().find(|b| b.id == id))
}

fn fields(f: &BindingForm) -> Map<String, Json> {
    Map::from_iter([
        ("target".to_string(), json!(f.target)),
        ("stage".to_string(), json!(f.stage)),
        ("order".to_string(), json!(f.order)),
        (
            "policy_engine_mode".to_string(),
            json!(f.policy_engine_mode),
        ),
    ])
}

fn invalid<T>(field: &str, msg: &str) -> Result<Saved<T>> {
    Ok(Saved::Invalid(FieldErrors::from([(
        field.to_string(),
        msg.to_string(),
    )])))
}

/// Creates (`id` None) or updates a binding.
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &BindingForm,
) -> Result<Saved<Uuid>> {
    if let Some(msg) = crate::ssr::policies::check_engine_mode(&form.policy_engine_mode) {
        return invalid("policy_engine_mode", &msg);
    }
    let flow = sqlx::query_scalar!("select name from flows where id = $1", form.target)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(flow) = flow else {
        return invalid("target", "Unknown flow.");
    };
    let stage = sqlx::query_scalar!("select name from stages where id = $1", form.stage)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(stage) = stage else {
        return invalid("stage", "Unknown stage.");
    };
    let (bid, action, before) = match id {
        None => {
            let bid = Uuid::new_v4();
            let r = sqlx::query!(
                "insert into flow_stage_bindings (id, flow_id, stage_id, position, policy_engine_mode)
                 values ($1, $2, $3, $4, $5)",
                bid,
                form.target,
                form.stage,
                form.order,
                form.policy_engine_mode
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_order(e);
            }
            (bid, audit::MODEL_CREATED, Map::new())
        }
        Some(bid) => {
            let old = sqlx::query!(
                "select flow_id, stage_id, position, policy_engine_mode from flow_stage_bindings
                  where id = $1 for update",
                bid
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            let old = BindingForm {
                target: old.flow_id,
                stage: old.stage_id,
                order: old.position,
                policy_engine_mode: old.policy_engine_mode,
            };
            if old == *form {
                return Ok(Saved::Ok(bid));
            }
            let r = sqlx::query!(
                "update flow_stage_bindings set flow_id = $2, stage_id = $3, position = $4,
                        policy_engine_mode = $5
                  where id = $1",
                bid,
                form.target,
                form.stage,
                form.order,
                form.policy_engine_mode
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_order(e);
            }
            (bid, audit::MODEL_UPDATED, fields(&old))
        }
    };
    let changes = audit::diff(&before, &fields(form));
    let name = format!("{stage} in {flow}");
    audit::record(
        &mut *tx,
        actor,
        action,
        "flow_stage_binding",
        bid,
        &name,
        changes,
    )
    .await?;
    Ok(Saved::Ok(bid))
}

fn unique_order<T>(e: sqlx::Error) -> Result<Saved<T>> {
    match &e {
        sqlx::Error::Database(db)
            if db.constraint() == Some("flow_stage_bindings_position_key") =>
        {
            invalid(
                "order",
                "Another stage is bound to this flow at this order.",
            )
        }
        _ => Err(Error::Database(e)),
    }
}

/// Unbinds. NotFound when no binding has that id.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!(
        r#"delete from flow_stage_bindings b using flows f, stages s
            where b.id = $1 and f.id = b.flow_id and s.id = b.stage_id
           returning s.name || ' in ' || f.name as "name!""#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    audit::record_delete(tx, actor, "flow_stage_binding", id, name).await
}
