//! `/api/v3/providers/`: `all/` lists, reads and deletes providers of every type; each type has
//! its own path (`oauth2/`, `proxy/`) for CRUD with that type's settings, through the same typed
//! functions stages and policies use. An OAuth2 client's secret is written here but never read
//! back: it is sealed at rest.
use super::Created;
use super::auth::Admin;
use super::error::{ApiError, ApiResult};
use super::page::{ListParams, Paginated};
use super::typed::{Family, merged_settings, take_name};
use app::ssr::AppState;
use app::ssr::audit::Actor;
use app::ssr::providers::edit::{self, Client, ProviderRow};
use app::ssr::providers::{self, Kind};
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

/// A provider: its pk, name, type and application, then the settings of its type.
#[derive(Debug, Serialize, ToSchema)]
pub struct Provider {
    pub pk: String,
    pub name: String,
    pub component: String,
    pub verbose_name: String,
    pub verbose_name_plural: String,
    pub meta_model_name: String,
    pub assigned_application_slug: Option<String>,
    pub assigned_application_name: Option<String>,
    pub client_id: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: Map<String, Value>,
}

/// A type's settings with an OAuth2 client's id and secret (each generated when left out on
/// create; the secret is never answered back).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct WithClient<T> {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub settings: T,
}

fn text_field(body: &mut Map<String, Value>, field: &str) -> ApiResult<Option<String>> {
    match body.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::field(field, "Not a valid string.")),
    }
}

#[async_trait::async_trait]
impl Family for ProviderRow {
    type Impl = dyn app::ssr::providers::Provider;
    type Out = Provider;
    const READ_ONLY: &'static [&'static str] = &[
        "pk",
        "component",
        "verbose_name",
        "verbose_name_plural",
        "meta_model_name",
        "assigned_application_slug",
        "assigned_application_name",
        "assigned_backchannel_application_slug",
        "assigned_backchannel_application_name",
    ];

    fn by_kind(kind: &str) -> Option<&'static Kind> {
        providers::by_kind(kind)
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

    fn out(self) -> Provider {
        let (slug, name) = self.application.unzip();
        Provider {
            pk: self.id.to_string(),
            name: self.name,
            component: self.kind.component(),
            verbose_name: self.kind.verbose_name.into(),
            verbose_name_plural: format!("{}s", self.kind.verbose_name),
            meta_model_name: self.kind.model.into(),
            assigned_application_slug: slug,
            assigned_application_name: name,
            client_id: self.client_id,
            settings: match self.config {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }

    async fn list(pool: &PgPool, kind: Option<&'static Kind>) -> app::ssr::Result<Vec<Self>> {
        with_outpost_set(pool, edit::list(pool, kind).await?).await
    }

    async fn get(pool: &PgPool, id: Uuid) -> app::ssr::Result<Option<Self>> {
        let rows = edit::get(pool, id).await?.into_iter().collect();
        Ok(with_outpost_set(pool, rows).await?.pop())
    }

    async fn save(
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        secret_key: &str,
        kind: &'static Kind,
        mut body: Map<String, Value>,
        current: Option<&Self>,
    ) -> ApiResult<Saved<Uuid>> {
        let id = body
            .remove("pk")
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()));
        let name = take_name(&mut body, current.map(|c| c.name.as_str()))?;
        let client = Client {
            client_id: text_field(&mut body, "client_id")?,
            client_secret: text_field(&mut body, "client_secret")?,
        };
        let settings = merged_settings(body, current.map(|c| &c.config));
        let id = current.map(|c| c.id).or(id);
        Ok(edit::save_in(tx, actor, secret_key, id, kind, &name, &settings, client).await?)
    }

    async fn delete(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> app::ssr::Result<()> {
        edit::delete_in(tx, actor, id).await
    }
}

/// Fills a proxy provider's read-only `outpost_set`: the names of the outposts serving it.
async fn with_outpost_set(
    pool: &PgPool,
    mut rows: Vec<ProviderRow>,
) -> app::ssr::Result<Vec<ProviderRow>> {
    let proxies: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.kind.kind == "proxy")
        .map(|r| r.id)
        .collect();
    if proxies.is_empty() {
        return Ok(rows);
    }
    let serving = app::ssr::outposts::edit::serving(pool, &proxies).await?;
    for row in rows.iter_mut().filter(|r| r.kind.kind == "proxy") {
        let names: Vec<Value> = serving
            .iter()
            .filter(|(p, _)| *p == row.id)
            .map(|(_, name)| Value::String(name.clone()))
            .collect();
        if let Value::Object(config) = &mut row.config {
            config.insert("outpost_set".into(), Value::Array(names));
        }
    }
    Ok(rows)
}

typed_all!(
    "providers",
    "id",
    ProviderRow,
    Provider,
    "/providers/all/",
    "/providers/all/{id}/"
);

use app::ssr::providers::oauth2::OAuth2Settings;
use app::ssr::providers::proxy::ProxySettings;

typed_type!(
    "providers",
    "id",
    ProviderRow,
    Provider,
    oauth2,
    "oauth2",
    "/providers/oauth2/",
    "/providers/oauth2/{id}/",
    WithClient<OAuth2Settings>,
    OAuth2ProviderRequest
);

typed_type!(
    "providers",
    "id",
    ProviderRow,
    Provider,
    proxy,
    "proxy",
    "/providers/proxy/",
    "/providers/proxy/{id}/",
    WithClient<ProxySettings>,
    ProxyProviderRequest
);

/// Every provider path.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(all::routes())
        .merge(oauth2::routes())
        .merge(proxy::routes())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = all::Doc::openapi();
    doc.merge(oauth2::Doc::openapi());
    doc.merge(proxy::Doc::openapi());
    doc
}
