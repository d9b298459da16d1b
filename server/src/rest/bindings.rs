//! `/api/v3/flows/bindings/`: which stage runs in which flow, at which order.
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated, sort_by_text};
use super::{Created, Required, parse_pk, saved};
use app::ssr::AppState;
use app::ssr::flows::bindings::{self, BindingForm, BindingRow};
use app::ssr::stages;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct StageRef {
    pub pk: String,
    pub name: String,
    pub component: String,
    pub verbose_name: String,
    pub meta_model_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlowStageBinding {
    pub pk: String,
    /// The flow's pk.
    pub target: String,
    pub stage: String,
    pub stage_obj: StageRef,
    /// Stages run by ascending order.
    pub order: i32,
    /// How the policies bound to this binding combine: `any` or `all`.
    pub policy_engine_mode: String,
}

/// A binding to create or change; on PATCH only the fields given change.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FlowStageBindingRequest {
    pub target: Option<String>,
    pub stage: Option<String>,
    pub order: Option<i64>,
    /// `any` (the default) or `all`.
    pub policy_engine_mode: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BindingFilter {
    /// The flow's pk.
    pub target: Option<String>,
    pub stage: Option<String>,
    pub order: Option<i64>,
}

fn out(row: BindingRow) -> FlowStageBinding {
    let kind = stages::by_kind(&row.stage_kind);
    FlowStageBinding {
        pk: row.id.to_string(),
        target: row.form.target.to_string(),
        stage: row.form.stage.to_string(),
        stage_obj: StageRef {
            pk: row.form.stage.to_string(),
            name: row.stage_name,
            component: kind.map(|k| k.component()).unwrap_or_default(),
            verbose_name: kind.map(|k| k.verbose_name.to_string()).unwrap_or_default(),
            meta_model_name: kind.map(|k| k.model.to_string()).unwrap_or_default(),
        },
        order: row.form.order,
        policy_engine_mode: row.form.policy_engine_mode,
    }
}

#[utoipa::path(get, path = "/flows/bindings/", tag = "flows", params(ListParams, BindingFilter),
    responses((status = 200, body = Paginated<FlowStageBinding>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_bindings(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<BindingFilter>,
) -> ApiResult<Json<Paginated<FlowStageBinding>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["order", "target", "stage"], "order")?;
    let search = params.search().to_lowercase();
    let mut rows: Vec<BindingRow> = bindings::list(&state.pool)
        .await?
        .into_iter()
        .filter(|b| {
            search.is_empty()
                || b.flow_slug.to_lowercase().contains(&search)
                || b.stage_name.to_lowercase().contains(&search)
        })
        .filter(|b| {
            filter
                .target
                .as_deref()
                .is_none_or(|t| t == b.form.target.to_string())
        })
        .filter(|b| {
            filter
                .stage
                .as_deref()
                .is_none_or(|s| s == b.form.stage.to_string())
        })
        .filter(|b| filter.order.is_none_or(|o| o == i64::from(b.form.order)))
        .collect();
    sort_by_text(&mut rows, descending, |b| match field {
        "target" => format!(
            "{}\0{:011}",
            b.flow_slug,
            i64::from(b.form.order) + (1 << 31)
        ),
        "stage" => b.stage_name.clone(),
        // Numbers sort as text once offset and padded.
        _ => format!(
            "{:011}\0{}",
            i64::from(b.form.order) + (1 << 31),
            b.flow_slug
        ),
    });
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(out).collect(),
    )?))
}

#[utoipa::path(post, path = "/flows/bindings/", tag = "flows", request_body = FlowStageBindingRequest,
    responses((status = 201, body = FlowStageBinding), (status = 400), (status = 401), (status = 403)))]
