//! Admin → System → Blueprints: the blueprint files Ward applies, and "apply now".
use crate::types::system::{BlueprintApplied, BlueprintRow};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: every blueprint instance with its last result.
#[server(prefix = "/-/fn", endpoint = "admin/blueprints", input = Json)]
pub async fn admin_blueprints() -> Result<Vec<BlueprintRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::blueprints::instances::list(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: applies instance `id` again from its file (even when unchanged). An
/// unknown id is 404; only files in Ward's blueprint directories are applied.
#[server(prefix = "/-/fn", endpoint = "admin/blueprints/apply", input = Json)]
pub async fn admin_apply_blueprint(id: String) -> Result<BlueprintApplied, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let id = parse_id(&id)?;
    crate::ssr::blueprints::instances::apply_now(
        &req.state.pool,
        &req.state.settings.secret_key,
        &req.state.settings.blueprint_dirs,
        &req.actor(&admin),
        id,
    )
    .await
    .map_err(public)
}
