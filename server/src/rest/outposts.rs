//! `/api/v3/outposts/instances/`: outposts in authentik's shape, with each instance's health
//! and the default config. Superusers read and write them all; an outpost's own API token
//! (its service account) reads only that outpost, as authentik's outposts do to find their
//! configuration. The token's key is never answered here: `core/tokens/{identifier}/view_key/`
//! shows it, audited.
use super::auth::{Admin, Caller};
use super::error::{ApiError, ApiResult, bad_body};
use super::page::{ListParams, Paginated, sort_by_text};
use super::providers::Provider;
use super::typed::Family;
use super::{Created, Required, parse_pk, saved};
use app::ssr::AppState;
use app::ssr::outposts::config;
use app::ssr::outposts::edit::{self, OutpostForm, OutpostRow};
use app::ssr::providers::edit::ProviderRow;
use app::types::flow::FieldErrors;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::net::SocketAddr;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct Outpost {
    pub pk: String,
    pub name: String,
    /// `proxy`, `ldap`, `radius` or `rac`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The pks of the providers it serves.
    pub providers: Vec<String>,
    /// Those providers, as `providers/all/` shows them.
    pub providers_obj: Vec<Provider>,
    /// Always null: Ward has no service connections (it does not deploy outposts).
    pub service_connection: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub service_connection_obj: Option<Value>,
    /// How often the outpost reloads its configuration (`config.refresh_interval`).
    pub refresh_interval_s: i64,
    /// The identifier of the outpost's API token (`ak-outpost-<pk>-api`).
    pub token_identifier: String,
    #[schema(value_type = Object)]
    pub config: Value,
    /// `goauthentik.io/outposts/embedded` for the embedded outpost.
    pub managed: Option<String>,
}

/// An outpost to create or change. POST and PUT need `name`, `type`, `providers` and
/// `config`; PATCH changes only what it gives. Read-only fields sent back are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // Only its schema is used: bodies are read field by field.
pub struct OutpostRequest {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Provider pks, each of the outpost's type; at least one (but for the embedded outpost).
    pub providers: Vec<String>,
    /// Must be null or left out.
    pub service_connection: Option<String>,
    /// authentik's outpost config (see `default_settings/`).
    #[schema(value_type = Object)]
    pub config: Value,
    pub managed: Option<String>,
}

/// One running instance of an outpost (authentik's OutpostHealth).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutpostHealth {
    pub uid: String,
    /// RFC 3339.
    pub last_seen: String,
    pub version: String,
    /// The version of this Ward.
    pub version_should: String,
    pub version_outdated: bool,
    pub build_hash: String,
    pub build_hash_should: String,
    pub golang_version: String,
    pub openssl_enabled: bool,
    pub openssl_version: String,
    /// Always null, as authentik answers without an enterprise licence.
    pub fips_enabled: Option<bool>,
    pub hostname: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutpostDefaultConfig {
    #[schema(value_type = Object)]
    pub config: Value,
}

/// authentik's outpost filters; a value that cannot match (a bad pk) is a field error.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutpostFilter {
    #[serde(rename = "name__iexact")]
    pub name_iexact: Option<String>,
    #[serde(rename = "name__icontains")]
    pub name_icontains: Option<String>,
    #[serde(rename = "managed__iexact")]
    pub managed_iexact: Option<String>,
    #[serde(rename = "managed__icontains")]
    pub managed_icontains: Option<String>,
    /// `true`: outposts serving no provider; `false`: serving at least one.
    #[serde(rename = "providers__isnull")]
    pub providers_isnull: Option<String>,
    /// Outposts serving this provider (its pk).
    pub providers_by_pk: Option<String>,
    /// Ward has no service connections: any value matches nothing.
    #[serde(rename = "service_connection__name__iexact")]
    pub service_connection_name_iexact: Option<String>,
    #[serde(rename = "service_connection__name__icontains")]
    pub service_connection_name_icontains: Option<String>,
}

/// A checked [`OutpostFilter`].
struct Filter {
    name_iexact: Option<String>,
    name_icontains: Option<String>,
    managed_iexact: Option<String>,
    managed_icontains: Option<String>,
    providers_isnull: Option<bool>,
    provider: Option<Uuid>,
    nothing: bool,
}

