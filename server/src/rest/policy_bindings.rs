//! `/api/v3/policies/bindings/`: a policy, a group or a user bound to a flow, a stage in a flow
//! or an application, at an order.
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated, sort_by_text};
use super::{Created, Required, explicit_null, parse_pk, saved};
use app::ssr::AppState;
use app::ssr::policies::bindings::{self, PolicyBindingForm, PolicyBindingRow, Subject};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyRef {
    pub pk: String,
    pub name: String,
    pub component: String,
    pub verbose_name: String,
    pub meta_model_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRef {
    pub pk: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserRef {
    pub pk: String,
    pub username: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyBinding {
    pub pk: String,
    /// The pk of the flow, flow-stage binding or application it is bound to.
    pub target: String,
    /// One of policy, group and user is set.
    pub policy: Option<String>,
    pub group: Option<String>,
    pub user: Option<String>,
    pub policy_obj: Option<PolicyRef>,
    pub group_obj: Option<GroupRef>,
    pub user_obj: Option<UserRef>,
    /// Passes when the policy fails, and the other way round.
    pub negate: bool,
    pub enabled: bool,
    pub order: i32,
    /// Seconds the policy may take.
    pub timeout: i32,
    /// The result when the policy cannot run (broken, past its timeout).
    pub failure_result: bool,
}

/// A binding to create or change; on PATCH only the fields given change. Exactly one of
/// policy, group and user.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PolicyBindingRequest {
    pub target: Option<String>,
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<String>)]
    pub policy: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<String>)]
    pub group: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<String>)]
    pub user: Option<Option<String>>,
    pub negate: Option<bool>,
    pub enabled: Option<bool>,
    pub order: Option<i64>,
    pub timeout: Option<i64>,
    pub failure_result: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PolicyBindingFilter {
    pub target: Option<String>,
    pub policy: Option<String>,
    pub group: Option<String>,
    pub user: Option<String>,
    pub enabled: Option<bool>,
    pub order: Option<i64>,
}

fn out(row: PolicyBindingRow) -> PolicyBinding {
    let (policy, group, user) = row.form.subject.columns();
    let text = |id: Option<Uuid>| id.map(|i| i.to_string());
    PolicyBinding {
        pk: row.id.to_string(),
        target: row.form.target.to_string(),
        policy: text(policy),
        group: text(group),
        user: text(user),
        policy_obj: policy.zip(row.policy).map(|(pk, (name, kind))| {
            let kind = app::ssr::policies::by_kind(&kind);
            PolicyRef {
                pk: pk.to_string(),
                name,
                component: kind.map(|k| k.component()).unwrap_or_default(),
                verbose_name: kind.map(|k| k.verbose_name.to_string()).unwrap_or_default(),
                meta_model_name: kind.map(|k| k.model.to_string()).unwrap_or_default(),
            }
        }),
        group_obj: group.zip(row.group).map(|(pk, name)| GroupRef {
            pk: pk.to_string(),
            name,
        }),
        user_obj: user.zip(row.user).map(|(pk, (username, name))| UserRef {
            pk: pk.to_string(),
            username,
            name,
        }),
        negate: row.form.negate,
        enabled: row.form.enabled,
        order: row.form.order,
        timeout: row.form.timeout,
        failure_result: row.form.failure_result,
    }
}

#[utoipa::path(get, path = "/policies/bindings/", tag = "policies", operation_id = "policies_bindings_list", params(ListParams, PolicyBindingFilter),
    responses((status = 200, body = Paginated<PolicyBinding>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_bindings(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<PolicyBindingFilter>,
) -> ApiResult<Json<Paginated<PolicyBinding>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["order", "target", "pk"], "order")?;
    let search = params.search().to_lowercase();
    let same = |want: &Option<String>, have: Option<Uuid>| {
        want.as_deref()
            .is_none_or(|w| have.is_some_and(|h| h.to_string() == w))
    };
    let mut rows: Vec<PolicyBindingRow> = bindings::list(&state.pool)
        .await?
        .into_iter()
        .filter(|b| search.is_empty() || b.names().to_lowercase().contains(&search))
        .filter(|b| {
            let (policy, group, user) = b.form.subject.columns();
            same(&filter.target, Some(b.form.target))
                && same(&filter.policy, policy)
                && same(&filter.group, group)
                && same(&filter.user, user)
                && filter.enabled.is_none_or(|e| e == b.form.enabled)
                && filter.order.is_none_or(|o| o == i64::from(b.form.order))
        })
        .collect();
    // Numbers sort as text once offset and padded.
    let order = |b: &PolicyBindingRow| format!("{:011}", i64::from(b.form.order) + (1 << 31));
    sort_by_text(&mut rows, descending, |b| match field {
        "target" => format!("{}\0{}", b.form.target, order(b)),
        "pk" => b.id.to_string(),
        _ => format!("{}\0{}", order(b), b.form.target),
    });
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(out).collect(),
    )?))
}

