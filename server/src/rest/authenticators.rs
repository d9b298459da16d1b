//! `/api/v3/authenticators/`: MFA devices, in authentik's paths. `all/` and `<class>/` are the
//! caller's own devices; `admin/all/?user=` and `admin/<class>/` any user's (superusers). A
//! device is enrolled only through its setup stage, which proves it works, so there is no
//! create here: list, read, rename, delete. One set of functions serves every class;
//! [`device_class!`] gives each class its documented paths.
use super::auth::{Admin, Caller};
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated, sort_by_text};
use super::parse_pk;
use app::ssr::AppState;
use app::ssr::mfa::device_edit::{self, OwnedDevice};
use app::ssr::mfa::devices;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A device of any class, as `authenticators/all/` lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Device {
    pub verbose_name: String,
    pub verbose_name_plural: String,
    pub meta_model_name: String,
    pub pk: String,
    pub name: String,
    /// `<app>.<Model>`, e.g. `authentik_stages_authenticator_totp.TOTPDevice`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Always true: Ward saves a device only once it has been confirmed.
    pub confirmed: bool,
    pub created: String,
    pub last_updated: String,
    pub last_used: Option<String>,
    pub extra_description: Option<String>,
    pub external_id: Option<String>,
}

/// The owner of a device.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceOwner {
    pub pk: String,
    pub username: String,
    pub name: String,
    pub email: Option<String>,
    pub is_active: bool,
}

/// A device of one class, as `authenticators/<class>/` serves it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassDevice {
    pub pk: String,
    pub name: String,
    pub user: DeviceOwner,
    pub created: String,
    pub last_used: Option<String>,
}

/// What may change on a device: its name (required on PUT).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DeviceRequest {
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// The owner's pk.
    pub user: Option<String>,
}

/// authentik's model of each class: (class, verbose name, app, model).
const MODELS: [(&str, &str, &str, &str); 4] = [
    (
        "totp",
        "TOTP Device",
        "authentik_stages_authenticator_totp",
        "TOTPDevice",
    ),
    (
        "static",
        "Static Device",
        "authentik_stages_authenticator_static",
        "StaticDevice",
    ),
    (
        "webauthn",
        "WebAuthn Device",
        "authentik_stages_authenticator_webauthn",
        "WebAuthnDevice",
    ),
    (
        "email",
        "Email Device",
        "authentik_stages_authenticator_email",
        "EmailDevice",
    ),
];

fn device(d: OwnedDevice) -> Device {
    let (_, verbose, app, model) = MODELS
        .iter()
        .find(|m| m.0 == d.device.class)
        .copied()
        .unwrap_or(MODELS[0]);
    Device {
        verbose_name: verbose.into(),
        verbose_name_plural: format!("{verbose}s"),
        meta_model_name: format!("{app}.{}", model.to_lowercase()),
        pk: d.device.id,
        name: d.device.name,
        kind: format!("{app}.{model}"),
        confirmed: true,
        last_updated: d
            .device
            .last_used
            .clone()
            .unwrap_or_else(|| d.device.created.clone()),
        created: d.device.created,
        last_used: d.device.last_used,
        extra_description: None,
        external_id: None,
    }
}

fn class_device(d: OwnedDevice) -> ClassDevice {
    ClassDevice {
        pk: d.device.id,
        name: d.device.name,
        user: DeviceOwner {
            pk: d.user.to_string(),
            username: d.username,
            name: d.user_name,
            email: d.email,
            is_active: d.is_active,
        },
        created: d.device.created,
        last_used: d.device.last_used,
    }
}

/// A `?user=` that names no user matches nothing (an empty list), as a filter does.
fn owner_filter(filter: &UserFilter) -> Option<Option<Uuid>> {
    filter
        .user
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|u| Uuid::parse_str(u).ok())
}

#[utoipa::path(get, path = "/authenticators/all/", tag = "authenticators",
    operation_id = "authenticators_all_list",
    responses((status = 200, body = Vec<Device>), (status = 401)))]
