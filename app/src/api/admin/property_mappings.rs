//! Superusers: property mappings (Customization → Property mappings): the list, the scope
//! mapping form and delete. Built-in mappings are refused by the domain.
use crate::types::directory::Saved;
use crate::types::property_mappings::{PropertyMappingRow, ScopeMappingForm};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every property mapping, by name.
#[server(prefix = "/-/fn", endpoint = "admin/propertymappings/list", input = Json)]
pub async fn admin_list_property_mappings() -> Result<Vec<PropertyMappingRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::property_mappings::admin::rows(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: creates (no `id`) or updates a custom scope mapping; field errors beside
/// the fields.
#[server(prefix = "/-/fn", endpoint = "admin/propertymappings/save", input = Json)]
pub async fn admin_save_scope_mapping(
    id: Option<String>,
    form: ScopeMappingForm,
) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = id
        .filter(|i| !i.is_empty())
        .map(|i| parse_id(&i))
        .transpose()?;
    let saved = crate::ssr::property_mappings::admin::save_scope(
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

/// Superusers only: deletes a custom property mapping.
#[server(prefix = "/-/fn", endpoint = "admin/propertymappings/delete", input = Json)]
pub async fn admin_delete_property_mapping(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::property_mappings::admin::delete(&req.state.pool, &req.actor(&admin), id)
        .await
        .map_err(public)
}
