use crate::types::directory::{Saved, TokenCreated, TokenForm, TokenRow};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every token (never its key).
#[server(prefix = "/-/fn", endpoint = "admin/tokens/list", input = Json)]
pub async fn admin_list_tokens() -> Result<Vec<TokenRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::token_admin::list(&req.state.pool, None)
        .await
        .map_err(public)
}

/// Superusers only: creates a token; the answer carries the key, shown this once.
#[server(prefix = "/-/fn", endpoint = "admin/tokens/create", input = Json)]
pub async fn admin_create_token(form: TokenForm) -> Result<Saved<TokenCreated>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    crate::ssr::token_admin::create(
        &req.state.pool,
        &req.state.settings.secret_key,
        &req.actor(&admin),
        &form,
    )
    .await
    .map_err(public)
}

/// Superusers only: deletes a token.
#[server(prefix = "/-/fn", endpoint = "admin/tokens/delete", input = Json)]
pub async fn admin_delete_token(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::token_admin::delete(&req.state.pool, &req.actor(&admin), id)
        .await
        .map_err(public)
}