pub async fn all(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Device>>> {
    let rows = device_edit::list(&state.pool, Some(caller.user.id), None).await?;
    Ok(Json(rows.into_iter().map(device).collect()))
}

#[utoipa::path(get, path = "/authenticators/admin/all/", tag = "authenticators",
    operation_id = "authenticators_admin_all_list", params(UserFilter),
    responses((status = 200, body = Vec<Device>), (status = 401), (status = 403)))]
pub async fn admin_all(
    State(state): State<AppState>,
    _admin: Admin,
    Query(filter): Query<UserFilter>,
) -> ApiResult<Json<Vec<Device>>> {
    let rows = match owner_filter(&filter) {
        Some(None) => Vec::new(),
        Some(Some(user)) => device_edit::list(&state.pool, Some(user), None).await?,
        None => device_edit::list(&state.pool, None, None).await?,
    };
    Ok(Json(rows.into_iter().map(device).collect()))
}

/// Devices of `class`, of `owner` when given (the caller's own, or an admin's `?user=`).
pub async fn list_class(
    state: &AppState,
    class: &str,
    owner: Option<Uuid>,
    filter: &UserFilter,
    params: ListParams,
) -> ApiResult<Json<Paginated<ClassDevice>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["name", "created", "last_used"], "created")?;
    let owner = match (owner, owner_filter(filter)) {
        (Some(me), _) => Some(me),
        (None, Some(None)) => return Ok(Json(Paginated::of_all(req, Vec::new())?)),
        (None, Some(Some(user))) => Some(user),
        (None, None) => None,
    };
    let search = params.search().to_lowercase();
    let mut rows: Vec<OwnedDevice> = device_edit::list(&state.pool, owner, Some(class))
        .await?
        .into_iter()
        .filter(|d| search.is_empty() || d.device.name.to_lowercase().contains(&search))
        .collect();
    sort_by_text(&mut rows, descending, |d| match field {
        "name" => d.device.name.to_lowercase(),
        "last_used" => d.device.last_used.clone().unwrap_or_default(),
        _ => d.device.created.clone(),
    });
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(class_device).collect(),
    )?))
}

/// The device `id` of `class` (and of `owner`, when given).
pub async fn fetch(
    state: &AppState,
    class: &str,
    owner: Option<Uuid>,
    id: &str,
) -> ApiResult<OwnedDevice> {
    device_edit::get(&state.pool, parse_pk(id)?)
        .await?
        .filter(|d| d.device.class == class && owner.is_none_or(|o| o == d.user))
        .ok_or(ApiError::NotFound)
}

pub async fn retrieve_one(
    state: &AppState,
    class: &str,
    owner: Option<Uuid>,
    id: &str,
) -> ApiResult<Json<ClassDevice>> {
    Ok(Json(class_device(fetch(state, class, owner, id).await?)))
}

