//! Policy bindings: a policy, a group or a user, bound to a flow, a stage in a flow
//! (a flow-stage binding) or an application, at an `order`. The REST API and blueprints both
//! come through here; the engine reads them.
use crate::ssr::audit::{self, Actor};
use crate::ssr::typed::field_error;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json, json};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub const MODEL: &str = "policy_binding";

/// What a binding evaluates: a policy, membership of a group (or of one of its child
/// groups), or being one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Policy(Uuid),
    Group(Uuid),
    User(Uuid),
}

impl Subject {
    /// The policy, group and user columns: one is set.
    pub fn columns(self) -> (Option<Uuid>, Option<Uuid>, Option<Uuid>) {
        match self {
            Subject::Policy(p) => (Some(p), None, None),
            Subject::Group(g) => (None, Some(g), None),
            Subject::User(u) => (None, None, Some(u)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyBindingForm {
    /// The pk of a flow, a flow-stage binding or an application.
    pub target: Uuid,
    pub subject: Subject,
    pub negate: bool,
    pub enabled: bool,
    pub order: i32,
    /// Seconds a policy may take; past it the binding gives `failure_result`.
    pub timeout: i32,
    pub failure_result: bool,
}

impl PolicyBindingForm {
    pub fn new(target: Uuid, subject: Subject, order: i32) -> Self {
        PolicyBindingForm {
            target,
            subject,
            negate: false,
            enabled: true,
            order,
            timeout: 30,
            failure_result: false,
        }
    }
}

/// The object a binding is bound to, by the names blueprints find it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Flow { slug: String },
    StageBinding { flow_slug: String, order: i32 },
    Application { slug: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyBindingRow {
    pub id: Uuid,
    pub form: PolicyBindingForm,
    pub target: Target,
    /// The policy's name and type, the group's name, the user's username and name.
    pub policy: Option<(String, String)>,
    pub group: Option<String>,
    pub user: Option<(String, String)>,
}

impl PolicyBindingRow {
    /// Text a search matches: the subject's names.
    pub fn names(&self) -> String {
        [
            self.policy.as_ref().map(|p| p.0.as_str()),
            self.group.as_deref(),
            self.user.as_ref().map(|u| u.0.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// Every binding (or the one with pk `only`), by target and order.
async fn query(db: impl PgExecutor<'_>, only: Option<Uuid>) -> Result<Vec<PolicyBindingRow>> {
    let rows = sqlx::query!(
        r#"select b.id, b.target as "target!", b.policy_id, b.group_id, b.user_id, b.negate,
                  b.enabled, b.position, b.timeout, b.failure_result,
                  f.slug as "flow_slug?", sf.slug as "stage_flow_slug?", fsb.position as "stage_order?",
                  a.slug as "application_slug?",
                  p.name as "policy_name?", p.kind as "policy_kind?", g.name::text as "group_name?",
                  u.username::text as "username?", u.name as "user_name?"
             from policy_bindings b
             left join flows f on f.id = b.flow_id
             left join flow_stage_bindings fsb on fsb.id = b.flow_stage_binding_id
             left join flows sf on sf.id = fsb.flow_id
             left join applications a on a.id = b.application_id
             left join policies p on p.id = b.policy_id
             left join groups g on g.id = b.group_id
             left join users u on u.id = b.user_id
            where $1::uuid is null or b.id = $1
            order by b.target, b.position, b.id"#,
        only
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let subject = match (r.policy_id, r.group_id, r.user_id) {
                (Some(p), _, _) => Subject::Policy(p),
                (_, Some(g), _) => Subject::Group(g),
                (_, _, Some(u)) => Subject::User(u),
                _ => return None,
            };
            let target = match (
                r.flow_slug,
                r.stage_flow_slug,
                r.stage_order,
                r.application_slug,
            ) {
                (Some(slug), ..) => Target::Flow { slug },
                (_, Some(flow_slug), Some(order), _) => Target::StageBinding { flow_slug, order },
                (.., Some(slug)) => Target::Application { slug },
                _ => return None,
            };
            Some(PolicyBindingRow {
                id: r.id,
                form: PolicyBindingForm {
                    target: r.target,
                    subject,
                    negate: r.negate,
                    enabled: r.enabled,
                    order: r.position,
                    timeout: r.timeout,
                    failure_result: r.failure_result,
                },
                target,
                policy: r.policy_name.zip(r.policy_kind),
                group: r.group_name,
                user: r.username.zip(r.user_name),
            })
        })
        .collect())
}

pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<PolicyBindingRow>> {
    query(db, None).await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<PolicyBindingRow>> {
    Ok(query(db, Some(id)).await?.into_iter().next())
}

fn fields(f: &PolicyBindingForm) -> Map<String, Json> {
    let (key, pk) = match f.subject {
        Subject::Policy(p) => ("policy", p),
        Subject::Group(g) => ("group", g),
        Subject::User(u) => ("user", u),
    };
    Map::from_iter([
        ("target".to_string(), json!(f.target)),
        (key.to_string(), json!(pk)),
        ("negate".to_string(), json!(f.negate)),
        ("enabled".to_string(), json!(f.enabled)),
        ("order".to_string(), json!(f.order)),
        ("timeout".to_string(), json!(f.timeout)),
        ("failure_result".to_string(), json!(f.failure_result)),
    ])
}

/// The subject's name for audit events, or the field error when it does not exist.
async fn subject_name(
    tx: &mut PgConnection,
    subject: Subject,
) -> Result<std::result::Result<String, FieldErrors>> {
    let (field, found) = match subject {
        Subject::Policy(id) => (
            "policy",
            sqlx::query_scalar!("select 'policy ' || name from policies where id = $1", id)
                .fetch_optional(&mut *tx)
                .await?
                .flatten(),
        ),
        Subject::Group(id) => (
            "group",
            sqlx::query_scalar!("select 'group ' || name from groups where id = $1", id)
                .fetch_optional(&mut *tx)
                .await?
                .flatten(),
        ),
        Subject::User(id) => (
            "user",
            sqlx::query_scalar!("select 'user ' || username from users where id = $1", id)
                .fetch_optional(&mut *tx)
                .await?
                .flatten(),
        ),
    };
    Ok(found.ok_or_else(|| field_error(field, format!("Unknown {field}."))))
}

/// Creates (`id` None) or updates a binding; whether anything changed comes back.
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &PolicyBindingForm,
) -> Result<Saved<(Uuid, bool)>> {
    if !(1..=3600).contains(&form.timeout) {
        return Ok(Saved::Invalid(field_error(
            "timeout",
            "A number of seconds from 1 to 3600.",
        )));
    }
    let target_kind = sqlx::query_scalar!(
        r#"select case
                    when exists (select 1 from flows where id = $1) then 'flow'
                    when exists (select 1 from flow_stage_bindings where id = $1) then 'stage'
                    when exists (select 1 from applications where id = $1) then 'application'
                  end as "kind""#,
        form.target
    )
    .fetch_one(&mut *tx)
    .await?;
    let Some(target_kind) = target_kind else {
        return Ok(Saved::Invalid(field_error(
            "target",
            "Unknown target: give the pk of a flow, a flow-stage binding or an application.",
        )));
    };
    let name = match subject_name(tx, form.subject).await? {
        Ok(n) => n,
        Err(e) => return Ok(Saved::Invalid(e)),
    };
    let column = |k: &str| (target_kind == k).then_some(form.target);
    let (policy, group, user) = form.subject.columns();
    let (bid, action, before) = match id {
        None => (Uuid::new_v4(), audit::MODEL_CREATED, Map::new()),
        Some(bid) => {
            sqlx::query_scalar!(
                "select id from policy_bindings where id = $1 for update",
                bid
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            let old = get(&mut *tx, bid).await?.ok_or(Error::NotFound)?.form;
            if old == *form {
                return Ok(Saved::Ok((bid, false)));
            }
            (bid, audit::MODEL_UPDATED, fields(&old))
        }
    };
    // One statement writes a new binding or the locked existing one.
    sqlx::query!(
        "insert into policy_bindings (id, flow_id, flow_stage_binding_id, application_id, policy_id,
                                      group_id, user_id, negate, enabled, position, timeout, failure_result)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict (id) do update set
           flow_id = excluded.flow_id, flow_stage_binding_id = excluded.flow_stage_binding_id,
           application_id = excluded.application_id, policy_id = excluded.policy_id,
           group_id = excluded.group_id, user_id = excluded.user_id, negate = excluded.negate,
           enabled = excluded.enabled, position = excluded.position, timeout = excluded.timeout,
           failure_result = excluded.failure_result",
        bid,
        column("flow"),
        column("stage"),
        column("application"),
        policy,
        group,
        user,
        form.negate,
        form.enabled,
        form.order,
        form.timeout,
        form.failure_result
    )
    .execute(&mut *tx)
    .await?;
    let changes = audit::diff(&before, &fields(form));
    audit::record(&mut *tx, actor, action, MODEL, bid, &name, changes).await?;
    Ok(Saved::Ok((bid, true)))
}

/// Unbinds. NotFound when no binding has that id.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!(
        r#"delete from policy_bindings b where b.id = $1
           returning coalesce((select 'policy ' || name from policies where id = b.policy_id),
                              (select 'group ' || name from groups where id = b.group_id),
                              (select 'user ' || username from users where id = b.user_id),
                              'binding') as "name!""#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    audit::record_delete(tx, actor, MODEL, id, name).await
}
