//! "Require MFA for administrators": the default sign-in flow gets, after its own MFA check, a
//! second validation stage that enrolls a device when the person has none, bound so that only
//! members of a superuser group meet it. The setting is that binding: on when it exists. It is
//! an ordinary binding, so admins see it under the flow and may bind the stage to other groups.
use crate::ssr::Result;
use crate::ssr::audit::Actor;
use crate::ssr::flows::bindings::{self as stage_bindings, BindingForm};
use crate::ssr::policies::bindings::{self as policy_bindings, PolicyBindingForm, Subject};
use crate::ssr::typed::field_error;
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub const FLOW: &str = "default-authentication-flow";
/// Shipped in the default flows blueprint, unbound.
pub const STAGE: &str = "default-authentication-mfa-enforce";
/// Between the flow's MFA check (15) and its login (20).
pub const ORDER: i32 = 16;
const FIELD: &str = "require_admin_mfa";

/// The enforcing binding, if it is there.
pub async fn binding(db: impl PgExecutor<'_>) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        "select b.id from flow_stage_bindings b
           join flows f on f.id = b.flow_id join stages s on s.id = b.stage_id
          where f.slug = $1 and s.name = $2
          limit 1",
        FLOW,
        STAGE
    )
    .fetch_optional(db)
    .await?)
}

/// Turns the requirement on (binds the stage, gated by each superuser group) or off (unbinds
/// it). A field error when the flow, the stage or a superuser group is missing.
pub async fn set_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    on: bool,
) -> Result<std::result::Result<(), FieldErrors>> {
    let existing = binding(&mut *tx).await?;
    match (on, existing) {
        (true, Some(_)) | (false, None) => Ok(Ok(())),
        (false, Some(id)) => {
            stage_bindings::delete_in(tx, actor, id).await?;
            Ok(Ok(()))
        }
        (true, None) => bind(tx, actor).await,
    }
}

async fn bind(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
) -> Result<std::result::Result<(), FieldErrors>> {
    let flow = sqlx::query_scalar!("select id from flows where slug = $1", FLOW)
        .fetch_optional(&mut *tx)
        .await?;
    let stage = sqlx::query_scalar!("select id from stages where name = $1", STAGE)
        .fetch_optional(&mut *tx)
        .await?;
    let (Some(flow), Some(stage)) = (flow, stage) else {
        return Ok(Err(field_error(
            FIELD,
            format!(
                "The flow {FLOW} or its stage {STAGE} was deleted; restart Ward to restore them."
            ),
        )));
    };
    let groups = sqlx::query_scalar!("select id from groups where is_superuser order by name")
        .fetch_all(&mut *tx)
        .await?;
    if groups.is_empty() {
        return Ok(Err(field_error(
            FIELD,
            "No group makes its members superusers, so there is no one to require it of.",
        )));
    }
    let form = BindingForm {
        target: flow,
        stage,
        order: ORDER,
        policy_engine_mode: "any".into(),
    };
    let id = match stage_bindings::save_in(tx, actor, None, &form).await? {
        Saved::Ok(id) => id,
        Saved::Invalid(_) => {
            return Ok(Err(field_error(
                FIELD,
                format!("Another stage is bound to {FLOW} at order {ORDER}; move it first."),
            )));
        }
    };
    for (order, group) in (0..).zip(groups) {
        let form = PolicyBindingForm::new(id, Subject::Group(group), order);
        if let Saved::Invalid(e) = policy_bindings::save_in(tx, actor, None, &form).await? {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}