/// Renames the device (PUT needs the name; PATCH may leave it out).
pub async fn change(
    state: &AppState,
    caller: &Caller,
    class: &str,
    owner: Option<Uuid>,
    id: &str,
    body: Result<Json<Value>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<ClassDevice>> {
    let current = fetch(state, class, owner, id).await?;
    let Json(body) = body.map_err(bad_body)?;
    let Value::Object(body) = body else {
        return Err(ApiError::field("non_field_errors", "Send a JSON object."));
    };
    let name = match body.get("name") {
        Some(Value::String(n)) => n.clone(),
        Some(_) => return Err(ApiError::field("name", "Not a valid string.")),
        None if partial => current.device.name.clone(),
        None => return Err(ApiError::field("name", "This field is required.")),
    };
    let device = parse_pk(id)?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    match device_edit::rename(&mut tx, &caller.actor(), current.user, device, &name).await? {
        Err(message) => return Err(ApiError::field("name", message)),
        Ok(false) => return Err(ApiError::NotFound),
        Ok(true) => {}
    }
    tx.commit().await.map_err(app::ssr::Error::from)?;
    retrieve_one(state, class, owner, id).await
}

/// Deletes the device, recorded as `mfa_removed` (`by` the caller when it is not theirs).
pub async fn destroy_one(
    state: &AppState,
    caller: &Caller,
    class: &str,
    owner: Option<Uuid>,
    id: &str,
) -> ApiResult<StatusCode> {
    let current = fetch(state, class, owner, id).await?;
    let by = (current.user != caller.user.id).then_some(caller.user.username.as_str());
    let removed = devices::remove(
        &state.pool,
        (current.user, &current.username),
        caller.client.ip,
        Some(parse_pk(id)?),
        by,
    )
    .await?;
    if removed == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The documented paths of one device class: the caller's own (`$own`, `$own_one`) and any
/// user's for superusers (`$admin`, `$admin_one`).
macro_rules! device_class {
    ($module:ident, $class:literal, $own:literal, $own_one:literal, $admin:literal, $admin_one:literal) => {
        pub mod $module {
            use super::*;
            use axum::extract::Path;
            use axum::routing::get;

            #[utoipa::path(get, path = $own, tag = "authenticators",
                operation_id = concat!("authenticators_", $class, "_list"), params(ListParams),
                responses((status = 200, body = Paginated<ClassDevice>), (status = 400), (status = 401)))]
            pub async fn list(
                State(state): State<AppState>,
                caller: Caller,
                Query(params): Query<ListParams>,
            ) -> ApiResult<Json<Paginated<ClassDevice>>> {
                let none = UserFilter { user: None };
                list_class(&state, $class, Some(caller.user.id), &none, params).await
            }

            #[utoipa::path(get, path = $own_one, tag = "authenticators",
                operation_id = concat!("authenticators_", $class, "_retrieve"),
                params(("id" = String, Path)),
                responses((status = 200, body = ClassDevice), (status = 401), (status = 404)))]
            pub async fn retrieve(
                State(state): State<AppState>,
                caller: Caller,
                Path(id): Path<String>,
            ) -> ApiResult<Json<ClassDevice>> {
                retrieve_one(&state, $class, Some(caller.user.id), &id).await
            }

            #[utoipa::path(put, path = $own_one, tag = "authenticators",
                operation_id = concat!("authenticators_", $class, "_update"),
                params(("id" = String, Path)), request_body = DeviceRequest,
                responses((status = 200, body = ClassDevice), (status = 400), (status = 401), (status = 404)))]
            pub async fn update(
                State(state): State<AppState>,
                caller: Caller,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<ClassDevice>> {
                let me = Some(caller.user.id);
                change(&state, &caller, $class, me, &id, body, false).await
            }

            #[utoipa::path(patch, path = $own_one, tag = "authenticators",
                operation_id = concat!("authenticators_", $class, "_partial_update"),
                params(("id" = String, Path)), request_body = DeviceRequest,
                responses((status = 200, body = ClassDevice), (status = 400), (status = 401), (status = 404)))]
            pub async fn partial_update(
                State(state): State<AppState>,
                caller: Caller,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<ClassDevice>> {
                let me = Some(caller.user.id);
                change(&state, &caller, $class, me, &id, body, true).await
            }

            #[utoipa::path(delete, path = $own_one, tag = "authenticators",
                operation_id = concat!("authenticators_", $class, "_destroy"),
                params(("id" = String, Path)),
                responses((status = 204), (status = 401), (status = 404)))]
            pub async fn destroy(
                State(state): State<AppState>,
                caller: Caller,
                Path(id): Path<String>,
            ) -> ApiResult<StatusCode> {
                let me = Some(caller.user.id);
                destroy_one(&state, &caller, $class, me, &id).await
            }

            #[utoipa::path(get, path = $admin, tag = "authenticators",
                operation_id = concat!("authenticators_admin_", $class, "_list"),
                params(ListParams, UserFilter),
                responses((status = 200, body = Paginated<ClassDevice>), (status = 400), (status = 401), (status = 403)))]
            pub async fn admin_list(
                State(state): State<AppState>,
                _admin: Admin,
                Query(params): Query<ListParams>,
                Query(filter): Query<UserFilter>,
            ) -> ApiResult<Json<Paginated<ClassDevice>>> {
                list_class(&state, $class, None, &filter, params).await
            }

            #[utoipa::path(get, path = $admin_one, tag = "authenticators",
                operation_id = concat!("authenticators_admin_", $class, "_retrieve"),
                params(("id" = String, Path)),
                responses((status = 200, body = ClassDevice), (status = 401), (status = 403), (status = 404)))]
            pub async fn admin_retrieve(
                State(state): State<AppState>,
                _admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<Json<ClassDevice>> {
                retrieve_one(&state, $class, None, &id).await
            }

            #[utoipa::path(put, path = $admin_one, tag = "authenticators",
                operation_id = concat!("authenticators_admin_", $class, "_update"),
                params(("id" = String, Path)), request_body = DeviceRequest,
                responses((status = 200, body = ClassDevice), (status = 400), (status = 401), (status = 403), (status = 404)))]
            pub async fn admin_update(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<ClassDevice>> {
                change(&state, &admin.0, $class, None, &id, body, false).await
            }

            #[utoipa::path(patch, path = $admin_one, tag = "authenticators",
                operation_id = concat!("authenticators_admin_", $class, "_partial_update"),
                params(("id" = String, Path)), request_body = DeviceRequest,
                responses((status = 200, body = ClassDevice), (status = 400), (status = 401), (status = 403), (status = 404)))]
            pub async fn admin_partial_update(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
                body: Result<Json<Value>, JsonRejection>,
            ) -> ApiResult<Json<ClassDevice>> {
                change(&state, &admin.0, $class, None, &id, body, true).await
            }

            #[utoipa::path(delete, path = $admin_one, tag = "authenticators",
                operation_id = concat!("authenticators_admin_", $class, "_destroy"),
                params(("id" = String, Path)),
                responses((status = 204), (status = 401), (status = 403), (status = 404)))]
            pub async fn admin_destroy(
                State(state): State<AppState>,
                admin: Admin,
                Path(id): Path<String>,
            ) -> ApiResult<StatusCode> {
                destroy_one(&state, &admin.0, $class, None, &id).await
            }

            #[derive(utoipa::OpenApi)]
            #[openapi(paths(list, retrieve, update, partial_update, destroy, admin_list,
                admin_retrieve, admin_update, admin_partial_update, admin_destroy))]
            pub struct Doc;

            pub fn routes() -> axum::Router<AppState> {
                axum::Router::new()
                    .route($own, get(list))
                    .route(
                        $own_one,
                        get(retrieve).put(update).patch(partial_update).delete(destroy),
                    )
                    .route($admin, get(admin_list))
                    .route(
                        $admin_one,
                        get(admin_retrieve)
                            .put(admin_update)
                            .patch(admin_partial_update)
                            .delete(admin_destroy),
                    )
            }
        }
    };
}

