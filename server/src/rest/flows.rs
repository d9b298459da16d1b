//! `/api/v3/flows/instances/`: flows, looked up by slug as authentik does.
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated, sort_by_text};
use super::{Created, Required, saved};
use app::ssr::AppState;
use app::ssr::flows::edit::{self, FlowForm, FlowRow};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Flow {
    pub pk: String,
    pub slug: String,
    pub name: String,
    /// What people see on the flow's page.
    pub title: String,
    /// authentication, authorization, enrollment, invalidation, recovery,
    /// stage_configuration or unenrollment.
    pub designation: String,
    /// Stage pks in the order they run.
    pub stages: Vec<String>,
    /// How the flow's policy bindings combine: `any` (one passing is enough) or `all`.
    pub policy_engine_mode: String,
    /// Who may start it: none, require_authenticated, require_unauthenticated or
    /// require_superuser.
    pub authentication: String,
    pub meta_model_name: String,
}

/// A flow to create or change; on PATCH only the fields given change.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FlowRequest {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub designation: Option<String>,
    /// `any` (the default) or `all`.
    pub policy_engine_mode: Option<String>,
    /// `none` (the default), require_authenticated, require_unauthenticated or
    /// require_superuser.
    pub authentication: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlowFilter {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub designation: Option<String>,
}

fn out(row: FlowRow) -> Flow {
    Flow {
        pk: row.id.to_string(),
        slug: row.form.slug,
        name: row.form.name,
        title: row.form.title,
        designation: row.form.designation,
        stages: row.stages.iter().map(ToString::to_string).collect(),
        policy_engine_mode: row.form.policy_engine_mode,
        authentication: row.form.authentication,
        meta_model_name: "authentik_flows.flow".into(),
    }
}

#[utoipa::path(get, path = "/flows/instances/", tag = "flows", params(ListParams, FlowFilter),
    responses((status = 200, body = Paginated<Flow>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_flows(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<FlowFilter>,
) -> ApiResult<Json<Paginated<Flow>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["slug", "name", "title", "designation"], "slug")?;
    let search = params.search().to_lowercase();
    let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    let mut rows: Vec<FlowRow> = edit::list(&state.pool)
        .await?
        .into_iter()
        .filter(|f| {
            search.is_empty()
                || [&f.form.slug, &f.form.name, &f.form.title]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&search))
        })
        .filter(|f| same(&filter.slug, &f.form.slug))
        .filter(|f| same(&filter.name, &f.form.name))
        .filter(|f| same(&filter.designation, &f.form.designation))
        .collect();
    sort_by_text(&mut rows, descending, |f| match field {
        "name" => f.form.name.to_lowercase(),
        "title" => f.form.title.to_lowercase(),
        "designation" => f.form.designation.clone(),
        _ => f.form.slug.clone(),
    });
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(out).collect(),
    )?))
}

#[utoipa::path(post, path = "/flows/instances/", tag = "flows", request_body = FlowRequest,
    responses((status = 201, body = Flow), (status = 400), (status = 401), (status = 403)))]
pub async fn create_flow(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<FlowRequest>, JsonRejection>,
) -> ApiResult<Created<Flow>> {
    let Json(body) = body.map_err(bad_body)?;
    let form = onto(&body, FlowForm::default(), false)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    saved(edit::save_in(&mut tx, &caller.actor(), None, &form).await?)?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Created(fetch(&state, &form.slug).await?))
}

#[utoipa::path(get, path = "/flows/instances/{slug}/", tag = "flows", params(("slug" = String, Path)),
    responses((status = 200, body = Flow), (status = 401), (status = 403), (status = 404)))]
pub async fn get_flow(
    State(state): State<AppState>,
    _admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Json<Flow>> {
    Ok(Json(fetch(&state, &slug).await?))
}

#[utoipa::path(put, path = "/flows/instances/{slug}/", tag = "flows", params(("slug" = String, Path)),
    request_body = FlowRequest,
    responses((status = 200, body = Flow), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn put_flow(
    state: State<AppState>,
    admin: Admin,
    slug: Path<String>,
    body: Result<Json<FlowRequest>, JsonRejection>,
) -> ApiResult<Json<Flow>> {
    change(state, admin, slug, body, false).await
}

#[utoipa::path(patch, path = "/flows/instances/{slug}/", tag = "flows", params(("slug" = String, Path)),
    request_body = FlowRequest,
    responses((status = 200, body = Flow), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn patch_flow(
    state: State<AppState>,
    admin: Admin,
    slug: Path<String>,
    body: Result<Json<FlowRequest>, JsonRejection>,
) -> ApiResult<Json<Flow>> {
    change(state, admin, slug, body, true).await
}

async fn change(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(slug): Path<String>,
    body: Result<Json<FlowRequest>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<Flow>> {
    let Json(body) = body.map_err(bad_body)?;
    let current = edit::by_slug(&state.pool, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let form = onto(&body, current.form, partial)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    saved(edit::save_in(&mut tx, &caller.actor(), Some(current.id), &form).await?)?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Json(fetch(&state, form.slug.trim()).await?))
}

#[utoipa::path(delete, path = "/flows/instances/{slug}/", tag = "flows", params(("slug" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_flow(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    let current = edit::by_slug(&state.pool, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    edit::delete_in(&mut tx, &caller.actor(), current.id).await?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The request's fields over `base`; without `partial` every field is required.
fn onto(body: &FlowRequest, base: FlowForm, partial: bool) -> ApiResult<FlowForm> {
    let mut missing = Required::new(partial);
    let form = FlowForm {
        slug: missing.pick("slug", &body.slug, base.slug),
        name: missing.pick("name", &body.name, base.name),
        title: missing.pick("title", &body.title, base.title),
        designation: missing.pick("designation", &body.designation, base.designation),
        policy_engine_mode: body
            .policy_engine_mode
            .clone()
            .unwrap_or(base.policy_engine_mode),
        authentication: body.authentication.clone().unwrap_or(base.authentication),
    };
    missing.check()?;
    Ok(form)
}

async fn fetch(state: &AppState, slug: &str) -> ApiResult<Flow> {
    edit::by_slug(&state.pool, slug)
        .await?
        .map(out)
        .ok_or(ApiError::NotFound)
}
