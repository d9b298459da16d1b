//! The admin screen's side of policies: rows, saving expression policies through `edit`
//! (checked, compiled and audited there), deleting, and testing a policy for a user named by
//! username.
use super::{by_kind, edit, test};
use crate::ssr::audit::Actor;
use crate::ssr::typed::field_error;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use crate::types::policies::{ExpressionPolicyForm, PolicyListRow, PolicyTestAnswer};
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

const EXPRESSION: &str = "expression";

fn row_of(p: edit::PolicyRow) -> PolicyListRow {
    let expression = (p.kind.kind == EXPRESSION).then(|| ExpressionPolicyForm {
        name: p.name.clone(),
        expression: p
            .config
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        execution_logging: p.execution_logging,
    });
    PolicyListRow {
        id: p.id.to_string(),
        name: p.name,
        verbose_name: p.kind.verbose_name.into(),
        bound_to: p.bound_to,
        expression,
    }
}

/// Every policy, by name.
pub async fn rows(pool: &PgPool) -> Result<Vec<PolicyListRow>> {
    Ok(edit::list(pool, None)
        .await?
        .into_iter()
        .map(row_of)
        .collect())
}

/// Creates (`id` None) or updates an expression policy; field errors (a compile error names
/// its line and column) from the type's checks.
pub async fn save_expression(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &ExpressionPolicyForm,
) -> Result<Saved<Uuid>> {
    let kind = by_kind(EXPRESSION).ok_or_else(|| Error::internal("no expression policy kind"))?;
    let mut tx = pool.begin().await?;
    if let Some(pid) = id {
        let current = edit::get(&mut *tx, pid).await?.ok_or(Error::NotFound)?;
        if current.kind.kind != EXPRESSION {
            return Err(Error::NotFound);
        }
    }
    let policy = edit::PolicyForm {
        name: form.name.clone(),
        execution_logging: form.execution_logging,
        config: json!({ "expression": form.expression }),
    };
    let saved = match edit::save_in(&mut tx, actor, id, kind, &policy).await? {
        Saved::Ok((id, _)) => Saved::Ok(id),
        Saved::Invalid(e) => Saved::Invalid(e),
    };
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// Deletes a policy (audited) and its bindings.
pub async fn delete(pool: &PgPool, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    edit::delete_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs policy `id` for the user `username`, from `ip` when given; field errors name `username`
/// or `ip`.
pub async fn try_for(
    pool: &PgPool,
    id: Uuid,
    username: &str,
    ip: &str,
) -> Result<std::result::Result<PolicyTestAnswer, FieldErrors>> {
    let user = sqlx::query_scalar!("select id from users where username = $1", username.trim())
        .fetch_optional(pool)
        .await?;
    let Some(user) = user else {
        return Ok(Err(field_error("username", "No user has this username.")));
    };
    let mut context = Map::new();
    if !ip.trim().is_empty() {
        context.insert("ip".into(), json!(ip.trim()));
    }
    let request = match test::request(&test::Trial { user, context }) {
        Ok(r) => r,
        Err(_) => return Ok(Err(field_error("ip", "Give an IPv4 or IPv6 address."))),
    };
    let verdict = test::run(pool, id, &request)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Ok(PolicyTestAnswer {
        passing: verdict.passing,
        messages: verdict.messages,
        log_messages: verdict.logs,
    }))
}
