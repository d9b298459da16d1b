//! `GET /api/v3/crypto/certificatekeypairs/{id}/view_certificate/`, as authentik serves it:
//! JSON `{"data": "<pem>"}`, or with `?download` the PEM file itself. Superusers only. Only the
//! certificate is ever served, never the private key.
use crate::admin_auth::{self, Superuser};
use app::ssr::{AppState, certs};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ViewParams {
    /// Present (with any value, usually none) for a file download.
    download: Option<String>,
}

pub async fn view_certificate(
    _admin: Superuser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<ViewParams>,
) -> Response {
    let not_found = || admin_auth::error(StatusCode::NOT_FOUND, "Not found.");
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_found();
    };
    let (name, pem) = match certs::certificate_pem(&state.pool, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(e) => return admin_auth::internal(e),
    };
    if params.download.is_none() {
        return Json(serde_json::json!({ "data": pem })).into_response();
    }
    let disposition = format!(
        "attachment; filename=\"{}_certificate.pem\"",
        filename_safe(&name)
    );
    (
        [
            // The MIME type authentik uses for it.
            (header::CONTENT_TYPE, "application/x-pem-file".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        pem,
    )
        .into_response()
}

/// The name as it can stand in a quoted header parameter: printable ASCII without quotes,
/// backslashes or path separators; anything else becomes `_`.
fn filename_safe(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '"' | '\\' | '/' => '_',
            ' '..='~' => c,
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn filenames_stay_inside_the_header() {
        assert_eq!(
            super::filename_safe("authentik Self-signed Certificate"),
            "authentik Self-signed Certificate"
        );
        assert_eq!(super::filename_safe("a\"b\\c/d\ne€"), "a_b_c_d_e_");
    }
}
