//! `/api/v3/stages/`: `all/` lists and deletes stages of every type; each type has its own
//! path (`identification/`, `prompt/stages/`, …) for CRUD with that type's settings. One set
//! of functions serves every type; [`stage_type!`] only gives each type its documented paths.
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated, sort_by_text};
use super::{Created, parse_pk, saved};
use app::ssr::AppState;
use app::ssr::stages::edit::{self, StageRow};
use app::ssr::stages::{self, Kind};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// A stage: its pk, name and type, then the settings of its type.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stage {
    pub pk: String,
    pub name: String,
    pub component: String,
    pub verbose_name: String,
    pub meta_model_name: String,
    /// Slugs of the flows it is bound to.
    pub flow_set: Vec<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: Map<String, Value>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StageFilter {
    /// Exact name.
    pub name: Option<String>,
}

/// Fields of the answer a client may send back unchanged; they are not settings.
const READ_ONLY: [&str; 6] = [
    "pk",
    "component",
    "verbose_name",
    "verbose_name_plural",
    "meta_model_name",
    "flow_set",
];

fn out(row: StageRow) -> Stage {
    Stage {
        pk: row.id.to_string(),
        name: row.name,
        component: row.kind.component(),
        verbose_name: row.kind.verbose_name.into(),
        meta_model_name: row.kind.model.into(),
        flow_set: row.flows,
        settings: match row.config {
            Value::Object(m) => m,
            _ => Map::new(),
        },
    }
}

fn kind(name: &str) -> ApiResult<&'static Kind> {
    stages::by_kind(name).ok_or(ApiError::NotFound)
}

async fn list_of(
    state: &AppState,
    kind: Option<&Kind>,
    params: ListParams,
    filter: StageFilter,
) -> ApiResult<Json<Paginated<Stage>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["name", "component"], "name")?;
    let search = params.search().to_lowercase();
    let mut rows: Vec<StageRow> = edit::list(&state.pool, kind)
        .await?
        .into_iter()
        .filter(|s| search.is_empty() || s.name.to_lowercase().contains(&search))
        .filter(|s| filter.name.as_deref().is_none_or(|n| n == s.name))
        .collect();
    sort_by_text(&mut rows, descending, |s| match field {
        "component" => format!("{}\0{}", s.kind.kind, s.name.to_lowercase()),
        _ => s.name.to_lowercase(),
    });
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(out).collect(),
    )?))
}

/// The stage with pk `id`, when it is of `kind` (any kind when None).
async fn fetch(state: &AppState, kind: Option<&Kind>, id: &str) -> ApiResult<StageRow> {
    edit::get(&state.pool, parse_pk(id)?)
        .await?
        .filter(|s| kind.is_none_or(|k| k == s.kind))
        .ok_or(ApiError::NotFound)
}

/// Splits a request body into the name and the settings; `current` (PATCH) fills in what the
/// body leaves out.
fn split(
    body: Result<Json<Value>, JsonRejection>,
    current: Option<&StageRow>,
) -> ApiResult<(String, Value)> {
    let Json(body) = body.map_err(bad_body)?;
    let Value::Object(mut body) = body else {
        return Err(ApiError::field("non_field_errors", "Send a JSON object."));
    };
    for key in READ_ONLY {
        body.remove(key);
    }
    let name = match (body.remove("name"), current) {
        (Some(Value::String(n)), _) => n,
        (Some(_), _) => return Err(ApiError::field("name", "Not a valid string.")),
        (None, Some(c)) => c.name.clone(),
        (None, None) => return Err(ApiError::field("name", "This field is required.")),
    };
    let mut settings = match current.map(|c| &c.config) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    settings.extend(body);
    Ok((name, Value::Object(settings)))
}

async fn create(
    state: &AppState,
    admin: Admin,
    kind_name: &str,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Created<Stage>> {
    let kind = kind(kind_name)?;
    let (name, settings) = split(body, None)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    let id = saved(edit::save_in(&mut tx, &admin.0.actor(), None, kind, &name, &settings).await?)?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Created(out(
        fetch(state, Some(kind), &id.to_string()).await?
    )))
}

