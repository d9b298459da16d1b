//! `/api/v3/core/users/`: the directory's users in authentik's shapes. Validation, permissions
//! of the change itself and auditing live in `app::ssr::users`, shared with the admin UI.
use super::auth::{Admin, Caller};
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated};
use super::{Created, parse_pk, saved};
use app::ssr::AppState;
use app::ssr::users::{self, edit, list};
use app::types::directory::{UserDetail, UserForm, UserQuery, UserSort};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupBrief {
    pub pk: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub pk: String,
    pub uuid: String,
    pub username: String,
    pub name: String,
    pub is_active: bool,
    /// RFC 3339; null when the user never logged in.
    pub last_login: Option<String>,
    pub email: String,
    #[schema(value_type = Object)]
    pub attributes: Value,
    /// Group pks.
    pub groups: Vec<String>,
    pub groups_obj: Vec<GroupBrief>,
    /// Member of a superuser group, directly or through a parent group.
    pub is_superuser: bool,
    /// `internal` or `service_account`.
    #[serde(rename = "type")]
    pub kind: String,
    pub uid: String,
    pub path: String,
}

impl From<UserDetail> for User {
    fn from(d: UserDetail) -> Self {
        let attributes =
            serde_json::from_str(&d.attributes).unwrap_or_else(|_| Value::Object(Map::new()));
        Self {
            uid: d.row.id.clone(),
            uuid: d.row.id.clone(),
            pk: d.row.id,
            username: d.row.username,
            name: d.row.name,
            is_active: d.row.is_active,
            last_login: Some(d.row.last_login).filter(|t| !t.is_empty()),
            email: d.row.email,
            attributes,
            groups: d.groups.iter().map(|g| g.id.clone()).collect(),
            groups_obj: d
                .groups
                .into_iter()
                .map(|g| GroupBrief {
                    pk: g.id,
                    name: g.name,
                })
                .collect(),
            is_superuser: d.is_superuser,
            kind: if d.row.is_service_account {
                "service_account"
            } else {
                "internal"
            }
            .into(),
            path: "users".into(),
        }
    }
}

/// A user to create or change. On PATCH only the fields given change.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UserRequest {
    pub username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub is_active: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Value>,
    /// Group pks.
    pub groups: Option<Vec<String>>,
    /// `internal` (default) or `service_account`; set at creation.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl UserRequest {
    /// The admin form: these fields over `base` (an existing user, or the defaults).
    fn onto(self, mut form: UserForm) -> ApiResult<UserForm> {
        if let Some(v) = self.username {
            form.username = v;
        }
        if let Some(v) = self.name {
            form.name = v;
        }
        if let Some(v) = self.email {
            form.email = v;
        }
        if let Some(v) = self.is_active {
            form.is_active = v;
        }
        if let Some(v) = self.attributes {
            if !v.is_object() {
                return Err(ApiError::field(
                    "attributes",
                    "Attributes must be a JSON object.",
                ));
            }
            form.attributes = v.to_string();
        }
        if let Some(v) = self.groups {
            form.groups = v;
        }
        Ok(form)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Exact username (case-insensitive).
    pub username: Option<String>,
}

const ORDERING: [&str; 4] = ["username", "name", "email", "last_login"];

#[utoipa::path(get, path = "/core/users/", tag = "core",
    params(ListParams, UserFilter),
    responses((status = 200, body = Paginated<User>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<UserFilter>,
) -> ApiResult<Json<Paginated<User>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&ORDERING, "username")?;
    let pool = &state.pool;
    if let Some(username) = filter
        .username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        let ids: Vec<_> = users::get_by_username(pool, username)
            .await?
            .map(|u| u.id)
            .into_iter()
            .collect();
        let found = edit::details(pool, &ids).await?;
        return Ok(Json(Paginated::of_all(
            req,
            found.into_iter().map(User::from).collect(),
        )?));
    }
    let query = UserQuery {
        search: params.search().to_string(),
        sort: match field {
            "name" => UserSort::Name,
            "email" => UserSort::Email,
            "last_login" => UserSort::LastLogin,
            _ => UserSort::Username,
        },
        descending,
        page: req.page - 1,
        page_size: req.size,
    };
    let page = list::list(pool, &query).await?;
    let count = if page.total_is_capped {
        list::count(pool, &query.search).await?
    } else {
        page.total
    };
    let ids: Vec<uuid::Uuid> = page
        .rows
        .iter()
        .filter_map(|r| uuid::Uuid::parse_str(&r.id).ok())
        .collect();
    let results = edit::details(pool, &ids)
        .await?
        .into_iter()
        .map(User::from)
        .collect();
    Ok(Json(Paginated::new(
        req,
        u64::try_from(count).unwrap_or(0),
        results,
    )?))
}