impl OutpostFilter {
    fn check(self) -> ApiResult<Filter> {
        let lower = |v: Option<String>| v.map(|s| s.to_lowercase());
        let providers_isnull = match self.providers_isnull.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("true" | "True" | "1") => Some(true),
            Some("false" | "False" | "0") => Some(false),
            Some(_) => {
                return Err(ApiError::field("providers__isnull", "Give true or false."));
            }
        };
        let provider = match self.providers_by_pk.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(pk) => Some(
                Uuid::parse_str(pk)
                    .map_err(|_| ApiError::field("providers_by_pk", "Give a provider's pk."))?,
            ),
        };
        Ok(Filter {
            name_iexact: lower(self.name_iexact),
            name_icontains: lower(self.name_icontains),
            managed_iexact: lower(self.managed_iexact),
            managed_icontains: lower(self.managed_icontains),
            providers_isnull,
            provider,
            nothing: self.service_connection_name_iexact.is_some()
                || self.service_connection_name_icontains.is_some(),
        })
    }
}

impl Filter {
    fn keeps(&self, o: &OutpostRow) -> bool {
        let name = o.name.to_lowercase();
        let managed = o.managed.as_deref().unwrap_or("").to_lowercase();
        !self.nothing
            && self.name_iexact.as_ref().is_none_or(|v| *v == name)
            && self
                .name_icontains
                .as_ref()
                .is_none_or(|v| name.contains(v))
            && self.managed_iexact.as_ref().is_none_or(|v| *v == managed)
            && self
                .managed_icontains
                .as_ref()
                .is_none_or(|v| o.managed.is_some() && managed.contains(v))
            && self
                .providers_isnull
                .is_none_or(|empty| o.providers.is_empty() == empty)
            && self.provider.is_none_or(|p| o.providers.contains(&p))
    }
}

/// Which outposts the caller may read: all (None) for a superuser, else only the one whose
/// service account it is; anyone else is refused.
pub(super) async fn readable(state: &AppState, caller: &Caller) -> ApiResult<Option<Uuid>> {
    if caller.superuser {
        return Ok(None);
    }
    edit::of_service_account(&state.pool, caller.user.id)
        .await?
        .map(Some)
        .ok_or(ApiError::Forbidden)
}

/// The outposts in authentik's shape, each with its providers as `providers/all/` shows them.
async fn render(state: &AppState, rows: Vec<OutpostRow>) -> ApiResult<Vec<Outpost>> {
    let providers = if rows.iter().any(|r| !r.providers.is_empty()) {
        <ProviderRow as Family>::list(&state.pool, None).await?
    } else {
        Vec::new()
    };
    Ok(rows
        .into_iter()
        .map(|o| Outpost {
            pk: o.id.to_string(),
            token_identifier: edit::token_identifier(o.id),
            refresh_interval_s: config::refresh_interval_secs(&o.config),
            providers_obj: o
                .providers
                .iter()
                .filter_map(|id| providers.iter().find(|p| p.id == *id).cloned())
                .map(Family::out)
                .collect(),
            providers: o.providers.iter().map(Uuid::to_string).collect(),
            service_connection: None,
            service_connection_obj: None,
            name: o.name,
            kind: o.kind,
            config: o.config,
            managed: o.managed,
        })
        .collect())
}

pub(super) async fn fetch(state: &AppState, caller: &Caller, pk: &str) -> ApiResult<OutpostRow> {
    let only = readable(state, caller).await?;
    let id = parse_pk(pk)?;
    if only.is_some_and(|o| o != id) {
        return Err(ApiError::NotFound);
    }
    edit::get(&state.pool, id).await?.ok_or(ApiError::NotFound)
}

async fn one(state: &AppState, row: OutpostRow) -> ApiResult<Outpost> {
    render(state, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::Internal)
}

