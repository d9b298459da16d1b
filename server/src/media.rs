//! `GET /media/brands/{file}`: uploaded brand images. Only names Ward gave them are served,
//! with their own Content-Type and no sniffing; SVG runs sandboxed without scripts.
use app::ssr::{AppState, media};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn brand_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    if !media::valid_name(&file) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = media::dir(&state.settings.data_dir)
        .join("brands")
        .join(&file);
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return StatusCode::NOT_FOUND.into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "could not read a media file");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let content_type = media::content_type(&file);
    let mut res = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // File names are never reused, so a file never changes.
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response();
    if content_type == "image/svg+xml" {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            ),
        );
    }
    res
}
