//! The REST API under `/api/v3/`, in authentik's paths and shapes. Handlers only translate:
//! every operation calls the same domain function as the admin UI's server functions.
mod admin;
mod applications;
mod auth;
mod authenticators;
mod bindings;
mod blueprints;
mod certs;
mod docs;
mod error;
mod events;
mod flows;
mod groups;
mod outpost_remote;
mod outposts;
mod page;
#[macro_use]
mod typed;
mod policies;
mod policy_bindings;
mod property_mappings;
mod providers;
mod stages;
mod tokens;
mod trial;
mod user_consent;
mod users;

pub use auth::{Admin, Caller};
pub use error::{ApiError, ApiResult};

use app::ssr::AppState;
use app::types::directory::Saved;
use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub const PREFIX: &str = "/api/v3";

pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route("/schema/", get(docs::schema))
        .route("/admin/version/", get(admin::version))
        .route(
            "/core/users/",
            get(users::list_users).post(users::create_user),
        )
        .route("/core/users/me/", get(users::me))
        .route(
            "/core/users/{id}/",
            get(users::get_user)
                .put(users::put_user)
                .patch(users::patch_user)
                .delete(users::delete_user),
        )
        .route("/core/users/{id}/set_password/", post(users::set_password))
        .route(
            "/core/groups/",
            get(groups::list_groups).post(groups::create_group),
        )
        .route(
            "/core/groups/{id}/",
            get(groups::get_group)
                .put(groups::put_group)
                .patch(groups::patch_group)
                .delete(groups::delete_group),
        )
        .route(
            "/core/applications/",
            get(applications::list_applications).post(applications::create_application),
        )
        .route(
            "/core/applications/{slug}/",
            get(applications::get_application)
                .put(applications::put_application)
                .patch(applications::patch_application)
                .delete(applications::delete_application),
        )
        .route(
            "/core/applications/{slug}/check_access/",
            get(applications::check_access),
        )
        .route("/core/user_consent/", get(user_consent::list))
        .route(
            "/core/user_consent/{id}/",
            get(user_consent::get).delete(user_consent::delete),
        )
        .route(
            "/core/tokens/",
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route(
            "/core/tokens/{identifier}/",
            get(tokens::get_token)
                .put(tokens::put_token)
                .patch(tokens::patch_token)
                .delete(tokens::delete_token),
        )
        .route("/core/tokens/{identifier}/view_key/", get(tokens::view_key))
        .route("/events/events/", get(events::list_events))
        .route("/managed/blueprints/", get(blueprints::list_blueprints))
        .route("/managed/blueprints/{pk}/", get(blueprints::get_blueprint))
        .route(
            "/managed/blueprints/{pk}/apply/",
            post(blueprints::apply_blueprint),
        )
        .route(
            "/crypto/certificatekeypairs/",
            get(certs::list_certs).post(certs::import_cert),
        )
        .route(
            "/crypto/certificatekeypairs/generate/",
            post(certs::generate_cert),
        )
        .route(
            "/crypto/certificatekeypairs/{id}/",
            get(certs::get_cert).delete(certs::delete_cert),
        )
        .route(
            "/crypto/certificatekeypairs/{id}/view_certificate/",
            get(certs::view_certificate),
        )
        .route(
            "/flows/instances/",
            get(flows::list_flows).post(flows::create_flow),
        )
        .route(
            "/flows/instances/{slug}/",
            get(flows::get_flow)
                .put(flows::put_flow)
                .patch(flows::patch_flow)
                .delete(flows::delete_flow),
        )
        .route(
            "/flows/bindings/",
            get(bindings::list_bindings).post(bindings::create_binding),
        )
        .route(
            "/flows/bindings/{id}/",
            get(bindings::get_binding)
                .put(bindings::put_binding)
                .patch(bindings::patch_binding)
                .delete(bindings::delete_binding),
        )
        .merge(stages::all::routes())
        .merge(stages::routes())
        .merge(policies::all::routes())
        .route(
            "/policies/bindings/",
            get(policy_bindings::list_bindings).post(policy_bindings::create_binding),
        )
        .route(
            "/policies/bindings/{id}/",
            get(policy_bindings::get_binding)
                .put(policy_bindings::put_binding)
                .patch(policy_bindings::patch_binding)
                .delete(policy_bindings::delete_binding),
        )
        .merge(policies::routes())
        .merge(authenticators::routes())
        .merge(providers::routes())
        .merge(property_mappings::routes())
        .merge(outposts::routes())
        .merge(outpost_remote::routes())
        .fallback(|| async { ApiError::NotFound });
    // Nested "/" would match only `/api/v3` without the slash.
    Router::new()
        .route("/api/v3/", get(docs::page))
        .nest(PREFIX, api)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Ward", description = "Ward's REST API: authentik's `/api/v3/` paths and shapes for the objects Ward has."),
    servers((url = "/api/v3")),
    paths(
        admin::version,
        users::list_users, users::create_user, users::me, users::get_user, users::put_user,
        users::patch_user, users::delete_user, users::set_password,
        groups::list_groups, groups::create_group, groups::get_group, groups::put_group,
        groups::patch_group, groups::delete_group,
        applications::list_applications, applications::create_application,
        applications::get_application, applications::put_application,
        applications::patch_application, applications::delete_application,
        applications::check_access,
        user_consent::list, user_consent::get, user_consent::delete,
        tokens::list_tokens, tokens::create_token, tokens::get_token, tokens::put_token, tokens::patch_token, tokens::delete_token,
        tokens::view_key,
        certs::list_certs, certs::import_cert, certs::generate_cert, certs::get_cert,
        certs::delete_cert, certs::view_certificate,
        events::list_events,
        flows::list_flows, flows::create_flow, flows::get_flow, flows::put_flow, flows::patch_flow,
        flows::delete_flow,
        bindings::list_bindings, bindings::create_binding, bindings::get_binding,
        bindings::put_binding, bindings::patch_binding, bindings::delete_binding,
        policy_bindings::list_bindings, policy_bindings::create_binding, policy_bindings::get_binding,
        policy_bindings::put_binding, policy_bindings::patch_binding, policy_bindings::delete_binding,
        blueprints::list_blueprints, blueprints::get_blueprint, blueprints::apply_blueprint,
    ),
    modifiers(&BearerAuth),
    security(("authentik" = [])),
    tags((name = "core", description = "Users, groups, applications and tokens"), (name = "admin", description = "System information"), (name = "crypto", description = "Certificate-key pairs"), (name = "events", description = "The audit log"), (name = "flows", description = "Flows and their stage bindings"), (name = "stages", description = "Stages of every type"), (name = "policies", description = "Policies and their bindings"), (name = "managed", description = "Blueprints"), (name = "authenticators", description = "MFA devices"), (name = "providers", description = "Providers of every type"), (name = "propertymappings", description = "Property mappings of every type"), (name = "outposts", description = "Outposts and their health")),
)]
pub struct ApiDoc;

