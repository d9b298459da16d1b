//! Admin → System: settings and background tasks.
use crate::types::directory::Saved;
use crate::types::system::{EmailView, SystemSettings, TaskRow};
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

/// Superusers only: the SMTP settings (read-only; they come from the environment).
#[server(prefix = "/-/fn", endpoint = "admin/email", input = Json)]
pub async fn admin_email_settings() -> Result<EmailView, ServerFnError> {
    use crate::api::context::Request;
    let req = Request::extract().await?;
    req.require_admin().await?;
    Ok(req.state.settings.email.view())
}

/// Superusers only: queues a test email to `to`; the worker sends it (and retries).
#[server(prefix = "/-/fn", endpoint = "admin/email/test", input = Json)]
pub async fn admin_send_test_email(to: String) -> Result<Saved<()>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let admin = req.require_admin().await?;
    let vars = serde_json::Map::from_iter([
        (
            "site".to_string(),
            serde_json::json!(req.state.settings.public_url),
        ),
        ("sender".to_string(), serde_json::json!(admin.username)),
    ]);
    let queued =
        crate::ssr::email::queue(&req.state.pool, "to", &to, "Ward test email", "test", vars)
            .await
            .map_err(public)?;
    Ok(match queued {
        Saved::Ok(_) => Saved::Ok(()),
        Saved::Invalid(e) => Saved::Invalid(e),
    })
}
