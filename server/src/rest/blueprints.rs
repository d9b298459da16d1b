//! `/api/v3/managed/blueprints/`: the blueprint files Ward applies from its directories, and
//! applying one again, in authentik's paths and field names. Superusers only.
use super::auth::Admin;
use super::error::{ApiError, ApiResult};
use super::page::{ListParams, Paginated};
use super::parse_pk;
use app::ssr::AppState;
use app::ssr::blueprints::instances;
use app::types::system::BlueprintRow;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct BlueprintInstance {
    pub pk: String,
    /// The blueprint's `metadata.name`.
    pub name: String,
    /// The file on the server.
    pub path: String,
    /// `successful` or `error`.
    pub status: String,
    /// RFC 3339.
    pub last_applied: String,
    /// Why the last apply failed; empty when it succeeded (Ward's addition).
    pub error: String,
}

impl From<BlueprintRow> for BlueprintInstance {
    fn from(b: BlueprintRow) -> Self {
        Self {
            pk: b.id,
            name: b.name,
            path: b.path,
            status: b.status,
            last_applied: b.last_applied,
            error: b.error,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlueprintFilter {
    /// Exact name.
    pub name: Option<String>,
    /// Exact path.
    pub path: Option<String>,
    /// `successful` or `error`.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/managed/blueprints/", tag = "managed", params(ListParams, BlueprintFilter),
    responses((status = 200, body = Paginated<BlueprintInstance>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_blueprints(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<BlueprintFilter>,
) -> ApiResult<Json<Paginated<BlueprintInstance>>> {
    let req = params.page()?;
    let (field, descending) =
        params.ordering(&["path", "name", "status", "last_applied"], "path")?;
    let search = params.search().to_lowercase();
    let mut rows: Vec<BlueprintRow> = instances::list(&state.pool)
        .await?
        .into_iter()
        .filter(|b| {
            search.is_empty()
                || b.name.to_lowercase().contains(&search)
                || b.path.to_lowercase().contains(&search)
        })
        .filter(|b| filter.name.as_ref().is_none_or(|v| &b.name == v))
        .filter(|b| filter.path.as_ref().is_none_or(|v| &b.path == v))
        .filter(|b| filter.status.as_ref().is_none_or(|v| &b.status == v))
        .collect();
    match field {
        "name" => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        "status" => rows.sort_by(|a, b| a.status.cmp(&b.status)),
        // As times: RFC 3339 text with varying fractions of a second does not sort as text.
        "last_applied" => {
            rows.sort_by_key(|b| time::OffsetDateTime::parse(&b.last_applied, &Rfc3339).ok())
        }
        _ => {}
    }
    if descending {
        rows.reverse();
    }
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(BlueprintInstance::from).collect(),
    )?))
}

#[utoipa::path(get, path = "/managed/blueprints/{pk}/", tag = "managed", params(("pk" = String, Path)),
    responses((status = 200, body = BlueprintInstance), (status = 401), (status = 403), (status = 404)))]
pub async fn get_blueprint(
    State(state): State<AppState>,
    _admin: Admin,
    Path(pk): Path<String>,
) -> ApiResult<Json<BlueprintInstance>> {
    let row = instances::get(&state.pool, parse_pk(&pk)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(row.into()))
}

/// Applies the instance's file again, even when unchanged. A blueprint that fails to apply is
/// still a 200: the instance's `status` is `error` and `error` says why.
#[utoipa::path(post, path = "/managed/blueprints/{pk}/apply/", tag = "managed", params(("pk" = String, Path)),
    responses((status = 200, body = BlueprintInstance), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn apply_blueprint(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(pk): Path<String>,
) -> ApiResult<Json<BlueprintInstance>> {
    let applied = instances::apply_now(
        &state.pool,
        &state.settings.secret_key,
        &state.settings.blueprint_dirs,
        &caller.actor(),
        parse_pk(&pk)?,
    )
    .await?;
    Ok(Json(applied.row.into()))
}
