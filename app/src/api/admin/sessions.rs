use crate::types::activity::SessionRow;
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every active session, or one user's (`user` = id).
#[server(prefix = "/-/fn", endpoint = "admin/sessions/list", input = Json)]
pub async fn admin_list_sessions(user: Option<String>) -> Result<Vec<SessionRow>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let user = user
        .filter(|u| !u.is_empty())
        .map(|u| parse_id(&u))
        .transpose()?;
    let current = crate::ssr::sessions::handle(&req.session)
        .await
        .map_err(public)?;
    crate::ssr::session_list::list(&req.state.pool, user, current)
        .await
        .map_err(public)
}

/// Superusers only: revokes a session; that browser is signed out on its next request.
#[server(prefix = "/-/fn", endpoint = "admin/sessions/revoke", input = Json)]
pub async fn admin_revoke_session(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::session_list::revoke(&req.state.pool, &req.actor(&admin), id, None)
        .await
        .map_err(public)
}