pub async fn create_binding(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<FlowStageBindingRequest>, JsonRejection>,
) -> ApiResult<Created<FlowStageBinding>> {
    let Json(body) = body.map_err(bad_body)?;
    let form = onto(&body, None)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    let id = saved(bindings::save_in(&mut tx, &caller.actor(), None, &form).await?)?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Created(fetch(&state, id).await?))
}

#[utoipa::path(get, path = "/flows/bindings/{fsb_uuid}/", tag = "flows", params(("fsb_uuid" = String, Path)),
    responses((status = 200, body = FlowStageBinding), (status = 401), (status = 403), (status = 404)))]
pub async fn get_binding(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<FlowStageBinding>> {
    Ok(Json(fetch(&state, parse_pk(&id)?).await?))
}

#[utoipa::path(put, path = "/flows/bindings/{fsb_uuid}/", tag = "flows", params(("fsb_uuid" = String, Path)),
    request_body = FlowStageBindingRequest,
    responses((status = 200, body = FlowStageBinding), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn put_binding(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<FlowStageBindingRequest>, JsonRejection>,
) -> ApiResult<Json<FlowStageBinding>> {
    change(state, admin, id, body, false).await
}

#[utoipa::path(patch, path = "/flows/bindings/{fsb_uuid}/", tag = "flows", params(("fsb_uuid" = String, Path)),
    request_body = FlowStageBindingRequest,
    responses((status = 200, body = FlowStageBinding), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn patch_binding(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<FlowStageBindingRequest>, JsonRejection>,
) -> ApiResult<Json<FlowStageBinding>> {
    change(state, admin, id, body, true).await
}

async fn change(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: Result<Json<FlowStageBindingRequest>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<FlowStageBinding>> {
    let Json(body) = body.map_err(bad_body)?;
    let pk = parse_pk(&id)?;
    let current = bindings::get(&state.pool, pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    let form = onto(&body, Some(current.form).filter(|_| partial))?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    saved(bindings::save_in(&mut tx, &caller.actor(), Some(pk), &form).await?)?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Json(fetch(&state, pk).await?))
}

#[utoipa::path(delete, path = "/flows/bindings/{fsb_uuid}/", tag = "flows", params(("fsb_uuid" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_binding(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let pk = parse_pk(&id)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    bindings::delete_in(&mut tx, &caller.actor(), pk).await?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The request over `current` (PATCH), or the whole binding (POST, PUT).
fn onto(body: &FlowStageBindingRequest, current: Option<BindingForm>) -> ApiResult<BindingForm> {
    let mut missing = Required::new(current.is_some());
    let target = missing.pick(
        "target",
        &body.target,
        current
            .as_ref()
            .map(|c| c.target.to_string())
            .unwrap_or_default(),
    );
    let stage = missing.pick(
        "stage",
        &body.stage,
        current
            .as_ref()
            .map(|c| c.stage.to_string())
            .unwrap_or_default(),
    );
    let order = missing.pick(
        "order",
        &body.order,
        current
            .as_ref()
            .map(|c| i64::from(c.order))
            .unwrap_or_default(),
    );
    let policy_engine_mode = body
        .policy_engine_mode
        .clone()
        .or(current.map(|c| c.policy_engine_mode))
        .unwrap_or_else(|| "any".into());
    missing.check()?;
    let pk = |field: &str, raw: &str, what: &str| {
        Uuid::parse_str(raw.trim()).map_err(|_| ApiError::field(field, format!("Unknown {what}.")))
    };
    Ok(BindingForm {
        target: pk("target", &target, "flow")?,
        stage: pk("stage", &stage, "stage")?,
        order: i32::try_from(order).map_err(|_| {
            ApiError::field(
                "order",
                "Enter a whole number from -2147483648 to 2147483647.",
            )
        })?,
        policy_engine_mode,
    })
}

async fn fetch(state: &AppState, id: Uuid) -> ApiResult<FlowStageBinding> {
    bindings::get(&state.pool, id)
        .await?
        .map(out)
        .ok_or(ApiError::NotFound)
}
