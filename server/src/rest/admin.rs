//! `/api/v3/admin/`: system information.
use super::auth::Caller;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Version {
    pub version_current: String,
    /// Ward does not call out to learn of releases: this is the running version.
    pub version_latest: String,
    pub version_latest_valid: bool,
    pub build_hash: String,
    pub outdated: bool,
    pub outpost_outdated: bool,
}

#[utoipa::path(get, path = "/admin/version/", tag = "admin",
    responses((status = 200, body = Version), (status = 401)))]
pub async fn version(_caller: Caller) -> Json<Version> {
    let current = env!("CARGO_PKG_VERSION").to_string();
    Json(Version {
        version_latest: current.clone(),
        version_current: current,
        version_latest_valid: false,
        build_hash: option_env!("WARD_BUILD_HASH").unwrap_or("").to_string(),
        outdated: false,
        outpost_outdated: false,
    })
}
