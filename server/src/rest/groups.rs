//! `/api/v3/core/groups/`: groups with their members, in authentik's shapes.
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated};
use super::{Created, parse_pk, saved};
use app::ssr::AppState;
use app::ssr::groups::edit;
use app::types::directory::{GroupForm, GroupRow};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct Group {
    pub pk: String,
    pub name: String,
    pub is_superuser: bool,
    /// The parent group's pk; null at the top of the tree.
    pub parent: Option<String>,
    pub parent_name: Option<String>,
    /// Member pks.
    pub users: Vec<String>,
    #[schema(value_type = Object)]
    pub attributes: Value,
}

/// A group to create or change. On PATCH only the fields given change; `users`, when given,
/// replaces the members.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct GroupRequest {
    pub name: Option<String>,
    pub is_superuser: Option<bool>,
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "super::explicit_null")]
    pub parent: Option<Option<String>>,
    pub users: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Value>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupFilter {
    /// Exact name.
    pub name: Option<String>,
    pub is_superuser: Option<bool>,
}

#[utoipa::path(get, path = "/core/groups/", tag = "core", params(ListParams, GroupFilter),
    responses((status = 200, body = Paginated<Group>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_groups(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<GroupFilter>,
) -> ApiResult<Json<Paginated<Group>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["name", "is_superuser"], "name")?;
    let search = params.search().to_lowercase();
    let mut rows: Vec<GroupRow> = edit::list(&state.pool)
        .await?
        .into_iter()
        .filter(|g| search.is_empty() || g.name.to_lowercase().contains(&search))
        .filter(|g| filter.name.as_ref().is_none_or(|n| &g.name == n))
        .filter(|g| filter.is_superuser.is_none_or(|s| g.is_superuser == s))
        .collect();
    if field == "is_superuser" {
        rows.sort_by_key(|g| g.is_superuser);
    }
    if descending {
        rows.reverse();
    }
    let start = req.offset().min(rows.len());
    let count = rows.len() as u64;
    let page: Vec<GroupRow> = rows
        .into_iter()
        .skip(start)
        .take(req.size as usize)
        .collect();
    let results = with_members(&state, page).await?;
    Ok(Json(Paginated::new(req, count, results)?))
}

#[utoipa::path(post, path = "/core/groups/", tag = "core", request_body = GroupRequest,
    responses((status = 201, body = Group), (status = 400), (status = 401), (status = 403)))]
pub async fn create_group(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<GroupRequest>, JsonRejection>,
) -> ApiResult<Created<Group>> {
    let Json(body) = body.map_err(bad_body)?;
    let members = member_pks(&body.users)?;
    let form = onto(&body, GroupForm::default())?;
    let id = saved(
        edit::save(
            &state.pool,
            &caller.actor(),
            None,
            &form,
            members.as_deref(),
        )
        .await?,
    )?;
    Ok(Created(fetch(&state, parse_pk(&id)?).await?))
}

#[utoipa::path(get, path = "/core/groups/{id}/", tag = "core", params(("id" = String, Path)),
    responses((status = 200, body = Group), (status = 401), (status = 403), (status = 404)))]
pub async fn get_group(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Group>> {
    Ok(Json(fetch(&state, parse_pk(&id)?).await?))
}

#[utoipa::path(put, path = "/core/groups/{id}/", tag = "core", params(("id" = String, Path)),
    request_body = GroupRequest,
    responses((status = 200, body = Group), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn put_group(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<GroupRequest>, JsonRejection>,
) -> ApiResult<Json<Group>> {
    change(state, admin, id, body, false).await
}

#[utoipa::path(patch, path = "/core/groups/{id}/", tag = "core", params(("id" = String, Path)),
    request_body = GroupRequest,
    responses((status = 200, body = Group), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn patch_group(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<GroupRequest>, JsonRejection>,
) -> ApiResult<Json<Group>> {
    change(state, admin, id, body, true).await
}

async fn change(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: Result<Json<GroupRequest>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<Group>> {
    let Json(body) = body.map_err(bad_body)?;
    let pk = parse_pk(&id)?;
    let members = member_pks(&body.users)?;
    let current = fetch(&state, pk).await?;
    let base = if partial {
        GroupForm {
            name: current.name,
            parent: current.parent.unwrap_or_default(),
            is_superuser: current.is_superuser,
            attributes: current.attributes.to_string(),
        }
    } else {
        GroupForm::default()
    };
    let form = onto(&body, base)?;
    saved(
        edit::save(
            &state.pool,
            &caller.actor(),
            Some(pk),
            &form,
            members.as_deref(),
        )
        .await?,
    )?;
    Ok(Json(fetch(&state, pk).await?))
}

#[utoipa::path(delete, path = "/core/groups/{id}/", tag = "core", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_group(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let pk = parse_pk(&id)?;
    fetch(&state, pk).await?;
    edit::delete(&state.pool, &caller.actor(), pk).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn onto(body: &GroupRequest, mut form: GroupForm) -> ApiResult<GroupForm> {
    if let Some(v) = &body.name {
        form.name = v.clone();
    }
    if let Some(v) = body.is_superuser {
        form.is_superuser = v;
    }
    if let Some(v) = &body.parent {
        form.parent = v.clone().unwrap_or_default();
    }
    if let Some(v) = &body.attributes {
        if !v.is_object() {
            return Err(ApiError::field(
                "attributes",
                "Attributes must be a JSON object.",
            ));
        }
        form.attributes = v.to_string();
    }
    Ok(form)
}

fn member_pks(users: &Option<Vec<String>>) -> ApiResult<Option<Vec<Uuid>>> {
    users
        .as_ref()
        .map(|list| {
            list.iter()
                .map(|u| Uuid::parse_str(u).map_err(|_| ApiError::field("users", "Unknown user.")))
                .collect()
        })
        .transpose()
}

async fn fetch(state: &AppState, pk: Uuid) -> ApiResult<Group> {
    let id = pk.to_string();
    let row = edit::list(&state.pool)
        .await?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or(ApiError::NotFound)?;
    with_members(state, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

async fn with_members(state: &AppState, rows: Vec<GroupRow>) -> ApiResult<Vec<Group>> {
    let ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|g| Uuid::parse_str(&g.id).ok())
        .collect();
    let members = edit::member_ids(&state.pool, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|g| {
            let gid = Uuid::parse_str(&g.id).ok();
            Group {
                users: members
                    .iter()
                    .filter(|(group, _)| Some(*group) == gid)
                    .map(|(_, user)| user.to_string())
                    .collect(),
                attributes: serde_json::from_str(&g.attributes)
                    .unwrap_or_else(|_| Value::Object(Map::new())),
                parent: Some(g.parent_id).filter(|p| !p.is_empty()),
                parent_name: Some(g.parent_name).filter(|p| !p.is_empty()),
                pk: g.id,
                name: g.name,
                is_superuser: g.is_superuser,
            }
        })
        .collect())
}