#[utoipa::path(get, path = "/outposts/instances/", tag = "outposts",
    operation_id = "outposts_instances_list", params(ListParams, OutpostFilter),
    responses((status = 200, body = Paginated<Outpost>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_outposts(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListParams>,
    Query(filter): Query<OutpostFilter>,
) -> ApiResult<Json<Paginated<Outpost>>> {
    let only = readable(&state, &caller).await?;
    let req = params.page()?;
    let (field, descending) = params.ordering(
        &["name", "type", "managed", "service_connection__name"],
        "name",
    )?;
    let filter = filter.check()?;
    let search = params.search().to_lowercase();
    let rows: Vec<OutpostRow> = edit::list(&state.pool)
        .await?
        .into_iter()
        .filter(|o| only.is_none_or(|id| id == o.id))
        .filter(|o| filter.keeps(o))
        .collect();
    let mut out = render(&state, rows).await?;
    if !search.is_empty() {
        out.retain(|o| {
            o.name.to_lowercase().contains(&search)
                || o.providers_obj
                    .iter()
                    .any(|p| p.name.to_lowercase().contains(&search))
        });
    }
    sort_by_text(&mut out, descending, |o| match field {
        "type" => format!("{}\0{}", o.kind, o.name.to_lowercase()),
        "managed" => format!(
            "{}\0{}",
            o.managed.as_deref().unwrap_or(""),
            o.name.to_lowercase()
        ),
        _ => o.name.to_lowercase(),
    });
    Ok(Json(Paginated::of_all(req, out)?))
}

#[utoipa::path(get, path = "/outposts/instances/{uuid}/", tag = "outposts",
    operation_id = "outposts_instances_retrieve", params(("uuid" = String, Path)),
    responses((status = 200, body = Outpost), (status = 401), (status = 403), (status = 404)))]
pub async fn get_outpost(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Json<Outpost>> {
    let row = fetch(&state, &caller, &pk).await?;
    Ok(Json(one(&state, row).await?))
}

/// A body's fields, each of its JSON type (field errors otherwise).
#[derive(Default)]
struct Body {
    name: Option<String>,
    kind: Option<String>,
    providers: Option<Vec<String>>,
    config: Option<Value>,
    managed: Option<Option<String>>,
}

fn read_body(body: Result<Json<Value>, JsonRejection>) -> ApiResult<Body> {
    let Json(body) = body.map_err(bad_body)?;
    let Value::Object(map) = body else {
        return Err(ApiError::field("non_field_errors", "Send a JSON object."));
    };
    parse_fields(&map)
}

fn parse_fields(map: &Map<String, Value>) -> ApiResult<Body> {
    let mut errors = FieldErrors::new();
    let mut text = |field: &str| match map.get(field) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) => {
            errors.insert(field.into(), "This field may not be null.".into());
            None
        }
        Some(_) => {
            errors.insert(field.into(), "Not a valid string.".into());
            None
        }
    };
    let mut body = Body {
        name: text("name"),
        kind: text("type"),
        ..Body::default()
    };
    match map.get("providers") {
        None => {}
        Some(Value::Array(items)) => {
            let pks: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect();
            match pks {
                Some(pks) => body.providers = Some(pks),
                None => {
                    errors.insert(
                        "providers".into(),
                        "Incorrect type. Expected pk value (a text).".into(),
                    );
                }
            }
        }
        Some(_) => {
            errors.insert(
                "providers".into(),
                "Expected a list of items (provider pks).".into(),
            );
        }
    }
    match map.get("config") {
        None => {}
        Some(Value::Null) => {
            errors.insert("config".into(), "This field may not be null.".into());
        }
        Some(v) => body.config = Some(v.clone()),
    }
    match map.get("managed") {
        None => {}
        Some(Value::Null) => body.managed = Some(None),
        Some(Value::String(s)) => body.managed = Some(Some(s.clone())),
        Some(_) => {
            errors.insert("managed".into(), "Not a valid string.".into());
        }
    }
    if map.get("service_connection").is_some_and(|v| !v.is_null()) {
        errors.insert(
            "service_connection".into(),
            "Ward has no service connections: leave this empty.".into(),
        );
    }
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(ApiError::Fields(errors))
    }
}

