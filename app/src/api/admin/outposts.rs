//! Superusers: outposts (list with health, the form, delete, a remote outpost's deployment
//! settings and its token, shown again through the audited token view).
use crate::types::directory::Saved;
use crate::types::outposts::{Deployment, OutpostChoices, OutpostFormData, OutpostView};
use leptos::prelude::*;
use server_fn::codec::Json;

#[server(prefix = "/-/fn", endpoint = "admin/outposts/list", input = Json)]
pub async fn admin_list_outposts() -> Result<Vec<OutpostView>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::outposts::admin::rows(&req.state.pool)
        .await
        .map_err(public)
}

#[server(prefix = "/-/fn", endpoint = "admin/outposts/choices", input = Json)]
pub async fn admin_outpost_choices() -> Result<OutpostChoices, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::outposts::admin::choices(&req.state.pool, &req.origin)
        .await
        .map_err(public)
}

/// Creates (no `id`) or updates an outpost; field errors beside the fields.
#[server(prefix = "/-/fn", endpoint = "admin/outposts/save", input = Json)]
pub async fn admin_save_outpost(
    id: Option<String>,
    form: OutpostFormData,
) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = id
        .filter(|i| !i.is_empty())
        .map(|i| parse_id(&i))
        .transpose()?;
    let saved = crate::ssr::outposts::admin::save(
        &req.state.pool,
        &req.actor(&admin),
        &req.state.settings.secret_key,
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

/// Deletes an outpost with its service account and token (not the embedded one).
#[server(prefix = "/-/fn", endpoint = "admin/outposts/delete", input = Json)]
pub async fn admin_delete_outpost(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    let mut tx = req.state.pool.begin().await.map_err(|e| public(e.into()))?;
    crate::ssr::outposts::edit::delete_in(&mut tx, &req.actor(&admin), id)
        .await
        .map_err(public)?;
    tx.commit().await.map_err(|e| public(e.into()))?;
    Ok(())
}

/// What a remote outpost runs with (never the token's key).
#[server(prefix = "/-/fn", endpoint = "admin/outposts/deployment", input = Json)]
pub async fn admin_outpost_deployment(id: String) -> Result<Deployment, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::outposts::admin::deployment(&req.state.pool, id, &req.origin)
        .await
        .map_err(public)
}

/// The key of a remote outpost's API token, through the token view (a `secret_view` event).
#[server(prefix = "/-/fn", endpoint = "admin/outposts/token", input = Json)]
pub async fn admin_outpost_token(id: String) -> Result<String, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    let pool = &req.state.pool;
    let deployment = crate::ssr::outposts::admin::deployment(pool, id, &req.origin)
        .await
        .map_err(public)?;
    crate::ssr::token_admin::view_key(
        pool,
        &req.state.settings.secret_key,
        &req.actor(&admin),
        &deployment.token_identifier,
    )
    .await
    .map_err(public)
}
