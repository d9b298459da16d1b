//! Server functions of the user portal: any signed-in user, about their own account only.
use crate::types::activity::{EventRow, SessionRow};
use crate::types::directory::Saved;
use crate::types::user::{ProfileForm, ProfileRules};
use leptos::prelude::*;
use server_fn::codec::Json;

/// Signed-in users: change their username, name and email, as far as the settings allow.
#[server(prefix = "/-/fn", endpoint = "me/profile", input = Json)]
pub async fn my_update_profile(profile: ProfileForm) -> Result<Saved<()>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    crate::ssr::account::update_profile(&req.state.pool, &me, req.client.ip, &profile)
        .await
        .map_err(public)
}

/// Signed-in users: which of their profile fields they may change.
#[server(prefix = "/-/fn", endpoint = "me/profile/rules", input = Json)]
pub async fn my_profile_rules() -> Result<ProfileRules, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_user().await?;
    crate::ssr::account::profile_rules(&req.state.pool)
        .await
        .map_err(public)
}

/// Signed-in users: change their password (the current one is required). Their other
/// sessions end; this one stays.
#[server(prefix = "/-/fn", endpoint = "me/password", input = Json)]
pub async fn my_change_password(
    current: String,
    new: String,
    repeat: String,
) -> Result<Saved<()>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    let this = crate::ssr::sessions::handle(&req.session)
        .await
        .map_err(public)?;
    let pool = &req.state.pool;
    crate::ssr::account::change_password(pool, &me, req.client.ip, this, current, new, &repeat)
        .await
        .map_err(public)
}

/// Signed-in users: their own active sessions.
#[server(prefix = "/-/fn", endpoint = "me/sessions", input = Json)]
pub async fn my_sessions() -> Result<Vec<SessionRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    let current = crate::ssr::sessions::handle(&req.session)
        .await
        .map_err(public)?;
    crate::ssr::session_list::list(&req.state.pool, Some(me.id), current)
        .await
        .map_err(public)
}

/// Signed-in users: revoke one of their own sessions.
#[server(prefix = "/-/fn", endpoint = "me/sessions/revoke", input = Json)]
pub async fn my_revoke_session(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    let id = parse_id(&id)?;
    crate::ssr::session_list::revoke(&req.state.pool, &req.actor(&me), id, Some(me.id))
        .await
        .map_err(public)
}

/// Signed-in users: their own most recent events.
#[server(prefix = "/-/fn", endpoint = "me/events", input = Json)]
pub async fn my_events() -> Result<Vec<EventRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    crate::ssr::event_list::recent_for_user(&req.state.pool, me.id, 50)
        .await
        .map_err(public)
}

/// Signed-in users: their MFA devices.
#[server(prefix = "/-/fn", endpoint = "me/mfa", input = Json)]
pub async fn my_mfa_devices() -> Result<Vec<crate::types::mfa::DeviceRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    crate::ssr::mfa::devices::list(&req.state.pool, me.id)
        .await
        .map_err(public)
}

/// Signed-in users: rename one of their own MFA devices (a field error for a name that will
/// not do).
#[server(prefix = "/-/fn", endpoint = "me/mfa/rename", input = Json)]
pub async fn my_rename_mfa_device(
    id: String,
    name: String,
) -> Result<crate::types::directory::Saved<()>, ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    use crate::types::directory::Saved;
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    let id = parse_id(&id)?;
    let mut tx = req.state.pool.begin().await.map_err(|e| public(e.into()))?;
    let renamed = crate::ssr::mfa::device_edit::rename(&mut tx, &req.actor(&me), me.id, id, &name)
        .await
        .map_err(public)?;
    match renamed {
        Err(message) => Ok(Saved::Invalid(crate::ssr::typed::field_error(
            "name", message,
        ))),
        Ok(false) => Err(public(crate::ssr::Error::NotFound)),
        Ok(true) => {
            tx.commit().await.map_err(|e| public(e.into()))?;
            Ok(Saved::Ok(()))
        }
    }
}

/// Signed-in users: remove one of their own MFA devices.
#[server(prefix = "/-/fn", endpoint = "me/mfa/remove", input = Json)]
pub async fn my_remove_mfa_device(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    let id = parse_id(&id)?;
    let pool = &req.state.pool;
    let removed = crate::ssr::mfa::devices::remove(
        pool,
        (me.id, &me.username),
        req.client.ip,
        Some(id),
        None,
    )
    .await
    .map_err(public)?;
    if removed == 1 {
        Ok(())
    } else {
        Err(public(crate::ssr::Error::NotFound))
    }
}

/// Signed-in users: the applications they may use ("My applications").
#[server(prefix = "/-/fn", endpoint = "me/applications", input = Json)]
pub async fn my_applications() -> Result<Vec<crate::types::library::LibraryApp>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    crate::ssr::applications::library(&req.state.pool, me.id)
        .await
        .map_err(public)
}

/// Signed-in users: the consents they gave applications.
#[server(prefix = "/-/fn", endpoint = "me/consents", input = Json)]
pub async fn my_consents() -> Result<Vec<crate::types::library::ConsentRow>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    crate::ssr::oauth2::consents::rows(&req.state.pool, me.id)
        .await
        .map_err(public)
}

/// Signed-in users: revoke a consent of theirs (the application asks again next time).
#[server(prefix = "/-/fn", endpoint = "me/consents/revoke", input = Json)]
pub async fn my_revoke_consent(id: String) -> Result<(), ServerFnError> {
    use crate::api::context::{Request, parse_id, public};
    let req = Request::extract().await?;
    let me = req.require_user().await?;
    let id = parse_id(&id)?;
    let done = crate::ssr::oauth2::consents::revoke(&req.state.pool, me.id, id)
        .await
        .map_err(public)?;
    if done {
        Ok(())
    } else {
        Err(public(crate::ssr::Error::NotFound))
    }
}