/// The form a body gives over `current` (PATCH) or from scratch (POST, PUT: the four main
/// fields are required; `managed` left out stays as it is).
fn form_of(body: Body, current: Option<&OutpostRow>, partial: bool) -> ApiResult<OutpostForm> {
    let base = current.map(OutpostRow::form);
    let mut req = Required::new(partial);
    let form = OutpostForm {
        name: req.pick(
            "name",
            &body.name,
            base.as_ref().map(|b| b.name.clone()).unwrap_or_default(),
        ),
        kind: req.pick(
            "type",
            &body.kind,
            base.as_ref().map(|b| b.kind.clone()).unwrap_or_default(),
        ),
        providers: req.pick(
            "providers",
            &body.providers,
            base.as_ref()
                .map(|b| b.providers.clone())
                .unwrap_or_default(),
        ),
        config: req.pick(
            "config",
            &body.config,
            base.as_ref().map(|b| b.config.clone()).unwrap_or_default(),
        ),
        managed: match body.managed {
            Some(m) => m,
            None => base.and_then(|b| b.managed),
        },
    };
    req.check()?;
    Ok(form)
}

async fn save(
    state: &AppState,
    admin: &Admin,
    id: Option<Uuid>,
    form: &OutpostForm,
) -> ApiResult<Uuid> {
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    let id = saved(
        edit::save_in(
            &mut tx,
            &admin.0.actor(),
            &state.settings.secret_key,
            id,
            form,
        )
        .await?,
    )?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(id)
}

#[utoipa::path(post, path = "/outposts/instances/", tag = "outposts",
    operation_id = "outposts_instances_create", request_body = OutpostRequest,
    responses((status = 201, body = Outpost), (status = 400), (status = 401), (status = 403)))]
