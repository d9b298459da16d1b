//! The REST side of typed objects (stages, policies): one set of functions lists, reads,
//! creates, changes and deletes objects of every family, and [`typed_type!`] gives each type
//! its documented paths.
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated, sort_by_text};
use super::{Created, parse_pk, saved};
use app::ssr::AppState;
use app::ssr::audit::Actor;
use app::ssr::typed::Kind;
use app::types::directory::Saved;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool};
use utoipa::IntoParams;
use uuid::Uuid;

/// A family of typed objects as the REST API serves it; implemented by its row type.
#[async_trait::async_trait]
pub trait Family: Sized + Send + Sync + 'static {
    /// What the family's types build into (`dyn Stage`, `dyn Policy`).
    type Impl: ?Sized + 'static;
    type Out: Serialize + utoipa::ToSchema;
    /// Fields of the answer a client may send back unchanged; they are not settings.
    const READ_ONLY: &'static [&'static str];
    fn by_kind(kind: &str) -> Option<&'static Kind<Self::Impl>>;
    fn id(&self) -> Uuid;
    fn name(&self) -> &str;
    fn kind(&self) -> &'static Kind<Self::Impl>;
    fn out(self) -> Self::Out;
    async fn list(
        pool: &PgPool,
        kind: Option<&'static Kind<Self::Impl>>,
    ) -> app::ssr::Result<Vec<Self>>;
    async fn get(pool: &PgPool, id: Uuid) -> app::ssr::Result<Option<Self>>;
    /// Saves the body's fields (read-only ones removed) over `current` (PATCH, else None).
    /// `secret_key` seals what the family keeps secret.
    async fn save(
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        secret_key: &str,
        kind: &'static Kind<Self::Impl>,
        body: Map<String, Value>,
        current: Option<&Self>,
    ) -> ApiResult<Saved<Uuid>>;
    async fn delete(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> app::ssr::Result<()>;
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NameFilter {
    /// Exact name.
    pub name: Option<String>,
}

/// The name a body gives, else `current`'s (PATCH); required otherwise.
pub fn take_name(body: &mut Map<String, Value>, current: Option<&str>) -> ApiResult<String> {
    match (body.remove("name"), current) {
        (Some(Value::String(n)), _) => Ok(n),
        (Some(_), _) => Err(ApiError::field("name", "Not a valid string.")),
        (None, Some(c)) => Ok(c.to_string()),
        (None, None) => Err(ApiError::field("name", "This field is required.")),
    }
}

/// `current`'s settings with the body's over them.
pub fn merged_settings(body: Map<String, Value>, current: Option<&Value>) -> Value {
    let mut settings = match current {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    settings.extend(body);
    Value::Object(settings)
}

fn kind_named<F: Family>(name: &str) -> ApiResult<&'static Kind<F::Impl>> {
    F::by_kind(name).ok_or(ApiError::NotFound)
}

pub async fn list_of<F: Family>(
    state: &AppState,
    kind: Option<&str>,
    params: ListParams,
    filter: NameFilter,
) -> ApiResult<Json<Paginated<F::Out>>> {
    let kind = kind.map(kind_named::<F>).transpose()?;
    let req = params.page()?;
    let (field, descending) = params.ordering(&["name", "component"], "name")?;
    let search = params.search().to_lowercase();
    let mut rows: Vec<F> = F::list(&state.pool, kind)
        .await?
        .into_iter()
        .filter(|r| search.is_empty() || r.name().to_lowercase().contains(&search))
        .filter(|r| filter.name.as_deref().is_none_or(|n| n == r.name()))
        .collect();
    sort_by_text(&mut rows, descending, |r| match field {
        "component" => format!("{}\0{}", r.kind().kind, r.name().to_lowercase()),
        _ => r.name().to_lowercase(),
    });
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(F::out).collect(),
    )?))
}

