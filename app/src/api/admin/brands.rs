//! Admin → System → Brands.
use crate::types::brands::{Brand, BrandForm};
use crate::types::directory::Saved;
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every brand, the default first.
#[server(prefix = "/-/fn", endpoint = "admin/brands/list", input = Json)]
pub async fn admin_list_brands() -> Result<Vec<Brand>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::brands::list(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: creates (empty `id`) or updates a brand; field errors for bad values.
#[server(prefix = "/-/fn", endpoint = "admin/brands/save", input = Json)]
pub async fn admin_save_brand(id: String, form: BrandForm) -> Result<Saved<Brand>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = if id.is_empty() {
        None
    } else {
        Some(parse_id(&id)?)
    };
    let saved = crate::ssr::brands::save(&req.state.pool, &req.actor(&admin), id, form).await;
    saved.map_err(public)
}

/// Superusers only: deletes a brand (the default one cannot be deleted).
#[server(prefix = "/-/fn", endpoint = "admin/brands/delete", input = Json)]
pub async fn admin_delete_brand(id: String) -> Result<Saved<()>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    let media = crate::ssr::media::dir(&req.state.settings.data_dir);
    let deleted = crate::ssr::brands::delete(&req.state.pool, &req.actor(&admin), &media, id).await;
    deleted.map_err(public)
}

/// Superusers only: stores an image (PNG, JPEG or SVG, at most 512 KiB, sent as base64) in a
/// brand's `logo`, `favicon` or `background` slot. The file name is only informative: the
/// type is taken from the content.
#[server(prefix = "/-/fn", endpoint = "admin/brands/upload", input = Json)]
pub async fn admin_upload_brand_image(
    brand_id: String,
    slot: String,
    filename: String,
    data_base64: String,
) -> Result<Saved<Brand>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&brand_id)?;
    let _ = filename;
    let media = crate::ssr::media::dir(&req.state.settings.data_dir);
    let saved = crate::ssr::media::upload_brand_image(
        &req.state.pool,
        &req.actor(&admin),
        &media,
        id,
        &slot,
        &data_base64,
    )
    .await;
    saved.map_err(public)
}
