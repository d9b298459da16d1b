//! `/api/v3/policies/`: `all/` lists and deletes policies of every type; each type has its own
//! path (`dummy/`, `password/`) for CRUD with that type's settings. One set of functions serves
//! every type; [`typed_type!`] only gives each type its documented paths.
use super::Created;
use super::applications::PolicyTestResult;
use super::auth::Admin;
use super::error::{ApiError, ApiResult};
use super::page::{ListParams, Paginated};
use super::trial::{self, TrialRequest};
use super::typed::{Family, merged_settings, take_name};
use app::ssr::AppState;
use app::ssr::audit::Actor;
use app::ssr::policies::edit::{self, PolicyForm, PolicyRow};
use app::ssr::policies::test as policy_test;
use app::ssr::policies::{self, Kind};
use app::types::directory::Saved;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// A policy: its pk, name and type, then the settings of its type.
#[derive(Debug, Serialize, ToSchema)]
pub struct Policy {
    pub pk: String,
    pub name: String,
    /// Whether each evaluation is recorded as a `policy_execution` event.
    pub execution_logging: bool,
    pub component: String,
    pub verbose_name: String,
    pub meta_model_name: String,
    /// How many bindings use it.
    pub bound_to: i64,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: Map<String, Value>,
}

/// A type's settings with the fields every policy has.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct Logged<T> {
    #[serde(default)]
    pub execution_logging: bool,
    #[serde(flatten)]
    pub settings: T,
}

#[async_trait::async_trait]
impl Family for PolicyRow {
    type Impl = dyn app::ssr::policies::Policy;
    type Out = Policy;
    const READ_ONLY: &'static [&'static str] = &[
        "pk",
        "component",
        "verbose_name",
        "verbose_name_plural",
        "meta_model_name",
        "bound_to",
    ];

    fn by_kind(kind: &str) -> Option<&'static Kind> {
        policies::by_kind(kind)
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

    fn out(self) -> Policy {
        Policy {
            pk: self.id.to_string(),
            name: self.name,
            execution_logging: self.execution_logging,
            component: self.kind.component(),
            verbose_name: self.kind.verbose_name.into(),
            meta_model_name: self.kind.model.into(),
            bound_to: self.bound_to,
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
        let id = body
            .remove("pk")
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()));
        let name = take_name(&mut body, current.map(|c| c.name.as_str()))?;
        let execution_logging = match body.remove("execution_logging") {
            Some(Value::Bool(b)) => b,
            Some(_) => {
                return Err(ApiError::field(
                    "execution_logging",
                    "Must be a valid boolean.",
                ));
            }
            None => current.is_some_and(|c| c.execution_logging),
        };
        let form = PolicyForm {
            name,
            execution_logging,
            config: merged_settings(body, current.map(|c| &c.config)),
        };
        let id = current.map(|c| c.id).or(id);
        Ok(match edit::save_in(tx, actor, id, kind, &form).await? {
            Saved::Ok((id, _)) => Saved::Ok(id),
            Saved::Invalid(e) => Saved::Invalid(e),
        })
    }

    async fn delete(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> app::ssr::Result<()> {
        edit::delete_in(tx, actor, id).await
    }
}

typed_all!(
    "policies",
    "policy_uuid",
    PolicyRow,
    Policy,
    "/policies/all/",
    "/policies/all/{policy_uuid}/"
);

use app::ssr::policies::{dummy::Dummy, expression::ExpressionPolicy, password::PasswordPolicy};

typed_type!(
    "policies",
    "policy_uuid",
    PolicyRow,
    Policy,
    dummy,
    "dummy",
    "/policies/dummy/",
    "/policies/dummy/{policy_uuid}/",
    Logged<Dummy>,
    DummyPolicyRequest
);
typed_type!(
    "policies",
    "policy_uuid",
    PolicyRow,
    Policy,
    expression,
    "expression",
    "/policies/expression/",
    "/policies/expression/{policy_uuid}/",
    Logged<ExpressionPolicy>,
    ExpressionPolicyRequest
);
typed_type!(
    "policies",
    "policy_uuid",
    PolicyRow,
    Policy,
    password,
    "password",
    "/policies/password/",
    "/policies/password/{policy_uuid}/",
    Logged<PasswordPolicy>,
    PasswordPolicyRequest
);

/// Every policy type's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(dummy::routes())
        .merge(expression::routes())
        .merge(password::routes())
        .route("/policies/all/{policy_uuid}/test/", post(test))
}

/// Every policy type's paths, for the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = all::Doc::openapi();
    doc.merge(dummy::Doc::openapi());
    doc.merge(expression::Doc::openapi());
    doc.merge(password::Doc::openapi());
    doc.merge(TestDoc::openapi());
    doc
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(test))]
struct TestDoc;

/// Runs the policy for a user with the given context and answers its verdict, messages and log
/// lines. Nothing is bound or changed.
#[utoipa::path(post, path = "/policies/all/{policy_uuid}/test/", tag = "policies",
    operation_id = "policies_all_test_create",
    params(("policy_uuid" = String, Path)),
    request_body = TrialRequest,
    responses((status = 200, body = PolicyTestResult), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn test(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    body: Result<Json<TrialRequest>, JsonRejection>,
) -> ApiResult<Json<PolicyTestResult>> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let request = trial::request(&state, body).await?;
    let verdict = policy_test::run(&state.pool, id, &request)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(PolicyTestResult {
        passing: verdict.passing,
        messages: verdict.messages,
        log_messages: verdict.logs,
    }))
}
