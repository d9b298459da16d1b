//! Admin edits of providers: a name, the settings of its type (checked by the type and against
//! the flows and keys they name) and, for OAuth2 clients, the client id and the sealed secret.
//! The REST API comes through here.
use super::{Kind, by_kind};
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::{sealed, secret};
use crate::ssr::typed::field_error;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json, json};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

pub const MODEL: &str = "provider";
/// What a client secret is sealed for.
pub(super) const SECRET_PURPOSE: &str = "oauth2-client-secret";

#[derive(Clone, Debug, PartialEq)]
pub struct ProviderRow {
    pub id: Uuid,
    pub name: String,
    pub kind: &'static Kind,
    /// The type's settings, as stored.
    pub config: Json,
    pub client_id: Option<String>,
    /// The application it serves: (slug, name).
    pub application: Option<(String, String)>,
}

/// An OAuth2 client's id and secret to set; None keeps (or, on create, generates) each.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Every provider (of one type, when given), by name.
pub async fn list(db: impl PgExecutor<'_>, kind: Option<&Kind>) -> Result<Vec<ProviderRow>> {
    query(db, kind, None).await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<ProviderRow>> {
    Ok(query(db, None, Some(id)).await?.into_iter().next())
}

async fn query(
    db: impl PgExecutor<'_>,
    kind: Option<&Kind>,
    only: Option<Uuid>,
) -> Result<Vec<ProviderRow>> {
    let rows = sqlx::query!(
        r#"select p.id, p.name, p.kind, p.config, p.client_id,
                  a.slug as "app_slug?", a.name as "app_name?"
             from providers p left join applications a on a.provider_id = p.id
            where ($1::text is null or p.kind = $1) and ($2::uuid is null or p.id = $2)
            order by p.name"#,
        kind.map(|k| k.kind),
        only
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ProviderRow {
                id: r.id,
                name: r.name,
                kind: by_kind(&r.kind)?,
                config: r.config,
                client_id: r.client_id,
                application: r.app_slug.zip(r.app_name),
            })
        })
        .collect())
}

/// A client id: 1 to 255 printable characters without spaces.
fn client_id_problem(id: &str) -> Option<&'static str> {
    (id.is_empty() || id.len() > 255 || id.chars().any(|c| c.is_control() || c.is_whitespace()))
        .then_some("1 to 255 characters, without spaces.")
}