pub async fn create_outpost(
    State(state): State<AppState>,
    admin: Admin,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Created<Outpost>> {
    let form = form_of(read_body(body)?, None, false)?;
    let id = save(&state, &admin, None, &form).await?;
    let row = edit::get(&state.pool, id)
        .await?
        .ok_or(ApiError::Internal)?;
    Ok(Created(one(&state, row).await?))
}

#[utoipa::path(put, path = "/outposts/instances/{uuid}/", tag = "outposts",
    operation_id = "outposts_instances_update", params(("uuid" = String, Path)),
    request_body = OutpostRequest,
    responses((status = 200, body = Outpost), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn put_outpost(
    state: State<AppState>,
    admin: Admin,
    pk: Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Outpost>> {
    change(state, admin, pk, body, false).await
}

#[utoipa::path(patch, path = "/outposts/instances/{uuid}/", tag = "outposts",
    operation_id = "outposts_instances_partial_update", params(("uuid" = String, Path)),
    request_body = OutpostRequest,
    responses((status = 200, body = Outpost), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn patch_outpost(
    state: State<AppState>,
    admin: Admin,
    pk: Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Json<Outpost>> {
    change(state, admin, pk, body, true).await
}

async fn change(
    State(state): State<AppState>,
    admin: Admin,
    Path(pk): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
    partial: bool,
) -> ApiResult<Json<Outpost>> {
    let current = fetch(&state, &admin.0, &pk).await?;
    let form = form_of(read_body(body)?, Some(&current), partial)?;
    save(&state, &admin, Some(current.id), &form).await?;
    let row = edit::get(&state.pool, current.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(one(&state, row).await?))
}

/// Deletes an outpost with its service account and token. The embedded outpost cannot be
/// deleted (400).
#[utoipa::path(delete, path = "/outposts/instances/{uuid}/", tag = "outposts",
    operation_id = "outposts_instances_destroy", params(("uuid" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_outpost(
    State(state): State<AppState>,
    admin: Admin,
    Path(pk): Path<String>,
) -> ApiResult<StatusCode> {
    let current = fetch(&state, &admin.0, &pk).await?;
    let mut tx = state.pool.begin().await.map_err(app::ssr::Error::from)?;
    edit::delete_in(&mut tx, &admin.0.actor(), current.id).await?;
    tx.commit().await.map_err(app::ssr::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The instances of the outpost that reported, most recently seen first.
#[utoipa::path(get, path = "/outposts/instances/{uuid}/health/", tag = "outposts",
    operation_id = "outposts_instances_health_list", params(("uuid" = String, Path)),
    responses((status = 200, body = Vec<OutpostHealth>), (status = 401), (status = 403), (status = 404)))]
pub async fn health(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Json<Vec<OutpostHealth>>> {
    let outpost = fetch(&state, &caller, &pk).await?;
    let should = env!("CARGO_PKG_VERSION");
    let hash = option_env!("WARD_BUILD_HASH").unwrap_or("");
    let states = edit::instances(&state.pool, Some(outpost.id)).await?;
    Ok(Json(
        states
            .into_iter()
            .map(|s| OutpostHealth {
                last_seen: s.last_seen.format(&Rfc3339).unwrap_or_default(),
                version_outdated: !s.version.is_empty() && s.version != should,
                version_should: should.into(),
                build_hash: String::new(),
                build_hash_should: hash.into(),
                golang_version: String::new(),
                openssl_enabled: false,
                openssl_version: String::new(),
                fips_enabled: None,
                uid: s.uid,
                version: s.version,
                hostname: s.hostname,
            })
            .collect(),
    ))
}

/// authentik's default outpost config, with this server (as the request reached it) as
/// `authentik_host`.
#[utoipa::path(get, path = "/outposts/instances/default_settings/", tag = "outposts",
    operation_id = "outposts_instances_default_settings_retrieve",
    responses((status = 200, body = OutpostDefaultConfig), (status = 401), (status = 403)))]
pub async fn default_settings(
    State(state): State<AppState>,
    _admin: Admin,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Json<OutpostDefaultConfig> {
    let peer = peer.map_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)), |p| p.0.0);
    let origin = app::ssr::client::origin(peer, &headers, &state.settings.trusted_proxies);
    Json(OutpostDefaultConfig {
        config: config::defaults(&format!("{origin}/")),
    })
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_outposts,
    create_outpost,
    get_outpost,
    put_outpost,
    patch_outpost,
    delete_outpost,
    health,
    default_settings
))]
pub struct Doc;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/outposts/instances/",
            get(list_outposts).post(create_outpost),
        )
        .route(
            "/outposts/instances/default_settings/",
            get(default_settings),
        )
        .route(
            "/outposts/instances/{uuid}/",
            get(get_outpost)
                .put(put_outpost)
                .patch(patch_outpost)
                .delete(delete_outpost),
        )
        .route(
            "/outposts/instances/{uuid}/health/",
            get(health).post(super::outpost_remote::report),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> ApiResult<Body> {
        parse_fields(v.as_object().expect("object"))
    }

    #[test]
    fn bodies_are_read_field_by_field() {
        let b = fields(json!({
            "name": "Edge", "type": "proxy", "providers": ["a"], "config": {},
            "managed": null, "pk": "ignored", "providers_obj": [], "service_connection": null,
        }))
        .expect("valid");
        assert_eq!(b.name.as_deref(), Some("Edge"));
        assert_eq!(b.providers, Some(vec!["a".to_string()]));
        assert_eq!(b.managed, Some(None));
        let Err(ApiError::Fields(errors)) = fields(json!({
            "name": 1, "type": null, "providers": "a", "config": null, "managed": [],
            "service_connection": "x",
        })) else {
            panic!("field errors expected");
        };
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [
                "config",
                "managed",
                "name",
                "providers",
                "service_connection",
                "type"
            ]
        );
        assert!(matches!(
            fields(json!({ "providers": [1] })),
            Err(ApiError::Fields(e)) if e.contains_key("providers")
        ));
    }

    #[test]
    fn filters_are_checked() {
        let bad = OutpostFilter {
            providers_isnull: Some("maybe".into()),
            ..Default::default()
        };
        assert!(bad.check().is_err());
        let bad = OutpostFilter {
            providers_by_pk: Some("42".into()),
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }

    proptest::proptest! {
        /// Any JSON value in any field: a body or field errors, never a panic.
        #[test]
        fn bodies_never_panic(
            key in proptest::sample::select(vec!["name", "type", "providers", "config", "managed", "service_connection", "other"]),
            text in proptest::prelude::any::<String>(),
            n in proptest::prelude::any::<i64>(),
        ) {
            for v in [json!(text), json!(n), json!([text]), json!([n]), json!({ "k": text }), Value::Null, json!(true)] {
                let mut map = Map::new();
                map.insert(key.to_string(), v);
                let _ = parse_fields(&map);
            }
            let _ = OutpostFilter {
                providers_isnull: Some(text.clone()),
                providers_by_pk: Some(text),
                ..Default::default()
            }
            .check();
        }
    }
}
