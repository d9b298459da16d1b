//! authentik's health endpoints, for load balancers and container orchestrators.
use app::ssr::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Live: the process answers.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

/// Ready: the database answers and is fully migrated.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if app::ssr::db::is_ready(&state.pool).await {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable" })),
        )
    }
}
