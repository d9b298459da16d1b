use crate::types::mfa::DeviceRow;
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: a user's MFA devices (no secrets).
#[server(prefix = "/-/fn", endpoint = "admin/users/mfa", input = Json)]
pub async fn admin_user_mfa(user: String) -> Result<Vec<DeviceRow>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let user = parse_id(&user)?;
    crate::ssr::mfa::devices::list(&req.state.pool, user)
        .await
        .map_err(public)
}

/// Superusers only: removes one of a user's devices (`id`), or all of them (no `id`: the user
/// enrolls again at the next sign-in that asks).
#[server(prefix = "/-/fn", endpoint = "admin/users/mfa/remove", input = Json)]
pub async fn admin_remove_user_mfa(user: String, id: Option<String>) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let user = parse_id(&user)?;
    let device = id
        .filter(|i| !i.is_empty())
        .map(|i| parse_id(&i))
        .transpose()?;
    let pool = &req.state.pool;
    let Some(owner) = crate::ssr::users::get(pool, user).await.map_err(public)? else {
        return Err(public(crate::ssr::Error::NotFound));
    };
    let removed = crate::ssr::mfa::devices::remove(
        pool,
        (owner.id, &owner.username),
        req.client.ip,
        device,
        Some(&admin.username),
    )
    .await
    .map_err(public)?;
    if device.is_some() && removed == 0 {
        return Err(public(crate::ssr::Error::NotFound));
    }
    Ok(())
}
