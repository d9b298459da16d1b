//! `/api/v3/core/tokens/`: API tokens and app passwords, looked up by identifier. Superusers see
//! every token; other users only their own, and create only their own.
use super::auth::Caller;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated};
use super::{Created, saved};
use app::ssr::{AppState, settings, token_admin};
use app::types::directory::{TokenForm, TokenRow};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub pk: String,
    pub identifier: String,
    /// `api`, `recovery` or `app_password`.
    pub intent: String,
    /// The owner's pk.
    pub user: String,
    pub username: String,
    pub description: String,
    /// RFC 3339; null for a token that never expires.
    pub expires: Option<String>,
    pub expiring: bool,
}

impl From<TokenRow> for Token {
    fn from(t: TokenRow) -> Self {
        let expires = Some(t.expires_at).filter(|e| !e.is_empty());
        Self {
            pk: t.id,
            identifier: t.identifier,
            intent: t.intent,
            user: t.user_id,
            username: t.username,
            description: t.description,
            expiring: expires.is_some(),
            expires,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub identifier: String,
    /// `api` (default), `app_password`, or `recovery` (superusers only).
    pub intent: Option<String>,
    /// The owner's pk; default the caller. Only superusers name another user.
    pub user: Option<String>,
    pub description: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`. Without it an expiring token lasts the default token duration.
    pub expires: Option<String>,
    /// false: the token never expires. Default true.
    pub expiring: Option<bool>,
}

/// What can change on a token. Absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenChange {
    pub description: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// false: never expires (clears `expires`).
    pub expiring: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenFilter {
    pub identifier: Option<String>,
    pub intent: Option<String>,
    /// The owner's pk.
    pub user: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub key: String,
}

#[utoipa::path(get, path = "/core/tokens/", tag = "core", params(ListParams, TokenFilter),
    responses((status = 200, body = Paginated<Token>), (status = 400), (status = 401)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
    Query(filter): Query<TokenFilter>,
) -> ApiResult<Json<Paginated<Token>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["created", "identifier", "expires"], "created")?;
    let owner = (!caller.superuser).then_some(caller.user.id);
    let search = params.search().to_lowercase();
    let mut rows: Vec<TokenRow> = token_admin::list(&state.pool, owner)
        .await?
        .into_iter()
        .filter(|t| {
            search.is_empty()
                || t.identifier.to_lowercase().contains(&search)
                || t.description.to_lowercase().contains(&search)
        })
        .filter(|t| {
            filter
                .identifier
                .as_ref()
                .is_none_or(|v| &t.identifier == v)
        })
        .filter(|t| filter.intent.as_ref().is_none_or(|v| &t.intent == v))
        .filter(|t| filter.user.as_ref().is_none_or(|v| &t.user_id == v))
        .collect();
    match field {
        "identifier" => rows.sort_by(|a, b| a.identifier.cmp(&b.identifier)),
        "expires" => rows.sort_by(|a, b| a.expires_at.cmp(&b.expires_at)),
        _ => {}
    }
    if descending {
        rows.reverse();
    }
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(Token::from).collect(),
    )?))
}

#[utoipa::path(post, path = "/core/tokens/", tag = "core", request_body = TokenRequest,
    responses((status = 201, body = Token), (status = 400), (status = 401), (status = 403)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> ApiResult<Created<Token>> {
    let Json(body) = body.map_err(bad_body)?;
    let pool = &state.pool;
    let intent = body.intent.unwrap_or_else(|| "api".into());
    let owner = match body
        .user
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        None => caller.user.clone(),
        Some(pk) => {
            let pk =
                uuid::Uuid::parse_str(pk).map_err(|_| ApiError::field("user", "Unknown user."))?;
            app::ssr::users::get(pool, pk)
                .await?
                .ok_or_else(|| ApiError::field("user", "Unknown user."))?
        }
    };
    if !caller.superuser && (owner.id != caller.user.id || intent == "recovery") {
        return Err(ApiError::Forbidden);
    }
    let expires = match (body.expiring, body.expires) {
        (Some(false), _) => String::new(),
        (_, Some(at)) => at,
        _ => default_expiry(pool).await?,
    };
    let form = TokenForm {
        identifier: body.identifier,
        username: owner.username,
        intent,
        expires,
        description: body.description.unwrap_or_default(),
    };
    let created = saved(
        token_admin::create(pool, &state.settings.secret_key, &caller.actor(), &form).await?,
    )?;
    let row = token_admin::find(pool, form.identifier.trim())
        .await?
        .filter(|t| t.id == created.id)
        .ok_or(ApiError::Internal)?;
    Ok(Created(row.into()))
}

#[utoipa::path(get, path = "/core/tokens/{identifier}/", tag = "core",
    params(("identifier" = String, Path)),
    responses((status = 200, body = Token), (status = 401), (status = 404)))]
pub async fn get_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(identifier): Path<String>,
) -> ApiResult<Json<Token>> {
    Ok(Json(visible(&state, &caller, &identifier).await?.into()))
}

#[utoipa::path(delete, path = "/core/tokens/{identifier}/", tag = "core",
    params(("identifier" = String, Path)),
    responses((status = 204), (status = 401), (status = 404)))]
pub async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(identifier): Path<String>,
) -> ApiResult<StatusCode> {
    let token = visible(&state, &caller, &identifier).await?;
    let id = uuid::Uuid::parse_str(&token.id).map_err(|_| ApiError::NotFound)?;
    token_admin::delete(&state.pool, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the editable fields: absent ones take their defaults, as on create (no
/// description; an expiring token lasts the default token duration from now).
#[utoipa::path(put, path = "/core/tokens/{identifier}/", tag = "core",
    params(("identifier" = String, Path)), request_body = TokenChange,
    responses((status = 200, body = Token), (status = 400), (status = 401), (status = 404)))]
pub async fn put_token(
    state: State<AppState>,
    caller: Caller,
    identifier: Path<String>,
    body: Result<Json<TokenChange>, JsonRejection>,
) -> ApiResult<Json<Token>> {
    change(state, caller, identifier, body, false).await
}

#[utoipa::path(patch, path = "/core/tokens/{identifier}/", tag = "core",
    params(("identifier" = String, Path)), request_body = TokenChange,
    responses((status = 200, body = Token), (status = 400), (status = 401), (status = 404)))]
pub async fn patch_token(
    state: State<AppState>,
    caller: Caller,
    identifier: Path<String>,
    body: Result<Json<TokenChange>, JsonRejection>,
) -> ApiResult<Json<Token>> {
    change(state, caller, identifier, body, true).await
}

/// PUT (`partial` false: absent fields take their defaults) and PATCH (absent fields stay).
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(identifier): Path<String>,
    body: Result<Json<TokenChange>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<Token>> {
    let Json(body) = body.map_err(bad_body)?;
    let token = visible(&state, &caller, &identifier).await?;
    let id = uuid::Uuid::parse_str(&token.id).map_err(|_| ApiError::NotFound)?;
    let expires = match (body.expiring, body.expires) {
        (Some(false), _) => String::new(),
        (_, Some(at)) => at,
        _ if partial => token.expires_at.clone(),
        _ => default_expiry(&state.pool).await?,
    };
    let description = match body.description {
        Some(d) => d,
        None if partial => token.description,
        None => String::new(),
    };
    saved(token_admin::update(&state.pool, &caller.actor(), id, &description, &expires).await?)?;
    Ok(Json(visible(&state, &caller, &identifier).await?.into()))
}

/// The token's key, to its owner or a superuser; logged as a `secret_view` event.
#[utoipa::path(get, path = "/core/tokens/{identifier}/view_key/", tag = "core",
    params(("identifier" = String, Path)),
    responses((status = 200, body = TokenView), (status = 400), (status = 401), (status = 404)))]
pub async fn view_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(identifier): Path<String>,
) -> ApiResult<Json<TokenView>> {
    visible(&state, &caller, &identifier).await?;
    let key = token_admin::view_key(
        &state.pool,
        &state.settings.secret_key,
        &caller.actor(),
        &identifier,
    )
    .await?;
    Ok(Json(TokenView { key }))
}

/// Now plus the default token duration, as RFC 3339.
async fn default_expiry(pool: &sqlx::PgPool) -> ApiResult<String> {
    let minutes = settings::load(pool).await?.default_token_duration_minutes;
    (time::OffsetDateTime::now_utc() + time::Duration::minutes(i64::from(minutes)))
        .format(&Rfc3339)
        .map_err(|_| ApiError::Internal)
}

/// Someone else's token is "not found" to a non-superuser: its existence is not revealed.
async fn visible(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<TokenRow> {
    token_admin::find(&state.pool, identifier)
        .await?
        .filter(|t| caller.superuser || t.user_id == caller.user.id.to_string())
        .ok_or(ApiError::NotFound)
}
