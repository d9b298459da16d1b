//! `/api/v3/crypto/certificatekeypairs/`: list, import, generate, delete, and the certificate
//! as authentik serves it (JSON `{"data": "<pem>"}`, or with `?download` the PEM file).
//! Superusers only. The private key never leaves through the API.
use super::auth::Admin;
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated};
use super::{Created, parse_pk};
use app::ssr::{AppState, certs};
use app::types::certs::{CertRow, GenerateForm, ImportForm};
use app::types::directory::Saved;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewParams {
    /// Present (with any value, usually none) for a file download.
    download: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CertificateData {
    /// The certificate as PEM.
    pub data: String,
}

#[utoipa::path(get, path = "/crypto/certificatekeypairs/{id}/view_certificate/", tag = "crypto",
    params(("id" = String, Path), ViewParams),
    responses((status = 200, body = CertificateData), (status = 401), (status = 403), (status = 404)))]
pub async fn view_certificate(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<ViewParams>,
) -> ApiResult<Response> {
    let id = parse_pk(&id)?;
    let (name, pem) = certs::certificate_pem(&state.pool, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if params.download.is_none() {
        return Ok(Json(CertificateData { data: pem }).into_response());
    }
    let disposition = format!(
        "attachment; filename=\"{}_certificate.pem\"",
        filename_safe(&name)
    );
    Ok((
        [
            // The MIME type authentik uses for it.
            (header::CONTENT_TYPE, "application/x-pem-file".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        pem,
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateKeyPair {
    pub pk: String,
    pub name: String,
    pub fingerprint_sha256: String,
    /// RFC 3339.
    pub cert_expiry: String,
    pub cert_subject: String,
    pub subject_alt_names: Vec<String>,
    pub private_key_available: bool,
    /// `rsa2048`, `rsa4096`, `ec_p256`, `ec_p384`, `ed25519`, or empty without a key.
    pub private_key_type: String,
    pub certificate_download_url: String,
}

impl From<CertRow> for CertificateKeyPair {
    fn from(c: CertRow) -> Self {
        Self {
            certificate_download_url: format!(
                "/api/v3/crypto/certificatekeypairs/{}/view_certificate/?download",
                c.id
            ),
            pk: c.id,
            name: c.name,
            fingerprint_sha256: c.fingerprint_sha256,
            cert_expiry: c.not_after,
            cert_subject: c.subject,
            subject_alt_names: c.sans,
            private_key_available: c.has_key,
            private_key_type: if c.has_key { c.key_type } else { String::new() },
        }
    }
}

/// A certificate (or chain, leaf first) and optionally its private key, as PEM.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CertificateImport {
    pub name: String,
    pub certificate_data: String,
    pub key_data: Option<String>,
}

/// A self-signed certificate to generate; its name is the common name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CertificateGenerate {
    pub common_name: String,
    /// Comma-separated DNS names or IP addresses.
    pub subject_alt_name: Option<String>,
    pub validity_days: i64,
    /// `rsa` (2048 bits) or `ecdsa` (P-256) as authentik names them, or one of Ward's key types.
    pub alg: Option<String>,
}

/// The saved pair's id; field errors under authentik's field names.
fn renamed(saved: Saved<String>) -> ApiResult<String> {
    let errors = match saved {
        Saved::Ok(id) => return Ok(id),
        Saved::Invalid(errors) => errors,
    };
    Err(ApiError::Fields(
        errors
            .into_iter()
            .map(|(field, message)| {
                let field = match field.as_str() {
                    "certificate" => "certificate_data",
                    "key" => "key_data",
                    "sans" => "subject_alt_name",
                    "algorithm" => "alg",
                    "name" | "common_name" | "validity_days" => field.as_str(),
                    _ => "non_field_errors",
                };
                (field.to_string(), message)
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/crypto/certificatekeypairs/", tag = "crypto", params(ListParams),
    responses((status = 200, body = Paginated<CertificateKeyPair>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_certs(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
) -> ApiResult<Json<Paginated<CertificateKeyPair>>> {
    let req = params.page()?;
    let (field, descending) = params.ordering(&["name", "cert_expiry"], "name")?;
    let search = params.search().to_lowercase();
    let mut rows: Vec<CertRow> = certs::list(&state.pool)
        .await?
        .into_iter()
        .filter(|c| search.is_empty() || c.name.to_lowercase().contains(&search))
        .collect();
    match field {
        "cert_expiry" => rows.sort_by(|a, b| a.not_after.cmp(&b.not_after)),
        _ => rows.sort_by_key(|c| c.name.to_lowercase()),
    }
    if descending {
        rows.reverse();
    }
    Ok(Json(Paginated::of_all(
        req,
        rows.into_iter().map(Into::into).collect(),
    )?))
}

#[utoipa::path(post, path = "/crypto/certificatekeypairs/", tag = "crypto",
    request_body = CertificateImport,
    responses((status = 201, body = CertificateKeyPair), (status = 400), (status = 401), (status = 403)))]
pub async fn import_cert(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<CertificateImport>, JsonRejection>,
) -> ApiResult<Created<CertificateKeyPair>> {
    let Json(body) = body.map_err(bad_body)?;
    let form = ImportForm {
        name: body.name,
        certificate: body.certificate_data,
        key: body.key_data.unwrap_or_default(),
    };
    let id = renamed(
        certs::import(
            &state.pool,
            &state.settings.secret_key,
            Some(&caller.actor()),
            &form,
        )
        .await?,
    )?;
    Ok(Created(fetch(&state, &id).await?))
}

#[utoipa::path(post, path = "/crypto/certificatekeypairs/generate/", tag = "crypto",
    request_body = CertificateGenerate,
    responses((status = 201, body = CertificateKeyPair), (status = 400), (status = 401), (status = 403)))]
pub async fn generate_cert(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: Result<Json<CertificateGenerate>, JsonRejection>,
) -> ApiResult<Created<CertificateKeyPair>> {
    let Json(body) = body.map_err(bad_body)?;
    let algorithm = match body.alg.as_deref().unwrap_or("rsa") {
        "rsa" => "rsa2048",
        "ecdsa" => "ec_p256",
        other => other,
    };
    let form = GenerateForm {
        name: body.common_name.clone(),
        algorithm: algorithm.to_string(),
        common_name: body.common_name,
        sans: body.subject_alt_name.unwrap_or_default(),
        validity_days: body.validity_days,
    };
    let id = renamed(
        certs::generate(
            &state.pool,
            &state.settings.secret_key,
            Some(&caller.actor()),
            &form,
        )
        .await?,
    )?;
    Ok(Created(fetch(&state, &id).await?))
}

#[utoipa::path(get, path = "/crypto/certificatekeypairs/{id}/", tag = "crypto",
    params(("id" = String, Path)),
    responses((status = 200, body = CertificateKeyPair), (status = 401), (status = 403), (status = 404)))]
pub async fn get_cert(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<CertificateKeyPair>> {
    Ok(Json(fetch(&state, &id).await?))
}

#[utoipa::path(delete, path = "/crypto/certificatekeypairs/{id}/", tag = "crypto",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_cert(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let pk = parse_pk(&id)?;
    certs::delete(&state.pool, &caller.actor(), pk).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn fetch(state: &AppState, id: &str) -> ApiResult<CertificateKeyPair> {
    parse_pk(id)?;
    certs::list(&state.pool)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(Into::into)
        .ok_or(ApiError::NotFound)
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
