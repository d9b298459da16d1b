//! Admin → System → Certificates: certificate-key pairs. No answer ever carries a private key.
use crate::types::certs::{CertRow, GenerateForm, ImportForm};
use crate::types::directory::Saved;
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every pair, newest first (metadata only, never key material).
#[server(prefix = "/-/fn", endpoint = "admin/certs/list", input = Json)]
pub async fn admin_list_certs() -> Result<Vec<CertRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::certs::list(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: generates a key and a self-signed certificate; answers the new pair's id.
#[server(prefix = "/-/fn", endpoint = "admin/certs/generate", input = Json)]
pub async fn admin_generate_cert(form: GenerateForm) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    crate::ssr::certs::generate(
        &req.state.pool,
        &req.state.settings.secret_key,
        Some(&req.actor(&admin)),
        &form,
    )
    .await
    .map_err(public)
}

/// Superusers only: imports a PEM certificate (or chain) and optionally its private key.
#[server(prefix = "/-/fn", endpoint = "admin/certs/import", input = Json)]
pub async fn admin_import_cert(form: ImportForm) -> Result<Saved<String>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    crate::ssr::certs::import(
        &req.state.pool,
        &req.state.settings.secret_key,
        Some(&req.actor(&admin)),
        &form,
    )
    .await
    .map_err(public)
}

/// Superusers only: deletes a pair (and its key).
#[server(prefix = "/-/fn", endpoint = "admin/certs/delete", input = Json)]
pub async fn admin_delete_cert(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::certs::delete(&req.state.pool, &req.actor(&admin), id)
        .await
        .map_err(public)
}
