//! OAuth2 clients as the protocol endpoints need them: a provider of a kind that is an OAuth2
//! client (`oauth2`; `proxy` underneath) with its OAuth2 settings, its opened secret and the
//! application it serves (a provider without an application signs nobody in).
use super::edit::SECRET_PURPOSE;
use super::oauth2::OAuth2Settings;
use crate::ssr::applications::{self, Application};
use crate::ssr::crypto::sealed;
use crate::ssr::oauth2::scopes;
use crate::ssr::{Error, Result};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub provider_id: Uuid,
    pub provider_name: String,
    pub client_id: String,
    /// Empty when the provider has none.
    pub client_secret: String,
    pub settings: OAuth2Settings,
    pub application: Application,
    /// The scopes it offers (from its scope mappings; Ward's defaults when it names none).
    pub scopes: Vec<ScopeOffer>,
}

/// A scope a client offers: its name, its consent text, the built-in scope whose claims it
/// gives (None: a custom mapping), the attributes it gives as claims, and a custom mapping's
/// expression returning more claims.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeOffer {
    pub name: String,
    pub description: String,
    pub builtin: Option<&'static str>,
    pub attribute_claims: Vec<String>,
    pub expression: Option<String>,
}

impl OAuthClient {
    pub fn offers(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s.name == scope)
    }

    pub fn is_public(&self) -> bool {
        self.settings.client_type == "public"
    }

    pub fn allows_grant(&self, grant: &str) -> bool {
        self.settings.grant_types.iter().any(|g| g == grant)
    }
}

/// The client with this client id, if it exists and serves an application.
pub async fn by_client_id(
    pool: &PgPool,
    secret_key: &str,
    client_id: &str,
) -> Result<Option<OAuthClient>> {
    find(pool, secret_key, Some(client_id), None).await
}

/// The client of the application with this slug.
pub async fn by_application(
    pool: &PgPool,
    secret_key: &str,
    slug: &str,
) -> Result<Option<OAuthClient>> {
    if applications::check_slug(slug).is_err() {
        return Ok(None);
    }
    find(pool, secret_key, None, Some(slug)).await
}

/// The slugs of the applications whose OAuth2 provider issues as the whole installation
/// (`issuer_mode` global: the issuer `<origin>/`), in slug order.
pub async fn global_issuer_slugs(db: impl sqlx::PgExecutor<'_>) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "select a.slug from providers p join applications a on a.provider_id = p.id
          where p.kind = 'oauth2' and p.client_id is not null and p.config->>'issuer_mode' = 'global'
          order by a.slug"
    )
    .fetch_all(db)
    .await?)
}

