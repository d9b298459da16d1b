//! Downloads for the admin interface: the events list as CSV or JSON, for the current filter.
use crate::rest::Admin;
use app::ssr::AppState;
use app::ssr::event_list;
use app::types::activity::EventQuery;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ExportParams {
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    query: EventQuery,
}

/// Superusers only: `/if/admin/events/export?format=csv|json&<filter>`.
/// (The interfaces guard already turns others away from `/if/admin/`; `Admin` checks again.)
pub async fn events(
    _admin: Admin,
    State(state): State<AppState>,
    Query(p): Query<ExportParams>,
) -> Response {
    let pool = &state.pool;
    let filter = match event_list::parse(&p.query) {
        Ok(f) => f,
        Err(errors) => {
            let msg = errors
                .into_iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect::<Vec<_>>()
                .join("\n");
            return (StatusCode::BAD_REQUEST, msg).into_response();
        }
    };
    let rows = match event_list::export(pool, &filter).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let (body, mime, ext) = match p.format.as_str() {
        "json" => (
            serde_json::to_string(&rows).unwrap_or_default(),
            "application/json",
            "json",
        ),
        "csv" | "" => (event_list::to_csv(&rows), "text/csv; charset=utf-8", "csv"),
        _ => return (StatusCode::BAD_REQUEST, "format: use csv or json").into_response(),
    };
    let disposition = format!("attachment; filename=\"ward-events.{ext}\"");
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

fn internal(e: app::ssr::Error) -> Response {
    tracing::error!(error = %e, "export failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