/// Field errors for flows, keys and mappings the settings name that do not exist.
async fn references(tx: &mut PgConnection, config: &Json) -> Result<FieldErrors> {
    let mut errors = FieldErrors::new();
    for field in [
        "authorization_flow",
        "invalidation_flow",
        "authentication_flow",
    ] {
        let Some(id) = config.get(field).and_then(Json::as_str) else {
            continue;
        };
        let id = Uuid::parse_str(id).ok();
        let found = sqlx::query_scalar!("select 1 as \"one!\" from flows where id = $1", id)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            errors.insert(field.into(), "Unknown flow.".into());
        }
    }
    // A signing key signs tokens; a (proxy) certificate is served for TLS: both need the key.
    for field in ["signing_key", "certificate"] {
        let Some(key) = config.get(field).and_then(Json::as_str) else {
            continue;
        };
        let key = Uuid::parse_str(key).ok();
        let has_key = sqlx::query_scalar!(
            "select key_sealed is not null as \"has_key!\" from certificate_key_pairs where id = $1",
            key
        )
        .fetch_optional(&mut *tx)
        .await?;
        match has_key {
            None => {
                errors.insert(field.into(), "Unknown certificate-key pair.".into());
            }
            Some(false) => {
                let message = if field == "signing_key" {
                    "This certificate has no private key to sign with."
                } else {
                    "This certificate has no private key."
                };
                errors.insert(field.into(), message.into());
            }
            Some(true) => {}
        }
    }
    if let Some(token) = config.get("registration_token").and_then(Json::as_str)
        && let Some(problem) =
            crate::ssr::oauth2::registration::token_problem(&mut *tx, token).await?
    {
        errors.insert("registration_token".into(), problem.into());
    }
    let named: Vec<String> = config
        .get("property_mappings")
        .and_then(Json::as_array)
        .map(|m| {
            m.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !named.is_empty() {
        let ids: Vec<Uuid> = named.iter().filter_map(|p| p.parse().ok()).collect();
        let found = sqlx::query_scalar!(
            "select count(*) as \"n!\" from property_mappings where kind = 'scope' and id = any($1)",
            &ids
        )
        .fetch_one(&mut *tx)
        .await?;
        if ids.len() != named.len() || found != ids.len() as i64 {
            errors.insert(
                "property_mappings".into(),
                "Unknown scope mapping: list scope mappings by their pks.".into(),
            );
        }
    }
    Ok(errors)
}

/// Creates (`id` None) or updates a provider of type `kind`.
#[allow(clippy::too_many_arguments)]
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    secret_key: &str,
    id: Option<Uuid>,
    kind: &Kind,
    name: &str,
    config: &Json,
    client: Client,
) -> Result<Saved<Uuid>> {
    let mut errors = FieldErrors::new();
    if let Some(msg) = crate::ssr::typed::check_name(name, "provider") {
        errors.insert("name".into(), msg);
    }
    if let Some(msg) = client.client_id.as_deref().and_then(client_id_problem) {
        errors.insert("client_id".into(), msg.into());
    }
    if client
        .client_secret
        .as_deref()
        .is_some_and(|s| s.len() > 255 || s.chars().any(char::is_control))
    {
        errors.insert(
            "client_secret".into(),
            "At most 255 characters, without control characters.".into(),
        );
    }
    let config = match kind.normalize(config) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let Some(config) = config.filter(|_| errors.is_empty()) else {
        return Ok(Saved::Invalid(errors));
    };
    let errors = references(tx, &config).await?;
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let name = name.trim();
    let secret_changed = id.is_some() && client.client_secret.is_some();
    let seal =
        |s: &str| (!s.is_empty()).then(|| sealed::seal(secret_key, SECRET_PURPOSE, s.as_bytes()));
    let (pid, action, before) = match id {
        None => {
            let pid = Uuid::new_v4();
            let client_id = client.client_id.unwrap_or_else(|| secret::random_key(40));
            let client_secret = client
                .client_secret
                .unwrap_or_else(|| secret::random_key(128));
            let r = sqlx::query!(
                "insert into providers (id, name, kind, config, client_id, client_secret)
                 values ($1, $2, $3, $4, $5, $6)",
                pid,
                name,
                kind.kind,
                config,
                client_id,
                seal(&client_secret)
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique(e);
            }
            (pid, audit::MODEL_CREATED, Map::new())
        }
        Some(pid) => {
            let old = sqlx::query!(
                "select name, config, client_id from providers where id = $1 and kind = $2 for update",
                pid,
                kind.kind
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            let client_id = client.client_id.or(old.client_id.clone());
            let r = sqlx::query!(
                "update providers set name = $2, config = $3, client_id = $4 where id = $1",
                pid,
                name,
                config,
                client_id
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique(e);
            }
            if let Some(s) = &client.client_secret {
                sqlx::query!(
                    "update providers set client_secret = $2 where id = $1",
                    pid,
                    seal(s)
                )
                .execute(&mut *tx)
                .await?;
            }
            let before = Map::from_iter([
                ("name".to_string(), json!(old.name)),
                ("config".to_string(), old.config),
                ("client_id".to_string(), json!(old.client_id)),
                ("client_secret".to_string(), json!("")),
            ]);
            (pid, audit::MODEL_UPDATED, before)
        }
    };
    let client_id = sqlx::query_scalar!("select client_id from providers where id = $1", pid)
        .fetch_one(&mut *tx)
        .await?;
    let mut after = Map::from_iter([
        ("name".to_string(), json!(name)),
        ("config".to_string(), config),
        ("client_id".to_string(), json!(client_id)),
    ]);
    // A changed secret is recorded as changed, never with its value.
    after.insert(
        "client_secret".into(),
        json!(if secret_changed { "(changed)" } else { "" }),
    );
    let changes = audit::diff(&before, &after);
    if action == audit::MODEL_CREATED || !changes.is_empty() {
        audit::record(&mut *tx, actor, action, MODEL, pid, name, changes).await?;
    }
    Ok(Saved::Ok(pid))
}

fn unique<T>(e: sqlx::Error) -> Result<Saved<T>> {
    let (field, message) = match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("providers_name_key") => {
            ("name", "A provider with this name already exists.")
        }
        sqlx::Error::Database(db) if db.constraint() == Some("providers_client_id_key") => {
            ("client_id", "Another provider has this client id.")
        }
        _ => return Err(Error::Database(e)),
    };
    Ok(Saved::Invalid(field_error(field, message)))
}

/// Deletes a provider (its application keeps going, without one). NotFound when there is none.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!("delete from providers where id = $1 returning name", id)
        .fetch_optional(&mut *tx)
        .await?;
    audit::record_delete(tx, actor, MODEL, id, name).await
}

/// The client secret in clear ("" for none), for the protocol endpoints and an audited view.
pub async fn client_secret(pool: &PgPool, secret_key: &str, id: Uuid) -> Result<Option<String>> {
    client_secret_in(pool, secret_key, id).await
}

/// `client_secret` on any executor (a blueprint's transaction).
pub async fn client_secret_in(
    db: impl PgExecutor<'_>,
    secret_key: &str,
    id: Uuid,
) -> Result<Option<String>> {
    let Some(sealed_secret) =
        sqlx::query_scalar!("select client_secret from providers where id = $1", id)
            .fetch_optional(db)
            .await?
    else {
        return Ok(None);
    };
    let Some(sealed_secret) = sealed_secret else {
        return Ok(Some(String::new()));
    };
    let plain = sealed::open(secret_key, SECRET_PURPOSE, &sealed_secret)?;
    Ok(Some(String::from_utf8(plain).map_err(Error::internal)?))
}