#[utoipa::path(post, path = "/core/users/", tag = "core", request_body = UserRequest,
    responses((status = 201, body = User), (status = 400), (status = 401), (status = 403)))]
pub async fn create_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<UserRequest>, JsonRejection>,
) -> ApiResult<Created<User>> {
    let Json(body) = body.map_err(bad_body)?;
    let service_account = match body.kind.as_deref() {
        None | Some("internal") => false,
        Some("service_account") => true,
        Some(_) => {
            return Err(ApiError::field(
                "type",
                "Choose internal or service_account.",
            ));
        }
    };
    let form = body.onto(UserForm {
        is_active: true,
        ..Default::default()
    })?;
    let id = saved(edit::create(&state.pool, &caller.actor(), &form, service_account).await?)?;
    Ok(Created(fetch(&state, &id).await?))
}

#[utoipa::path(get, path = "/core/users/{id}/", tag = "core", params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 401), (status = 403), (status = 404)))]
pub async fn get_user(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    Ok(Json(fetch(&state, &id).await?))
}

#[utoipa::path(put, path = "/core/users/{id}/", tag = "core", params(("id" = String, Path)),
    request_body = UserRequest,
    responses((status = 200, body = User), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn put_user(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<UserRequest>, JsonRejection>,
) -> ApiResult<Json<User>> {
    change(state, admin, id, body, false).await
}

#[utoipa::path(patch, path = "/core/users/{id}/", tag = "core", params(("id" = String, Path)),
    request_body = UserRequest,
    responses((status = 200, body = User), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn patch_user(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<UserRequest>, JsonRejection>,
) -> ApiResult<Json<User>> {
    change(state, admin, id, body, true).await
}

async fn change(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: Result<Json<UserRequest>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<User>> {
    let Json(body) = body.map_err(bad_body)?;
    let pk = parse_pk(&id)?;
    let base = if partial {
        edit::form(&state.pool, pk).await?
    } else {
        edit::detail(&state.pool, pk)
            .await?
            .ok_or(ApiError::NotFound)?;
        UserForm {
            is_active: true,
            ..Default::default()
        }
    };
    let form = body.onto(base)?;
    saved(edit::update(&state.pool, &caller.actor(), pk, &form).await?)?;
    Ok(Json(fetch(&state, &id).await?))
}

#[utoipa::path(delete, path = "/core/users/{id}/", tag = "core", params(("id" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let pk = parse_pk(&id)?;
    edit::delete(&state.pool, &caller.actor(), pk).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordRequest {
    pub password: String,
}

#[utoipa::path(post, path = "/core/users/{id}/set_password/", tag = "core",
    params(("id" = String, Path)), request_body = PasswordRequest,
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn set_password(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: Result<Json<PasswordRequest>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(body) = body.map_err(bad_body)?;
    let pk = parse_pk(&id)?;
    // Every session of the user ends, the caller's too if they set their own password.
    saved(edit::set_password(&state.pool, &caller.actor(), pk, body.password, None).await?)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    pub user: User,
}

/// The caller, whoever they are (user tokens reach this).
#[utoipa::path(get, path = "/core/users/me/", tag = "core",
    responses((status = 200, body = SessionUser), (status = 401)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SessionUser>> {
    let user = edit::detail(&state.pool, caller.user.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(SessionUser { user: user.into() }))
}

async fn fetch(state: &AppState, id: &str) -> ApiResult<User> {
    let pk = parse_pk(id)?;
    Ok(edit::detail(&state.pool, pk)
        .await?
        .ok_or(ApiError::NotFound)?
        .into())
}
