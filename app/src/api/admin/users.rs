use crate::types::directory::{GroupRef, Saved, UserDetail, UserForm, UserPage, UserQuery};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: one page of the users list.
#[server(prefix = "/-/fn", endpoint = "admin/users/list", input = Json)]
pub async fn admin_list_users(query: UserQuery) -> Result<UserPage, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::users::list::list(&req.state.pool, &query)
        .await
        .map_err(public)
}

/// Superusers only: a user with their groups.
#[server(prefix = "/-/fn", endpoint = "admin/users/detail", input = Json)]
pub async fn admin_user_detail(id: String) -> Result<UserDetail, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::users::edit::detail(&req.state.pool, id)
        .await
        .map_err(public)?
        .ok_or_else(|| public(crate::ssr::Error::NotFound))
}

/// Superusers only: creates a user (or a service account, which cannot log in interactively).
#[server(prefix = "/-/fn", endpoint = "admin/users/create", input = Json)]
pub async fn admin_create_user(
    form: UserForm,
    service_account: bool,
) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    crate::ssr::users::edit::create(&req.state.pool, &req.actor(&admin), &form, service_account)
        .await
        .map_err(public)
}

/// Superusers only: saves a user's fields and groups.
#[server(prefix = "/-/fn", endpoint = "admin/users/update", input = Json)]
pub async fn admin_update_user(id: String, form: UserForm) -> Result<Saved<()>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::users::edit::update(&req.state.pool, &req.actor(&admin), id, &form)
        .await
        .map_err(public)
}

/// Superusers only: deletes a user (not yourself).
#[server(prefix = "/-/fn", endpoint = "admin/users/delete", input = Json)]
pub async fn admin_delete_user(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::users::edit::delete(&req.state.pool, &req.actor(&admin), id)
        .await
        .map_err(public)
}

/// Superusers only: sets a user's password, which ends that user's sessions (but the admin's
/// own, when they set their own password).
#[server(prefix = "/-/fn", endpoint = "admin/users/set-password", input = Json)]
pub async fn admin_set_password(id: String, password: String) -> Result<Saved<()>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    let this = crate::ssr::sessions::handle(&req.session)
        .await
        .map_err(public)?;
    let actor = req.actor(&admin);
    crate::ssr::users::edit::set_password(&req.state.pool, &actor, id, password, this)
        .await
        .map_err(public)
}

/// Superusers only: a single-use recovery link for the user, as `ward create-recovery-key`
/// makes, through the recovery flow of this request's brand.
#[server(prefix = "/-/fn", endpoint = "admin/users/recovery-link", input = Json)]
pub async fn admin_recovery_link(id: String) -> Result<String, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    let flow = crate::ssr::brands::from_context().form.flow_recovery;
    let link =
        crate::ssr::tokens::recovery_link(&req.state.pool, Some(&req.actor(&admin)), id, &flow)
            .await
            .map_err(public)?;
    Ok(format!("{}{}", req.origin, link.path))
}

/// Superusers only: every group, for pickers.
#[server(prefix = "/-/fn", endpoint = "admin/groups/options", input = Json)]
pub async fn admin_group_options() -> Result<Vec<GroupRef>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::groups::options(&req.state.pool)
        .await
        .map_err(public)
}
