//! Admin → System: settings and background tasks.
use crate::types::directory::Saved;
use crate::types::system::{SystemSettings, TaskRow};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: the system settings.
#[server(prefix = "/-/fn", endpoint = "admin/settings", input = Json)]
pub async fn admin_settings() -> Result<SystemSettings, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::settings::load(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: saves the system settings (field errors for values out of range).
#[server(prefix = "/-/fn", endpoint = "admin/settings/save", input = Json)]
pub async fn admin_save_settings(
    settings: SystemSettings,
) -> Result<Saved<SystemSettings>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    crate::ssr::settings::save(&req.state.pool, &req.actor(&admin), settings)
        .await
        .map_err(public)
}

/// Superusers only: each background task kind with its last and next run.
#[server(prefix = "/-/fn", endpoint = "admin/tasks", input = Json)]
pub async fn admin_tasks() -> Result<Vec<TaskRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::jobs::status::tasks(&req.state.pool)
        .await
        .map_err(public)
}

/// Superusers only: runs a periodic task now.
#[server(prefix = "/-/fn", endpoint = "admin/tasks/run", input = Json)]
pub async fn admin_run_task(kind: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::jobs::queue::run_now(&req.state.pool, &kind)
        .await
        .map_err(public)
}
