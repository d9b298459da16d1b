//! The body of the admin's "test" actions (policies, property mappings): a user and context
//! values, as authentik's test serializers take them.
use super::error::{ApiError, ApiResult, bad_body};
use app::ssr::AppState;
use app::ssr::policies::{self, test as policy_test};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// What to test with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialRequest {
    /// The pk of the user the policy or mapping is evaluated for.
    pub user: String,
    /// Put into `request.context`; an `ip` key also sets the client address.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
}

/// The policy request a test body stands for; field errors for an unknown user or a bad `ip`.
pub async fn request(
    state: &AppState,
    body: Result<Json<TrialRequest>, JsonRejection>,
) -> ApiResult<policies::Request> {
    let Json(body) = body.map_err(bad_body)?;
    let user = match uuid::Uuid::parse_str(body.user.trim()) {
        Ok(u) => app::ssr::users::get(&state.pool, u).await?,
        Err(_) => None,
    }
    .ok_or_else(|| ApiError::field("user", "Unknown user."))?;
    let trial = policy_test::Trial {
        user: user.id,
        context: body.context,
    };
    policy_test::request(&trial).map_err(ApiError::Fields)
}
