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
    let settings = crate::ssr::settings::load(pool)
        .await
        .map_err(crate::ssr::Error::public)?;
    let email = user.email.unwrap_or_default();
    let brand = crate::ssr::brands::from_context();
    Ok(Some(crate::types::user::Me {
        avatar: crate::ssr::account::avatar(&settings.avatars, &email),
        logout_url: crate::ssr::account::flow_url(
            &brand.form.flow_invalidation,
            "default-invalidation-flow",
        ),
        username: user.username,
        name: user.name,
        email,
        is_superuser,
    }))
}