/// The object with pk `id`, when it is of type `kind` (any type when None).
pub async fn fetch<F: Family>(state: &AppState, kind: Option<&str>, id: &str) -> ApiResult<F> {
    let kind = kind.map(kind_named::<F>).transpose()?;
    F::get(&state.pool, parse_pk(id)?)
        .await?
        .filter(|r| kind.is_none_or(|k| k == r.kind()))
        .ok_or(ApiError::NotFound)
}

fn body_map<F: Family>(body: Result<Json<Value>, JsonRejection>) -> ApiResult<Map<String, Value>> {
    let Json(body) = body.map_err(bad_body)?;
    let Value::Object(mut body) = body else {
        return Err(ApiError::field("non_field_errors", "Send a JSON object."));
    };
    for key in F::READ_ONLY {
        body.remove(*key);
    }
    Ok(body)
}

pub async fn create<F: Family>(
    state: &AppState,
    admin: Admin,
    kind_name: &str,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Created<F::Out>> {
    let kind = kind_named::<F>(kind_name)?;
    let body = body_map::<F>(body)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    let id = saved(
        F::save(
            &mut tx,
            &admin.0.actor(),
            &state.settings.secret_key,
            kind,
            body,
            None,
        )
        .await?,
    )?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Created(
        fetch::<F>(state, Some(kind_name), &id.to_string())
            .await?
            .out(),
    ))
}

pub async fn change<F: Family>(
    state: &AppState,
    admin: Admin,
    kind_name: &str,
    id: &str,
    body: Result<Json<Value>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<F::Out>> {
    let current = fetch::<F>(state, Some(kind_name), id).await?;
    let body = body_map::<F>(body)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    let saved_id = if partial {
        F::save(
            &mut tx,
            &admin.0.actor(),
            &state.settings.secret_key,
            current.kind(),
            body,
            Some(&current),
        )
        .await?
    } else {
        // A full write starts from the defaults, but it is still this object.
        let mut full = body;
        full.insert("pk".into(), Value::String(current.id().to_string()));
        F::save(
            &mut tx,
            &admin.0.actor(),
            &state.settings.secret_key,
            current.kind(),
            full,
            None,
        )
        .await?
    };
    saved(saved_id)?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Json(fetch::<F>(state, Some(kind_name), id).await?.out()))
}