async fn find(
    pool: &PgPool,
    secret_key: &str,
    client_id: Option<&str>,
    slug: Option<&str>,
) -> Result<Option<OAuthClient>> {
    // Any kind may be an OAuth2 client (`oauth2`, and `proxy` underneath); its type says.
    let row = sqlx::query!(
        r#"select p.id, p.name, p.kind, p.client_id as "client_id!", p.client_secret, p.config,
                  a.id as app_id
             from providers p join applications a on a.provider_id = p.id
            where p.client_id is not null
              and ($1::text is null or p.client_id = $1) and ($2::text is null or a.slug = $2)"#,
        client_id,
        slug
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let Some(settings) = oauth2_settings(&r.kind, &r.config)? else {
        return Ok(None);
    };
    build(
        pool,
        secret_key,
        &r.kind,
        r.id,
        r.name,
        r.client_id,
        r.client_secret,
        settings,
        r.app_id,
    )
    .await
}

/// The OAuth2 client settings of a provider of `kind`, None when that kind is no client.
fn oauth2_settings(kind: &str, config: &serde_json::Value) -> Result<Option<OAuth2Settings>> {
    let Some(kind) = super::by_kind(kind) else {
        return Ok(None);
    };
    Ok(kind.build(config)?.oauth2_settings())
}

#[allow(clippy::too_many_arguments)]
async fn build(
    pool: &PgPool,
    secret_key: &str,
    kind: &str,
    id: Uuid,
    name: String,
    client_id: String,
    sealed_secret: Option<Vec<u8>>,
    settings: OAuth2Settings,
    app_id: Uuid,
) -> Result<Option<OAuthClient>> {
    let client_secret = match sealed_secret {
        Some(s) => String::from_utf8(sealed::open(secret_key, SECRET_PURPOSE, &s)?)
            .map_err(Error::internal)?,
        None => String::new(),
    };
    let Some(application) = applications::get(pool, app_id).await? else {
        return Ok(None);
    };
    let mut scopes: Vec<ScopeOffer> = if settings.property_mappings.is_empty() {
        scopes::BUILT_IN
            .iter()
            .filter(|s| scopes::default_offered(kind).contains(&s.name))
            .map(|s| ScopeOffer {
                name: s.name.into(),
                description: s.description.into(),
                builtin: Some(s.name),
                attribute_claims: Vec::new(),
                expression: None,
            })
            .collect()
    } else {
        crate::ssr::property_mappings::edit::scope_offers(pool, &settings.property_mappings).await?
    };
    // `openid` is always offered, as authentik adds it.
    if !scopes.iter().any(|s| s.name == scopes::OPENID) {
        scopes.push(ScopeOffer {
            name: scopes::OPENID.into(),
            description: String::new(),
            builtin: Some(scopes::OPENID),
            attribute_claims: Vec::new(),
            expression: None,
        });
    }
    Ok(Some(OAuthClient {
        provider_id: id,
        provider_name: name,
        client_id,
        client_secret,
        settings,
        application,
        scopes,
    }))
}

/// This installation's id (hashed `sub` values derive from it).
pub async fn install_id(pool: &PgPool) -> Result<Uuid> {
    Ok(sqlx::query_scalar!("select install_id from install")
        .fetch_one(pool)
        .await?)
}

/// The service account a client signs in as with its own secret (the client credentials
/// grant), created on first use with authentik's name `ak-<provider>-client_credentials`.
pub async fn service_account(pool: &PgPool, client: &OAuthClient) -> Result<Uuid> {
    let name: String = client.provider_name.chars().take(128).collect();
    let username = format!("ak-{name}-client_credentials");
    if let Some(id) = sqlx::query_scalar!(
        "select id from users where username = $1 and kind = 'service_account'",
        username as _
    )
    .fetch_optional(pool)
    .await?
    {
        return Ok(id);
    }
    let display = format!(
        "Autogenerated user from application {} (client credentials)",
        client.application.name
    );
    // Another request may create it at the same moment: the unique username settles it.
    sqlx::query!(
        r#"insert into users (id, username, name, is_active, attributes, kind)
           values ($1, $2, $3, true, $4, 'service_account')
           on conflict (username) do nothing"#,
        Uuid::new_v4(),
        username as _,
        display.chars().take(150).collect::<String>(),
        serde_json::json!({ "goauthentik.io/user/generated": true }),
    )
    .execute(pool)
    .await?;
    sqlx::query_scalar!(
        "select id from users where username = $1 and kind = 'service_account'",
        username as _
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::internal(format!("{username} exists and is not a service account")))
}

/// `by_client_id` through this process's cache (clients change rarely, and every change
/// clears it).
pub async fn cached(
    state: &crate::ssr::AppState,
    client_id: &str,
) -> Result<Option<std::sync::Arc<OAuthClient>>> {
    if let Some(hit) = state.oauth2.client(client_id) {
        return Ok(hit);
    }
    let found = by_client_id(&state.pool, &state.settings.secret_key, client_id)
        .await?
        .map(std::sync::Arc::new);
    state.oauth2.put_client(client_id, found.clone());
    Ok(found)
}

/// `install_id`, read once per process.
pub async fn cached_install_id(state: &crate::ssr::AppState) -> Result<Uuid> {
    if let Some(id) = state.oauth2.install_id() {
        return Ok(id);
    }
    let id = install_id(&state.pool).await?;
    state.oauth2.put_install_id(id);
    Ok(id)
}

/// `service_account` through this process's cache.
pub async fn cached_service_account(
    state: &crate::ssr::AppState,
    client: &OAuthClient,
) -> Result<Uuid> {
    if let Some(id) = state.oauth2.service_account(client.provider_id) {
        return Ok(id);
    }
    let id = service_account(&state.pool, client).await?;
    state.oauth2.put_service_account(client.provider_id, id);
    Ok(id)
}