async fn change(
    state: &AppState,
    admin: Admin,
    kind_name: &str,
    id: &str,
    body: Result<Json<Value>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<Stage>> {
    let kind = kind(kind_name)?;
    let current = fetch(state, Some(kind), id).await?;
    let (name, settings) = split(body, partial.then_some(&current))?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    saved(
        edit::save_in(
            &mut tx,
            &admin.0.actor(),
            Some(current.id),
            kind,
            &name,
            &settings,
        )
        .await?,
    )?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Json(out(fetch(state, Some(kind), id).await?)))
}

async fn delete(
    state: &AppState,
    admin: Admin,
    kind: Option<&Kind>,
    id: &str,
) -> ApiResult<StatusCode> {
    let current = fetch(state, kind, id).await?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    edit::delete_in(&mut tx, &admin.0.actor(), current.id).await?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/stages/all/", tag = "stages", params(ListParams, StageFilter),
    responses((status = 200, body = Paginated<Stage>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_all(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<StageFilter>,
) -> ApiResult<Json<Paginated<Stage>>> {
    list_of(&state, None, params, filter).await
}

#[utoipa::path(get, path = "/stages/all/{stage_uuid}/", tag = "stages", params(("stage_uuid" = String, Path)),
    responses((status = 200, body = Stage), (status = 401), (status = 403), (status = 404)))]
pub async fn get_any(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Stage>> {
    Ok(Json(out(fetch(&state, None, &id).await?)))
}

#[utoipa::path(delete, path = "/stages/all/{stage_uuid}/", tag = "stages", params(("stage_uuid" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_any(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    delete(&state, admin, None, &id).await
}

/// The documented CRUD paths of one stage type: `$request` is the type's body schema (a name
/// and the type's settings).
macro_rules! stage_type {
    ($module:ident, $kind:tt, $list:tt, $one:tt, $settings:ty, $request:ident) => {
        pub mod $module {
            use super::*;
            use axum::routing::get;

            /// A stage of this type to create or change: its name and the type's settings.
            /// On PATCH only the fields given change.
            #[derive(Deserialize, Serialize, ToSchema)]
            pub struct $request {
                pub name: String,
                #[serde(flatten)]
                pub settings: $settings,
            }

            #[utoipa::path(get, path = $list, tag = "stages", operation_id = concat!("stages_", $kind, "_list"),
                params(ListParams, StageFilter),
                responses((status = 200, body = Paginated<Stage>), (status = 400), (status = 401), (status = 403)))]
            pub async fn list(
                State(state): State<AppState>,
                _admin: Admin,
                Query(params): Query<ListParams>,
                Query(filter): Query<StageFilter>,
            ) -> ApiResult<Json<Paginated<Stage>>> {
                list_of(&state, Some(kind($kind)?), params, filter).await
            }

            #[utoipa::path(post, path = $list, tag = "stages", operation_id = concat!("stages_", $kind, "_create"),
                request_body = $request,
                responses((status = 201, body = Stage), (status = 400), (status = 401), (status = 403)))]
            pub async fn create(
                State(state): State<AppState>,
                admin: Admin,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Created<Stage>> {
                super::create(&state, admin, $kind, body).await
            }

            #[utoipa::path(get, path = $one, tag = "stages", operation_id = concat!("stages_", $kind, "_retrieve"),
                params(("stage_uuid" = String, Path)),
                responses((status = 200, body = Stage), (status = 401), (status = 403), (status = 404)))]
            pub async fn retrieve(
                State(state): State<AppState>,
                _admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<Json<Stage>> {
                Ok(Json(out(fetch(&state, Some(kind($kind)?), &id).await?)))
            }

            #[utoipa::path(put, path = $one, tag = "stages", operation_id = concat!("stages_", $kind, "_update"),
                params(("stage_uuid" = String, Path)), request_body = $request,
                responses((status = 200, body = Stage), (status = 400), (status = 401), (status = 403), (status = 404)))]
            pub async fn update(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<Stage>> {
                change(&state, admin, $kind, &id, body, false).await
            }

            #[utoipa::path(patch, path = $one, tag = "stages", operation_id = concat!("stages_", $kind, "_partial_update"),
                params(("stage_uuid" = String, Path)), request_body = $request,
                responses((status = 200, body = Stage), (status = 400), (status = 401), (status = 403), (status = 404)))]
            pub async fn partial_update(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<Stage>> {
                change(&state, admin, $kind, &id, body, true).await
            }

            #[utoipa::path(delete, path = $one, tag = "stages", operation_id = concat!("stages_", $kind, "_destroy"),
                params(("stage_uuid" = String, Path)),
                responses((status = 204), (status = 401), (status = 403), (status = 404)))]
            pub async fn destroy(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<StatusCode> {
                delete(&state, admin, Some(kind($kind)?), &id).await
            }

            #[derive(utoipa::OpenApi)]
            #[openapi(paths(list, create, retrieve, update, partial_update, destroy))]
            pub struct Doc;

            pub fn routes() -> axum::Router<AppState> {
                axum::Router::new()
                    .route($list, get(list).post(create))
                    .route(
                        $one,
                        get(retrieve)
                            .put(update)
                            .patch(partial_update)
                            .delete(destroy),
                    )
            }
        }
    };
}