#[utoipa::path(post, path = "/policies/bindings/", tag = "policies", operation_id = "policies_bindings_create", request_body = PolicyBindingRequest,
    responses((status = 201, body = PolicyBinding), (status = 400), (status = 401), (status = 403)))]
pub async fn create_binding(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<PolicyBindingRequest>, JsonRejection>,
) -> ApiResult<Created<PolicyBinding>> {
    let Json(body) = body.map_err(bad_body)?;
    let form = onto(&body, None)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    let (id, _) = saved(bindings::save_in(&mut tx, &caller.actor(), None, &form).await?)?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(Created(fetch(&state, id).await?))
}

#[utoipa::path(get, path = "/policies/bindings/{policy_binding_uuid}/", tag = "policies", operation_id = "policies_bindings_retrieve",
    params(("policy_binding_uuid" = String, Path)),
    responses((status = 200, body = PolicyBinding), (status = 401), (status = 403), (status = 404)))]
pub async fn get_binding(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<PolicyBinding>> {
    Ok(Json(fetch(&state, parse_pk(&id)?).await?))
}

#[utoipa::path(put, path = "/policies/bindings/{policy_binding_uuid}/", tag = "policies", operation_id = "policies_bindings_update",
    params(("policy_binding_uuid" = String, Path)), request_body = PolicyBindingRequest,
    responses((status = 200, body = PolicyBinding), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn put_binding(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<PolicyBindingRequest>, JsonRejection>,
) -> ApiResult<Json<PolicyBinding>> {
    change(state, admin, id, body, false).await
}

#[utoipa::path(patch, path = "/policies/bindings/{policy_binding_uuid}/", tag = "policies", operation_id = "policies_bindings_partial_update",
    params(("policy_binding_uuid" = String, Path)), request_body = PolicyBindingRequest,
    responses((status = 200, body = PolicyBinding), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn patch_binding(
    state: State<AppState>,
    admin: Admin,
    id: Path<String>,
    body: Result<Json<PolicyBindingRequest>, JsonRejection>,
) -> ApiResult<Json<PolicyBinding>> {
    change(state, admin, id, body, true).await
}

async fn change(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: Result<Json<PolicyBindingRequest>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<PolicyBinding>> {
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

#[utoipa::path(delete, path = "/policies/bindings/{policy_binding_uuid}/", tag = "policies", operation_id = "policies_bindings_destroy",
    params(("policy_binding_uuid" = String, Path)),
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

fn uuid_field(field: &str, raw: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw.trim()).map_err(|_| ApiError::field(field, format!("Unknown {what}.")))
}

/// The request over `current` (PATCH), or the whole binding (POST, PUT).
fn onto(
    body: &PolicyBindingRequest,
    current: Option<PolicyBindingForm>,
) -> ApiResult<PolicyBindingForm> {
    let mut missing = Required::new(current.is_some());
    let target = missing.pick(
        "target",
        &body.target,
        current.map(|c| c.target.to_string()).unwrap_or_default(),
    );
    let order = missing.pick(
        "order",
        &body.order,
        current.map(|c| i64::from(c.order)).unwrap_or_default(),
    );
    missing.check()?;
    // The subject: the fields given replace the current one as a whole.
    let given = [
        ("policy", &body.policy),
        ("group", &body.group),
        ("user", &body.user),
    ];
    let subject = if given.iter().all(|(_, v)| v.is_none()) && current.is_some() {
        current.map(|c| c.subject)
    } else {
        let set: Vec<(&str, &String)> = given
            .iter()
            .filter_map(|(k, v)| v.as_ref().and_then(Option::as_ref).map(|v| (*k, v)))
            .collect();
        match set.as_slice() {
            [(key, raw)] => {
                let id = uuid_field(key, raw, key)?;
                Some(match *key {
                    "policy" => Subject::Policy(id),
                    "group" => Subject::Group(id),
                    _ => Subject::User(id),
                })
            }
            _ => None,
        }
    };
    let Some(subject) = subject else {
        return Err(ApiError::field(
            "non_field_errors",
            "Set exactly one of policy, group and user.",
        ));
    };
    let base = current.unwrap_or(PolicyBindingForm::new(Uuid::nil(), subject, 0));
    let timeout = body.timeout.unwrap_or(i64::from(base.timeout));
    Ok(PolicyBindingForm {
        target: uuid_field("target", &target, "target")?,
        subject,
        negate: body.negate.unwrap_or(base.negate),
        enabled: body.enabled.unwrap_or(base.enabled),
        order: i32::try_from(order).map_err(|_| {
            ApiError::field(
                "order",
                "Enter a whole number from -2147483648 to 2147483647.",
            )
        })?,
        timeout: i32::try_from(timeout)
            .ok()
            .filter(|t| (1..=3600).contains(t))
            .ok_or_else(|| ApiError::field("timeout", "A number of seconds from 1 to 3600."))?,
        failure_result: body.failure_result.unwrap_or(base.failure_result),
    })
}

async fn fetch(state: &AppState, id: Uuid) -> ApiResult<PolicyBinding> {
    bindings::get(&state.pool, id)
        .await?
        .map(out)
        .ok_or(ApiError::NotFound)
}
