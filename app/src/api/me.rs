use leptos::prelude::*;

/// Anyone may call: the signed-in user, or None.
#[server(prefix = "/-/fn", endpoint = "me")]
pub async fn current_user() -> Result<Option<crate::types::user::Me>, ServerFnError> {
    let req = super::context::Request::extract().await?;
    let pool = &req.state.pool;
    let Some(user) = crate::ssr::sessions::current_user(pool, &req.session)
        .await
        .map_err(crate::ssr::Error::public)?
    else {
        return Ok(None);
    };
    let is_superuser = crate::ssr::users::is_superuser(pool, user.id)
        .await
        .map_err(crate::ssr::Error::public)?;
    Ok(Some(crate::types::user::Me {
        username: user.username,
        name: user.name,
        email: user.email.unwrap_or_default(),
        is_superuser,
    }))
}