pub async fn delete<F: Family>(
    state: &AppState,
    admin: Admin,
    kind: Option<&str>,
    id: &str,
) -> ApiResult<StatusCode> {
    let current = fetch::<F>(state, kind, id).await?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    F::delete(&mut tx, &admin.0.actor(), current.id()).await?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The documented CRUD paths of one type of a family (`$row`: a [`Family`]). `$tag` is the API
/// area (`stages`), `$param` the pk's path parameter, `$out` the answer type, `$request` the
/// type's body schema (a name and the type's settings).
macro_rules! typed_type {
    ($tag:tt, $param:tt, $row:ty, $out:ident, $module:ident, $kind:tt, $list:tt, $one:tt, $settings:ty, $request:ident) => {
        pub mod $module {
            use super::*;
            use crate::rest::typed::{self, NameFilter};
            use axum::routing::get;

            /// One of this type to create or change: its name and the type's settings.
            /// On PATCH only the fields given change.
            #[derive(Deserialize, Serialize, ToSchema)]
            pub struct $request {
                pub name: String,
                #[serde(flatten)]
                pub settings: $settings,
            }

            #[utoipa::path(get, path = $list, tag = $tag, operation_id = concat!($tag, "_", $kind, "_list"),
                params(ListParams, NameFilter),
                responses((status = 200, body = Paginated<$out>), (status = 400), (status = 401), (status = 403)))]
            pub async fn list(
                State(state): State<AppState>,
                _admin: Admin,
                Query(params): Query<ListParams>,
                Query(filter): Query<NameFilter>,
            ) -> ApiResult<Json<Paginated<$out>>> {
                typed::list_of::<$row>(&state, Some($kind), params, filter).await
            }

            #[utoipa::path(post, path = $list, tag = $tag, operation_id = concat!($tag, "_", $kind, "_create"),
                request_body = $request,
                responses((status = 201, body = $out), (status = 400), (status = 401), (status = 403)))]
            pub async fn create(
                State(state): State<AppState>,
                admin: Admin,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Created<$out>> {
                typed::create::<$row>(&state, admin, $kind, body).await
            }

            #[utoipa::path(get, path = $one, tag = $tag, operation_id = concat!($tag, "_", $kind, "_retrieve"),
                params(($param = String, Path)),
                responses((status = 200, body = $out), (status = 401), (status = 403), (status = 404)))]
            pub async fn retrieve(
                State(state): State<AppState>,
                _admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<Json<$out>> {
                Ok(Json(typed::fetch::<$row>(&state, Some($kind), &id).await?.out()))
            }

            #[utoipa::path(put, path = $one, tag = $tag, operation_id = concat!($tag, "_", $kind, "_update"),
                params(($param = String, Path)), request_body = $request,
                responses((status = 200, body = $out), (status = 400), (status = 401), (status = 403), (status = 404)))]
            pub async fn update(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<$out>> {
                typed::change::<$row>(&state, admin, $kind, &id, body, false).await
            }

            #[utoipa::path(patch, path = $one, tag = $tag, operation_id = concat!($tag, "_", $kind, "_partial_update"),
                params(($param = String, Path)), request_body = $request,
                responses((status = 200, body = $out), (status = 400), (status = 401), (status = 403), (status = 404)))]
            pub async fn partial_update(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<$out>> {
                typed::change::<$row>(&state, admin, $kind, &id, body, true).await
            }

            #[utoipa::path(delete, path = $one, tag = $tag, operation_id = concat!($tag, "_", $kind, "_destroy"),
                params(($param = String, Path)),
                responses((status = 204), (status = 401), (status = 403), (status = 404)))]
            pub async fn destroy(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<StatusCode> {
                typed::delete::<$row>(&state, admin, Some($kind), &id).await
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

/// The `all/` paths of a family (`$row`: a [`Family`]): list every type, read and delete any
/// object whatever its type. `$tag` is the API area, `$param` the pk's path parameter.
macro_rules! typed_all {
    ($tag:tt, $param:tt, $row:ty, $out:ident, $list:tt, $one:tt) => {
        pub mod all {
            use super::*;
            use crate::rest::typed::{self, NameFilter};
            use axum::routing::get;

            #[utoipa::path(get, path = $list, tag = $tag, operation_id = concat!($tag, "_all_list"),
                params(ListParams, NameFilter),
                responses((status = 200, body = Paginated<$out>), (status = 400), (status = 401), (status = 403)))]
            pub async fn list_all(
                State(state): State<AppState>,
                _admin: Admin,
                Query(params): Query<ListParams>,
                Query(filter): Query<NameFilter>,
            ) -> ApiResult<Json<Paginated<$out>>> {
                typed::list_of::<$row>(&state, None, params, filter).await
            }

            #[utoipa::path(get, path = $one, tag = $tag, operation_id = concat!($tag, "_all_retrieve"),
                params(($param = String, Path)),
                responses((status = 200, body = $out), (status = 401), (status = 403), (status = 404)))]
            pub async fn get_any(
                State(state): State<AppState>,
                _admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<Json<$out>> {
                Ok(Json(typed::fetch::<$row>(&state, None, &id).await?.out()))
            }

            #[utoipa::path(delete, path = $one, tag = $tag, operation_id = concat!($tag, "_all_destroy"),
                params(($param = String, Path)),
                responses((status = 204), (status = 401), (status = 403), (status = 404)))]
            pub async fn delete_any(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<StatusCode> {
                typed::delete::<$row>(&state, admin, None, &id).await
            }

            #[derive(utoipa::OpenApi)]
            #[openapi(paths(list_all, get_any, delete_any))]
            pub struct Doc;

            pub fn routes() -> axum::Router<AppState> {
                axum::Router::new()
                    .route($list, get(list_all))
                    .route($one, get(get_any).delete(delete_any))
            }
        }
    };
}
