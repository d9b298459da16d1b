use crate::types::activity::DashboardStats;
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: the dashboard's figures.
#[server(prefix = "/-/fn", endpoint = "admin/dashboard", input = Json)]
pub async fn admin_dashboard() -> Result<DashboardStats, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    crate::ssr::dashboard::stats(&req.state.pool, req.state.settings.started.elapsed())
        .await
        .map_err(public)
}
