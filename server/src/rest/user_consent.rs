//! `/api/v3/core/user_consent/`: the consents users gave applications, in authentik's shape
//! (list, retrieve, delete; consents are only given on the consent page). Superusers see every
//! user's (filter `user`); other users see and revoke their own.
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::page::{ListParams, Paginated};
use super::parse_pk;
use app::ssr::AppState;
use app::ssr::oauth2::consents::{self, ConsentRecord};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentUser {
    pub pk: String,
    pub username: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentApplication {
    pub pk: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserConsent {
    pub pk: String,
    /// RFC 3339; null when it does not expire.
    pub expires: Option<String>,
    pub expiring: bool,
    pub user: ConsentUser,
    pub application: ConsentApplication,
    /// The allowed scopes, space-separated (authentik's form).
    pub permissions: String,
}

impl From<ConsentRecord> for UserConsent {
    fn from(c: ConsentRecord) -> Self {
        Self {
            pk: c.id.to_string(),
            expires: c.expires_at.and_then(|t| t.format(&Rfc3339).ok()),
            expiring: c.expires_at.is_some(),
            user: ConsentUser {
                pk: c.user_id.to_string(),
                username: c.username,
                name: c.user_name,
            },
            application: ConsentApplication {
                pk: c.application_id.to_string(),
                slug: c.application_slug,
                name: c.application_name,
            },
            permissions: c.scopes.join(" "),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsentFilter {
    /// A user's pk (superusers).
    pub user: Option<String>,
    /// An application's slug.
    pub application: Option<String>,
}

/// The consents the caller may see: everyone's for superusers (or `user`'s), else their own.
async fn visible(
    state: &AppState,
    caller: &Caller,
    user: Option<&str>,
) -> ApiResult<Vec<ConsentRecord>> {
    let user = match (caller.superuser, user) {
        (true, Some(u)) => Some(parse_pk(u)?),
        (true, None) => None,
        (false, _) => Some(caller.user.id),
    };
    Ok(consents::records(&state.pool, user).await?)
}

#[utoipa::path(get, path = "/core/user_consent/", tag = "core", params(ListParams, ConsentFilter),
    responses((status = 200, body = Paginated<UserConsent>), (status = 400), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
    Query(filter): Query<ConsentFilter>,
) -> ApiResult<Json<Paginated<UserConsent>>> {
    let req = params.page()?;
    let rows: Vec<UserConsent> = visible(&state, &caller, filter.user.as_deref())
        .await?
        .into_iter()
        .filter(|c| {
            filter
                .application
                .as_ref()
                .is_none_or(|a| &c.application_slug == a)
        })
        .map(UserConsent::from)
        .collect();
    Ok(Json(Paginated::of_all(req, rows)?))
}

async fn find(state: &AppState, caller: &Caller, pk: &str) -> ApiResult<ConsentRecord> {
    let id = parse_pk(pk)?;
    visible(state, caller, None)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/core/user_consent/{id}/", tag = "core", params(("id" = String, Path)),
    responses((status = 200, body = UserConsent), (status = 401), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Json<UserConsent>> {
    Ok(Json(find(&state, &caller, &pk).await?.into()))
}

/// Revokes a consent: the application asks again at the next sign-in.
#[utoipa::path(delete, path = "/core/user_consent/{id}/", tag = "core", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    let c = find(&state, &caller, &pk).await?;
    consents::revoke(&state.pool, c.user_id, c.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
