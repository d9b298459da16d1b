//! `/api/v3/core/applications/`: applications by slug, in authentik's shapes. `provider` is the
//! pk of the provider that signs users in to it (one application per provider).
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated};
use super::{Created, saved};
use app::ssr::AppState;
use app::ssr::applications::{self as domain, ApplicationForm};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// How an application's policies combine: `any` passes when one passes, `all` when all do.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // Only its schema is used: requests carry the text, checked by the domain.
pub enum PolicyEngineMode {
    Any,
    All,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Application {
    pub pk: String,
    /// The display name.
    pub name: String,
    /// The name in URLs: lowercase letters, digits, `-` and `_`.
    pub slug: String,
    /// The pk of the provider that signs users in, or null.
    pub provider: Option<String>,
    /// That provider, as `providers/all/` shows it.
    #[schema(value_type = Option<Object>)]
    pub provider_obj: Option<Value>,
    /// Always empty: Ward has no backchannel providers yet.
    pub backchannel_providers: Vec<String>,
    /// The launch URL when one is set, else the origin of the provider's first redirect URI,
    /// else null.
    pub launch_url: Option<String>,
    pub open_in_new_tab: bool,
    pub meta_launch_url: String,
    /// Always null: Ward stores no application icons yet.
    pub meta_icon: Option<String>,
    pub meta_description: String,
    pub meta_publisher: String,
    #[schema(value_type = PolicyEngineMode)]
    pub policy_engine_mode: String,
    /// A free-text label to group applications by.
    pub group: String,
}

impl From<domain::Application> for Application {
    fn from(a: domain::Application) -> Self {
        Self {
            pk: a.id.to_string(),
            launch_url: a.launch_url(),
            name: a.name,
            slug: a.slug,
            provider: a.provider_id.map(|p| p.to_string()),
            provider_obj: None,
            backchannel_providers: Vec::new(),
            open_in_new_tab: a.open_in_new_tab,
            meta_launch_url: a.meta_launch_url,
            meta_icon: None,
            meta_description: a.meta_description,
            meta_publisher: a.meta_publisher,
            policy_engine_mode: a.policy_engine_mode,
            group: a.group,
        }
    }
}

/// An application to create or change. On PATCH only the fields given change; on PUT and POST
/// `name` and `slug` are required and the rest take their defaults.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApplicationRequest {
    /// Required on POST and PUT.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Required on POST and PUT.
    #[schema(min_length = 1, max_length = 50, pattern = "^[a-z0-9_-]+$")]
    pub slug: Option<String>,
    /// The pk of a provider that serves no other application, or null for none.
    #[schema(value_type = Option<String>)]
    #[serde(default, deserialize_with = "super::explicit_null")]
    pub provider: Option<Option<String>>,
    /// Must be empty: Ward has no backchannel providers yet.
    pub backchannel_providers: Option<Vec<String>>,
    pub open_in_new_tab: Option<bool>,
    /// An http(s) URL, or empty.
    #[schema(max_length = 2000)]
    pub meta_launch_url: Option<String>,
    #[schema(max_length = 4000)]
    pub meta_description: Option<String>,
    #[schema(max_length = 200)]
    pub meta_publisher: Option<String>,
    #[schema(value_type = Option<PolicyEngineMode>)]
    pub policy_engine_mode: Option<String>,
    #[schema(max_length = 200)]
    pub group: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationFilter {
    /// Exact name.
    pub name: Option<String>,
    /// Exact slug.
    pub slug: Option<String>,
    /// Exact group label.
    pub group: Option<String>,
}

/// Lists applications. Superusers only.
#[utoipa::path(get, path = "/core/applications/", tag = "core", params(ListParams, ApplicationFilter),
    responses((status = 200, body = Paginated<Application>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_applications(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<ApplicationFilter>,
) -> ApiResult<Json<Paginated<Application>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["name", "slug", "group"], "name")?;
    let search = params.search().to_lowercase();
    let matches = |a: &domain::Application| {
        [
            &a.name,
            &a.slug,
            &a.group,
            &a.meta_publisher,
            &a.meta_description,
        ]
        .iter()
        .any(|t| t.to_lowercase().contains(&search))
    };
    let mut rows: Vec<domain::Application> = domain::list(&state.pool)
        .await?
        .into_iter()
        .filter(|a| search.is_empty() || matches(a))
        .filter(|a| filter.name.as_ref().is_none_or(|n| &a.name == n))
        .filter(|a| filter.slug.as_ref().is_none_or(|s| &a.slug == s))
        .filter(|a| filter.group.as_ref().is_none_or(|g| &a.group == g))
        .collect();
    // Case-insensitive, then by slug (unique), so every ordering is total and stable.
    let key = |a: &domain::Application| {
        let text = match field {
            "slug" => &a.slug,
            "group" => &a.group,
            _ => &a.name,
        };
        (text.to_lowercase(), a.slug.clone())
    };
    rows.sort_by_cached_key(key);
    if descending {
        rows.reverse();
    }
    let all = with_providers(&state, rows).await?;
    Ok(Json(Paginated::of_all(req, all)?))
}

/// Creates an application. Superusers only.
#[utoipa::path(post, path = "/core/applications/", tag = "core", request_body = ApplicationRequest,
    responses((status = 201, body = Application), (status = 400), (status = 401), (status = 403)))]