use app::ssr::stages::{
    deny::Deny, identification::Identification, password::Password, prompt::Prompt,
    recovery_token::RecoveryToken, user_login::UserLogin, user_logout::UserLogout,
    user_write::UserWrite,
};

stage_type!(
    identification,
    "identification",
    "/stages/identification/",
    "/stages/identification/{stage_uuid}/",
    Identification,
    IdentificationStageRequest
);
stage_type!(
    password,
    "password",
    "/stages/password/",
    "/stages/password/{stage_uuid}/",
    Password,
    PasswordStageRequest
);
stage_type!(
    prompt,
    "prompt",
    "/stages/prompt/stages/",
    "/stages/prompt/stages/{stage_uuid}/",
    Prompt,
    PromptStageRequest
);
stage_type!(
    user_write,
    "user_write",
    "/stages/user_write/",
    "/stages/user_write/{stage_uuid}/",
    UserWrite,
    UserWriteStageRequest
);
stage_type!(
    user_login,
    "user_login",
    "/stages/user_login/",
    "/stages/user_login/{stage_uuid}/",
    UserLogin,
    UserLoginStageRequest
);
stage_type!(
    user_logout,
    "user_logout",
    "/stages/user_logout/",
    "/stages/user_logout/{stage_uuid}/",
    UserLogout,
    UserLogoutStageRequest
);
stage_type!(
    deny,
    "deny",
    "/stages/deny/",
    "/stages/deny/{stage_uuid}/",
    Deny,
    DenyStageRequest
);
stage_type!(
    recovery_token,
    "recovery_token",
    "/stages/recovery_token/",
    "/stages/recovery_token/{stage_uuid}/",
    RecoveryToken,
    RecoveryTokenStageRequest
);

/// Every stage type's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(identification::routes())
        .merge(password::routes())
        .merge(prompt::routes())
        .merge(user_write::routes())
        .merge(user_login::routes())
        .merge(user_logout::routes())
        .merge(deny::routes())
        .merge(recovery_token::routes())
}

/// Every stage type's paths, for the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = identification::Doc::openapi();
    for other in [
        password::Doc::openapi(),
        prompt::Doc::openapi(),
        user_write::Doc::openapi(),
        user_login::Doc::openapi(),
        user_logout::Doc::openapi(),
        deny::Doc::openapi(),
        recovery_token::Doc::openapi(),
    ] {
        doc.merge(other);
    }
    doc
}
