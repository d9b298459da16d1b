//! Superusers: policies (Customization → Policies): the list, the expression policy form,
//! delete, and the test action.
use crate::types::directory::Saved;
use crate::types::policies::{ExpressionPolicyForm, PolicyListRow, PolicyTestAnswer};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every policy, by name.
#[server(prefix = "/-/fn", endpoint = "admin/policies/list", input = Json)]
pub async fn admin_list_policies() -> Result<Vec<PolicyListRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::policies::admin::rows(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: creates (no `id`) or updates an expression policy; field errors (a compile
/// error with its line and column) beside the fields.
#[server(prefix = "/-/fn", endpoint = "admin/policies/save-expression", input = Json)]
pub async fn admin_save_expression_policy(
    id: Option<String>,
    form: ExpressionPolicyForm,
) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = id
        .filter(|i| !i.is_empty())
        .map(|i| parse_id(&i))
        .transpose()?;
    let saved = crate::ssr::policies::admin::save_expression(
        &req.state.pool,
        &req.actor(&admin),
        id,
        &form,
    )
    .await
    .map_err(public)?;
    Ok(match saved {
        Saved::Ok(id) => Saved::Ok(id.to_string()),
        Saved::Invalid(e) => Saved::Invalid(e),
    })
}

/// Superusers only: deletes a policy with its bindings.
#[server(prefix = "/-/fn", endpoint = "admin/policies/delete", input = Json)]
pub async fn admin_delete_policy(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::policies::admin::delete(&req.state.pool, &req.actor(&admin), id)
        .await
        .map_err(public)
}

/// Superusers only: runs a policy for the user `username` (from `ip` when given) and answers
/// its verdict, messages and log lines; field errors for an unknown user or a bad address.
#[server(prefix = "/-/fn", endpoint = "admin/policies/test", input = Json)]
pub async fn admin_test_policy(
    id: String,
    username: String,
    ip: String,
) -> Result<Saved<PolicyTestAnswer>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let id = parse_id(&id)?;
    let answer = crate::ssr::policies::admin::try_for(&req.state.pool, id, &username, &ip)
        .await
        .map_err(public)?;
    Ok(match answer {
        Ok(a) => Saved::Ok(a),
        Err(e) => Saved::Invalid(e),
    })
}
