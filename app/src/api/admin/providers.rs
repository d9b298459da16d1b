//! Superusers: providers (the OAuth2 and proxy provider forms, the audited secret view, a
//! proxy provider's reverse-proxy configurations, delete).
use crate::types::directory::Saved;
use crate::types::providers::{OAuth2Form, ProviderChoices, ProviderRow, ProxyForm, ProxySetup};
use leptos::prelude::*;
use server_fn::codec::Json;

#[server(prefix = "/-/fn", endpoint = "admin/providers/list", input = Json)]
pub async fn admin_list_providers() -> Result<Vec<ProviderRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::providers::admin::rows(&req.state.pool)
        .await
        .map_err(public)
}

#[server(prefix = "/-/fn", endpoint = "admin/providers/choices", input = Json)]
pub async fn admin_provider_choices() -> Result<ProviderChoices, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::providers::admin::choices(&req.state.pool)
        .await
        .map_err(public)
}

/// Creates (no `id`) or updates an OAuth2 provider; field errors beside the fields.
#[server(prefix = "/-/fn", endpoint = "admin/providers/save", input = Json)]
pub async fn admin_save_oauth2(
    id: Option<String>,
    form: OAuth2Form,
) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = id
        .filter(|i| !i.is_empty())
        .map(|i| parse_id(&i))
        .transpose()?;
    let saved = crate::ssr::providers::admin::save_oauth2(
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

/// Superusers only: creates (no `id`) or updates a proxy provider through the REST API's save
/// path; field errors beside the fields.
#[server(prefix = "/-/fn", endpoint = "admin/providers/save-proxy", input = Json)]
pub async fn admin_save_proxy(
    id: Option<String>,
    form: ProxyForm,
) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = id
        .filter(|i| !i.is_empty())
        .map(|i| parse_id(&i))
        .transpose()?;
    let saved = crate::ssr::providers::admin::proxy_form::save(
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

/// The client secret, shown again (a `secret_view` event).
#[server(prefix = "/-/fn", endpoint = "admin/providers/secret", input = Json)]
pub async fn admin_provider_secret(id: String) -> Result<String, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::providers::admin::view_secret(
        &req.state.pool,
        &req.state.settings.secret_key,
        &req.actor(&admin),
        id,
    )
    .await
    .map_err(public)
}

#[server(prefix = "/-/fn", endpoint = "admin/providers/delete", input = Json)]
pub async fn admin_delete_provider(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    let mut tx = req.state.pool.begin().await.map_err(|e| public(e.into()))?;
    crate::ssr::providers::edit::delete_in(&mut tx, &req.actor(&admin), id)
        .await
        .map_err(public)?;
    tx.commit().await.map_err(|e| public(e.into()))?;
    Ok(())
}

/// Superusers only: a proxy provider's reverse-proxy configurations (nginx, Traefik, Caddy,
/// Envoy), or why there are none; NotFound for other kinds.
#[server(prefix = "/-/fn", endpoint = "admin/providers/snippets", input = Json)]
pub async fn admin_proxy_snippets(id: String) -> Result<ProxySetup, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::providers::admin::proxy_setup(&req.state.pool, &req.state.settings.public_url, id)
        .await
        .map_err(public)
}