device_class!(
    totp,
    "totp",
    "/authenticators/totp/",
    "/authenticators/totp/{id}/",
    "/authenticators/admin/totp/",
    "/authenticators/admin/totp/{id}/"
);
device_class!(
    static_codes,
    "static",
    "/authenticators/static/",
    "/authenticators/static/{id}/",
    "/authenticators/admin/static/",
    "/authenticators/admin/static/{id}/"
);
device_class!(
    webauthn,
    "webauthn",
    "/authenticators/webauthn/",
    "/authenticators/webauthn/{id}/",
    "/authenticators/admin/webauthn/",
    "/authenticators/admin/webauthn/{id}/"
);
device_class!(
    email,
    "email",
    "/authenticators/email/",
    "/authenticators/email/{id}/",
    "/authenticators/admin/email/",
    "/authenticators/admin/email/{id}/"
);

#[derive(utoipa::OpenApi)]
#[openapi(paths(all, admin_all))]
struct AllDoc;

/// Every device path.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/authenticators/all/", get(all))
        .route("/authenticators/admin/all/", get(admin_all))
        .merge(totp::routes())
        .merge(static_codes::routes())
        .merge(webauthn::routes())
        .merge(email::routes())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = AllDoc::openapi();
    doc.merge(totp::Doc::openapi());
    doc.merge(static_codes::Doc::openapi());
    doc.merge(webauthn::Doc::openapi());
    doc.merge(email::Doc::openapi());
    doc
}
