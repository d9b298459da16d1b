//! Outposts (authentik's `authentik_outposts.outpost`): what serves proxy providers. The
//! embedded outpost ("authentik Embedded Outpost") runs inside every `ward` process and serves
//! the providers assigned to it; remote outposts run `ward outpost proxy` elsewhere.
use super::providers::proxy::ProxySettings;
use super::providers::proxy::skip_path::SkipPaths;
use crate::ssr::error::{Error, Result};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// authentik's `managed` id of the embedded outpost.
pub const EMBEDDED: &str = "goauthentik.io/outposts/embedded";

#[derive(Clone, Debug)]
pub struct Outpost {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub managed: Option<String>,
    pub config: Value,
}

impl Outpost {
    pub fn is_embedded(&self) -> bool {
        self.managed.as_deref() == Some(EMBEDDED)
    }

    /// The URL browsers sign in at (`authentik_host_browser`, else `authentik_host`), without
    /// a trailing slash; None when neither is set.
    pub fn browser_host(&self) -> Option<String> {
        ["authentik_host_browser", "authentik_host"]
            .iter()
            .filter_map(|k| self.config.get(*k).and_then(Value::as_str))
            .map(|h| h.trim().trim_end_matches('/'))
            .find(|h| !h.is_empty())
            .map(str::to_string)
    }
}

/// The embedded outpost with what it serves, through this process's cache.
pub async fn cached_embedded(state: &crate::ssr::AppState) -> Result<std::sync::Arc<Outposted>> {
    if let Some(id) = state.oauth2.embedded_outpost()
        && let Some(hit) = state.oauth2.outposted(id)
    {
        return Ok(hit);
    }
    let outpost = embedded(&state.pool).await?;
    let served = served(&state.pool, Some(outpost.id)).await?;
    let id = outpost.id;
    let found = std::sync::Arc::new(Outposted { outpost, served });
    state.oauth2.put_embedded_outpost(id);
    state.oauth2.put_outposted(id, found.clone());
    Ok(found)
}

pub async fn embedded(pool: &PgPool) -> Result<Outpost> {
    sqlx::query_as::<_, (Uuid, String, String, Option<String>, Value)>(
        "select id, name, kind, managed, config from outposts where managed = $1",
    )
    .bind(EMBEDDED)
    .fetch_optional(pool)
    .await?
    .map(|(id, name, kind, managed, config)| Outpost {
        id,
        name,
        kind,
        managed,
        config,
    })
    .ok_or_else(|| Error::internal("the embedded outpost is missing"))
}

/// A proxy provider an outpost serves, with its application, its OAuth client id and its
/// compiled unauthenticated paths.
#[derive(Clone, Debug)]
pub struct Served {
    pub provider_id: Uuid,
    pub name: String,
    pub client_id: String,
    pub settings: ProxySettings,
    /// `settings.external_host` parsed (a provider whose host does not parse is not served).
    pub external_url: url::Url,
    pub skip: SkipPaths,
    pub app_slug: String,
    pub app_name: String,
}

/// An outpost with the providers it serves, as the forward-auth endpoints cache it.
#[derive(Clone, Debug)]
pub struct Outposted {
    pub outpost: Outpost,
    pub served: Vec<Served>,
}

/// The proxy providers assigned to `outpost` (every proxy provider when None) that belong to
/// an application (a provider without one serves nothing, as in authentik). A row whose
/// settings no longer parse is left out with a warning rather than failing every other
/// provider.
pub async fn served(pool: &PgPool, outpost: Option<Uuid>) -> Result<Vec<Served>> {
    let rows = sqlx::query_as::<_, (Uuid, String, Option<String>, Value, String, String)>(
        "select p.id, p.name, p.client_id, p.config, a.slug, a.name
           from providers p
           join applications a on a.provider_id = p.id
          where p.kind = 'proxy'
            and ($1::uuid is null or exists (select 1 from outpost_providers op
                  where op.provider_id = p.id and op.outpost_id = $1))
          order by p.name",
    )
    .bind(outpost)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(provider_id, name, client_id, config, app_slug, app_name)| {
                let settings: ProxySettings = serde_json::from_value(config)
                    .inspect_err(
                        |e| tracing::warn!(provider = %name, error = %e, "proxy provider skipped"),
                    )
                    .ok()?;
                Served::new(provider_id, name, client_id?, settings, app_slug, app_name)
            },
        )
        .collect())
}

impl Served {
    /// A provider as served; None when its external host is not a URL.
    pub fn new(
        provider_id: Uuid,
        name: String,
        client_id: String,
        settings: ProxySettings,
        app_slug: String,
        app_name: String,
    ) -> Option<Self> {
        let external_url = url::Url::parse(&settings.external_host).ok()?;
        Some(Served {
            provider_id,
            external_url,
            skip: SkipPaths::compile(&settings.skip_path_regex, settings.mode),
            name,
            client_id,
            settings,
            app_slug,
            app_name,
        })
    }
}

/// Assigns `provider` to the embedded outpost (authentik's "add the application to the
/// authentik Embedded Outpost").
pub async fn assign_to_embedded(pool: &PgPool, provider: Uuid) -> Result<()> {
    sqlx::query(
        "insert into outpost_providers (outpost_id, provider_id)
         select id, $1 from outposts where managed = $2
         on conflict do nothing",
    )
    .bind(provider)
    .bind(EMBEDDED)
    .execute(pool)
    .await?;
    Ok(())
}

/// The admin side (REST, admin screen, blueprints): checks, providers, service accounts.
pub mod admin;
pub mod config;
pub mod edit;
pub mod remote;
