use crate::types::directory::{GroupForm, GroupRow, Saved, UserRow};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every group with its parent and member count.
#[server(prefix = "/-/fn", endpoint = "admin/groups/list", input = Json)]
pub async fn admin_list_groups() -> Result<Vec<GroupRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::groups::edit::list(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: creates (`id` empty) or updates a group; a parent that would make a cycle
/// is refused.
#[server(prefix = "/-/fn", endpoint = "admin/groups/save", input = Json)]
pub async fn admin_save_group(id: String, form: GroupForm) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = if id.is_empty() {
        None
    } else {
        Some(parse_id(&id)?)
    };
    crate::ssr::groups::edit::save(&req.state.pool, &req.actor(&admin), id, &form, None)
        .await
        .map_err(public)
}

/// Superusers only: deletes a group (its children move to the top level).
#[server(prefix = "/-/fn", endpoint = "admin/groups/delete", input = Json)]
pub async fn admin_delete_group(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::groups::edit::delete(&req.state.pool, &req.actor(&admin), id)
        .await
        .map_err(public)
}

/// Superusers only: the direct members of a group.
#[server(prefix = "/-/fn", endpoint = "admin/groups/members", input = Json)]
pub async fn admin_group_members(id: String) -> Result<Vec<UserRow>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::groups::edit::members(&req.state.pool, id)
        .await
        .map_err(public)
}

/// Superusers only: adds (`add`) or removes a member.
#[server(prefix = "/-/fn", endpoint = "admin/groups/set-member", input = Json)]
pub async fn admin_set_group_member(
    group: String,
    user: String,
    add: bool,
) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let (group, user) = (parse_id(&group)?, parse_id(&user)?);
    crate::ssr::groups::edit::set_member(&req.state.pool, &req.actor(&admin), group, user, add)
        .await
        .map_err(public)
}