/// The whole OpenAPI document: [`ApiDoc`] and the per-type stage and policy paths.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(stages::openapi());
    doc.merge(policies::openapi());
    doc.merge(authenticators::openapi());
    doc.merge(providers::openapi());
    doc.merge(property_mappings::openapi());
    doc.merge(<outposts::Doc as OpenApi>::openapi());
    doc.merge(<outpost_remote::Doc as OpenApi>::openapi());
    doc
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "authentik",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// 201 with the created object.
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Json(self.0)).into_response()
    }
}

/// A pk from the path; a malformed one names no object.
fn parse_pk(raw: &str) -> ApiResult<uuid::Uuid> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// A domain form answer: the value, or its field errors as a 400.
fn saved<T>(s: Saved<T>) -> ApiResult<T> {
    match s {
        Saved::Ok(v) => Ok(v),
        Saved::Invalid(errors) => Err(ApiError::Fields(errors)),
    }
}

/// Tells `"field": null` (Some(None): clear it) from a missing field (None: keep it).
fn explicit_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Collects the fields a full write (PUT, POST) lacks; a partial one (PATCH) keeps the
/// current values instead.
pub struct Required {
    partial: bool,
    missing: app::types::flow::FieldErrors,
}

impl Required {
    pub fn new(partial: bool) -> Self {
        Self {
            partial,
            missing: Default::default(),
        }
    }

    /// The given value, else (PATCH) the current one, else notes the field as missing.
    pub fn pick<T: Clone + Default>(&mut self, field: &str, given: &Option<T>, current: T) -> T {
        match given {
            Some(v) => v.clone(),
            None if self.partial => current,
            None => {
                self.missing
                    .insert(field.into(), "This field is required.".into());
                T::default()
            }
        }
    }

    pub fn check(self) -> ApiResult<()> {
        if self.missing.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Fields(self.missing))
        }
    }
}
