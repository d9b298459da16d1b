//! `/api/v3/propertymappings/`: `all/` lists, reads and deletes property mappings of every
//! type; each type has its own path (`provider/scope/`) for CRUD with its settings, through the
//! same typed functions stages, policies and providers use.
use super::Created;
use super::auth::Admin;
use super::error::{ApiError, ApiResult};
use super::trial::{self, TrialRequest};

use super::page::{ListParams, Paginated};
use super::typed::{Family, merged_settings, take_name};
use app::ssr::AppState;
use app::ssr::audit::Actor;
use app::ssr::property_mappings::edit::{self, MappingRow};
use app::ssr::property_mappings::{self, Kind, run};
use app::types::directory::Saved;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// A property mapping: its pk, name, type, whether it is built in, then its type's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyMapping {
    pub pk: String,
    pub name: String,
    /// authentik's managed id of a built-in mapping, else null.
    pub managed: Option<String>,
    pub component: String,
    pub verbose_name: String,
    pub verbose_name_plural: String,
    pub meta_model_name: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: Map<String, Value>,
}

#[async_trait::async_trait]
impl Family for MappingRow {
    type Impl = dyn app::ssr::property_mappings::Mapping;
    type Out = PropertyMapping;
    const READ_ONLY: &'static [&'static str] = &[
        "pk",
        "managed",
        "component",
        "verbose_name",
        "verbose_name_plural",
        "meta_model_name",
    ];

    fn by_kind(kind: &str) -> Option<&'static Kind> {
        property_mappings::by_kind(kind)
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static Kind {
        self.kind
    }

    fn out(self) -> PropertyMapping {
        PropertyMapping {
            pk: self.id.to_string(),
            name: self.name,
            managed: self.managed,
            component: self.kind.component(),
            verbose_name: self.kind.verbose_name.into(),
            verbose_name_plural: format!("{}s", self.kind.verbose_name),
            meta_model_name: self.kind.model.into(),
            settings: match self.config {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }

    async fn list(pool: &PgPool, kind: Option<&'static Kind>) -> app::ssr::Result<Vec<Self>> {
        edit::list(pool, kind).await
    }

    async fn get(pool: &PgPool, id: Uuid) -> app::ssr::Result<Option<Self>> {
        edit::get(pool, id).await
    }

    async fn save(
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        kind: &'static Kind,
        mut body: Map<String, Value>,
        current: Option<&Self>,
    ) -> ApiResult<Saved<Uuid>> {
        body.remove("pk");
        let name = take_name(&mut body, current.map(|c| c.name.as_str()))?;
        let settings = merged_settings(body, current.map(|c| &c.config));
        let id = current.map(|c| c.id);
        Ok(edit::save_in(tx, actor, id, kind, &name, None, &settings).await?)
    }

    async fn delete(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> app::ssr::Result<()> {
        edit::delete_in(tx, actor, id).await
    }
}

typed_all!(
    "propertymappings",
    "id",
    MappingRow,
    PropertyMapping,
    "/propertymappings/all/",
    "/propertymappings/all/{id}/"
);

use app::ssr::property_mappings::scope::ScopeMapping;

typed_type!(
    "propertymappings",
    "id",
    MappingRow,
    PropertyMapping,
    scope,
    "scope",
    "/propertymappings/provider/scope/",
    "/propertymappings/provider/scope/{id}/",
    ScopeMapping,
    ScopeMappingRequest
);

/// Every property mapping path.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(all::routes())
        .merge(scope::routes())
        .route(
            "/propertymappings/all/{id}/test/",
            axum::routing::post(test),
        )
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = all::Doc::openapi();
    doc.merge(scope::Doc::openapi());
    doc.merge(TestDoc::openapi());
    doc
}

/// A mapping test's answer, in authentik's shape: the returned value as JSON text, or the error.
#[derive(Debug, Serialize, ToSchema)]
pub struct PropertyMappingTestResult {
    pub result: String,
    pub successful: bool,
    /// What the expression logged (Ward's addition).
    pub log_messages: Vec<String>,
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(test))]
struct TestDoc;

/// Evaluates the mapping's expression for a user with the given context. Nothing is changed.
#[utoipa::path(post, path = "/propertymappings/all/{id}/test/", tag = "propertymappings",
    operation_id = "propertymappings_all_test_create",
    params(("id" = String, Path)),
    request_body = TrialRequest,
    responses((status = 200, body = PropertyMappingTestResult), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn test(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    body: Result<Json<TrialRequest>, JsonRejection>,
) -> ApiResult<Json<PropertyMappingTestResult>> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let request = trial::request(&state, body).await?;
    let answer = run::trial(&state.pool, id, &request)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(match answer {
        Ok(outcome) => PropertyMappingTestResult {
            result: serde_json::to_string_pretty(&outcome.value).unwrap_or_default(),
            successful: true,
            log_messages: outcome.logs,
        },
        Err(message) => PropertyMappingTestResult {
            result: message,
            successful: false,
            log_messages: Vec::new(),
        },
    }))
}
