//! Superusers: a user's MFA devices and the consents they gave applications.
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

/// Superusers only: the consents a user gave applications.
#[server(prefix = "/-/fn", endpoint = "admin/users/consents", input = Json)]
pub async fn admin_user_consents(
    user: String,
) -> Result<Vec<crate::types::library::ConsentRow>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let user = parse_id(&user)?;
    crate::ssr::oauth2::consents::rows(&req.state.pool, user)
        .await
        .map_err(public)
}

/// Superusers only: revokes one of a user's consents (the application asks again).
#[server(prefix = "/-/fn", endpoint = "admin/users/consents/revoke", input = Json)]
pub async fn admin_revoke_user_consent(user: String, id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let (user, id) = (parse_id(&user)?, parse_id(&id)?);
    if crate::ssr::oauth2::consents::revoke(&req.state.pool, user, id)
        .await
        .map_err(public)?
    {
        Ok(())
    } else {
        Err(public(crate::ssr::Error::NotFound))
    }
}