pub async fn create_application(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<ApplicationRequest>, JsonRejection>,
) -> ApiResult<Created<Application>> {
    let Json(body) = body.map_err(bad_body)?;
    let form = onto(&body, ApplicationForm::default())?;
    let change = saved(domain::save(&state.pool, &caller.actor(), None, &form).await?)?;
    Ok(Created(fetch_id(&state, change.id).await?))
}

/// One application by slug. Superusers only.
#[utoipa::path(get, path = "/core/applications/{slug}/", tag = "core", params(("slug" = String, Path)),
    responses((status = 200, body = Application), (status = 401), (status = 403), (status = 404)))]
pub async fn get_application(
    State(state): State<AppState>,
    _admin: Admin,
    Path(slug): Path<String>,
) -> ApiResult<Json<Application>> {
    let app = fetch(&state, &slug).await?;
    Ok(Json(one_with_provider(&state, app).await?))
}

/// Replaces an application. Superusers only.
#[utoipa::path(put, path = "/core/applications/{slug}/", tag = "core", params(("slug" = String, Path)),
    request_body = ApplicationRequest,
    responses((status = 200, body = Application), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn put_application(
    state: State<AppState>,
    admin: Admin,
    slug: Path<String>,
    body: Result<Json<ApplicationRequest>, JsonRejection>,
) -> ApiResult<Json<Application>> {
    change(state, admin, slug, body, false).await
}

/// Changes the given fields of an application. Superusers only.
#[utoipa::path(patch, path = "/core/applications/{slug}/", tag = "core", params(("slug" = String, Path)),
    request_body = ApplicationRequest,
    responses((status = 200, body = Application), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn patch_application(
    state: State<AppState>,
    admin: Admin,
    slug: Path<String>,
    body: Result<Json<ApplicationRequest>, JsonRejection>,
) -> ApiResult<Json<Application>> {
    change(state, admin, slug, body, true).await
}

async fn change(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(slug): Path<String>,
    body: Result<Json<ApplicationRequest>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<Application>> {
    let Json(body) = body.map_err(bad_body)?;
    let current = fetch(&state, &slug).await?;
    let base = if partial {
        current.form()
    } else {
        ApplicationForm::default()
    };
    let form = onto(&body, base)?;
    let change = saved(domain::save(&state.pool, &caller.actor(), Some(current.id), &form).await?)?;
    Ok(Json(fetch_id(&state, change.id).await?))
}

/// Deletes an application. Superusers only.
#[utoipa::path(delete, path = "/core/applications/{slug}/", tag = "core", params(("slug" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_application(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    let current = fetch(&state, &slug).await?;
    domain::delete(&state.pool, &caller.actor(), current.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body's fields over `form`. A provider, even an unknown one, reaches the domain so it
/// is checked with the same message everywhere.
fn onto(body: &ApplicationRequest, mut form: ApplicationForm) -> ApiResult<ApplicationForm> {
    if body
        .backchannel_providers
        .as_ref()
        .is_some_and(|b| !b.is_empty())
    {
        return Err(ApiError::field(
            "backchannel_providers",
            domain::NO_BACKCHANNEL,
        ));
    }
    let set = |target: &mut String, value: &Option<String>| {
        if let Some(v) = value {
            target.clone_from(v);
        }
    };
    set(&mut form.name, &body.name);
    set(&mut form.slug, &body.slug);
    set(&mut form.group, &body.group);
    set(&mut form.meta_launch_url, &body.meta_launch_url);
    set(&mut form.meta_description, &body.meta_description);
    set(&mut form.meta_publisher, &body.meta_publisher);
    set(&mut form.policy_engine_mode, &body.policy_engine_mode);
    if let Some(v) = body.open_in_new_tab {
        form.open_in_new_tab = v;
    }
    if let Some(provider) = &body.provider {
        form.provider.clone_from(provider);
    }
    Ok(form)
}

async fn fetch(state: &AppState, slug: &str) -> ApiResult<domain::Application> {
    domain::get_by_slug(&state.pool, slug)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn fetch_id(state: &AppState, id: uuid::Uuid) -> ApiResult<Application> {
    let app = domain::get(&state.pool, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    one_with_provider(state, app).await
}

async fn one_with_provider(state: &AppState, app: domain::Application) -> ApiResult<Application> {
    with_providers(state, vec![app])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
}

/// The answers, each with its provider as `providers/all/` shows it (`provider_obj`).
async fn with_providers(
    state: &AppState,
    apps: Vec<domain::Application>,
) -> ApiResult<Vec<Application>> {
    use super::typed::Family;
    let mut providers = std::collections::HashMap::new();
    if apps.iter().any(|a| a.provider_id.is_some()) {
        for p in app::ssr::providers::edit::list(&state.pool, None).await? {
            providers.insert(p.id, serde_json::to_value(p.out()).unwrap_or(Value::Null));
        }
    }
    Ok(apps
        .into_iter()
        .map(|a| {
            let obj = a.provider_id.and_then(|id| providers.get(&id).cloned());
            Application {
                provider_obj: obj,
                ..Application::from(a)
            }
        })
        .collect())
}

/// An access check's answer, in authentik's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyTestResult {
    pub passing: bool,
    /// What the failing policies tell the user.
    pub messages: Vec<String>,
    pub log_messages: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckAccessParams {
    /// The pk of the user to check; the caller when left out.
    pub for_user: Option<String>,
}

/// Whether a user may use the application: its policy bindings, by its policy engine mode.
/// Superusers only, as for every application endpoint.
#[utoipa::path(get, path = "/core/applications/{slug}/check_access/", tag = "core",
    params(("slug" = String, Path), CheckAccessParams),
    responses((status = 200, body = PolicyTestResult), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn check_access(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(slug): Path<String>,
    Query(params): Query<CheckAccessParams>,
) -> ApiResult<Json<PolicyTestResult>> {
    let user = match params.for_user.as_deref() {
        None => caller.user.id,
        Some(raw) => {
            let id = uuid::Uuid::parse_str(raw.trim())
                .map_err(|_| ApiError::field("for_user", "Unknown user."))?;
            app::ssr::users::get(&state.pool, id)
                .await?
                .ok_or_else(|| ApiError::field("for_user", "Unknown user."))?
                .id
        }
    };
    let app = fetch(&state, &slug).await?;
    let verdict = domain::check_access(&state.pool, &app, Some(user), None).await?;
    Ok(Json(PolicyTestResult {
        passing: verdict.passing,
        messages: verdict.messages,
        log_messages: verdict.logs,
    }))
}
