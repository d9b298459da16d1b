//! The admin screen's side of providers: rows with the form that edits them, the pickers'
//! choices, saving the form through `edit`, and the audited view of a client secret. The proxy
//! provider form is `proxy_form`.
use super::edit::{self, Client};
use super::{by_kind, redirect_uris::RedirectUri};
use crate::ssr::audit::Actor;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::oauth2::scopes;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::providers::{OAuth2Form, ProviderChoices, ProviderRow, ProxySetup, ScopeChoice};
use serde_json::{Value as Json, json};
use sqlx::PgPool;
use uuid::Uuid;

pub mod proxy_form;

fn form_of(row: &edit::ProviderRow) -> OAuth2Form {
    let c = &row.config;
    let text = |k: &str| {
        c.get(k)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let uris = c
        .get("redirect_uris")
        .and_then(|v| serde_json::from_value::<Vec<RedirectUri>>(v.clone()).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.redirect_uri_type == "authorization")
        .map(|u| {
            if u.matching_mode == "regex" {
                format!("regex:{}", u.url)
            } else {
                u.url
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    OAuth2Form {
        name: row.name.clone(),
        property_mappings: c
            .get("property_mappings")
            .and_then(|m| serde_json::from_value(m.clone()).ok())
            .unwrap_or_default(),
        client_type: text("client_type"),
        client_id: row.client_id.clone().unwrap_or_default(),
        redirect_uris: uris,
        authorization_flow: text("authorization_flow"),
        signing_key: text("signing_key"),
        grant_types: c
            .get("grant_types")
            .and_then(|g| serde_json::from_value(g.clone()).ok())
            .unwrap_or_default(),
        sub_mode: text("sub_mode"),
        include_claims_in_id_token: c
            .get("include_claims_in_id_token")
            .and_then(Json::as_bool)
            .unwrap_or(true),
    }
}

pub async fn rows(pool: &PgPool) -> Result<Vec<ProviderRow>> {
    Ok(edit::list(pool, None)
        .await?
        .into_iter()
        .map(|p| ProviderRow {
            id: p.id.to_string(),
            form: form_of(&p),
            proxy: (p.kind.kind == "proxy")
                .then(|| proxy_form::form_of(&p))
                .flatten(),
            name: p.name,
            verbose_name: p.kind.verbose_name.into(),
            editable: p.kind.kind == "oauth2",
            kind: p.kind.kind.into(),
            client_id: p.client_id.unwrap_or_default(),
            application: p.application.map(|(_, name)| name).unwrap_or_default(),
        })
        .collect())
}

pub async fn choices(pool: &PgPool) -> Result<ProviderChoices> {
    let flows = sqlx::query!(
        "select id, slug from flows where designation = 'authorization' order by slug"
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|f| (f.id.to_string(), f.slug))
    .collect();
    let keys = sqlx::query!(
        "select id, name::text as \"name!\" from certificate_key_pairs where key_sealed is not null order by name"
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|k| (k.id.to_string(), k.name))
    .collect();
    let scope_kind = crate::ssr::property_mappings::by_kind("scope");
    let mut scope_choices: Vec<ScopeChoice> =
        crate::ssr::property_mappings::edit::list(pool, scope_kind)
            .await?
            .into_iter()
            .map(|m| ScopeChoice {
                id: m.id.to_string(),
                scope_name: m
                    .config
                    .get("scope_name")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string(),
                new_provider: is_new_provider_scope(m.managed.as_deref()),
                name: m.name,
            })
            .collect();
    scope_choices.sort_by(|a, b| (&a.scope_name, &a.name).cmp(&(&b.scope_name, &b.name)));
    Ok(ProviderChoices {
        flows,
        keys,
        scopes: scope_choices,
        default_offered: scopes::DEFAULT_OFFERED
            .iter()
            .map(|s| s.to_string())
            .collect(),
    })
}

/// The scopes authentik's provider form chooses for a new provider (its `defaultScopes`).
const NEW_PROVIDER_SCOPES: [&str; 3] = [scopes::OPENID, "email", "profile"];

/// Whether a mapping is one of the built-in ones a new provider starts with.
fn is_new_provider_scope(managed: Option<&str>) -> bool {
    managed
        .and_then(scopes::by_managed)
        .is_some_and(|s| NEW_PROVIDER_SCOPES.contains(&s.name))
}

/// The chosen mappings in order, each once (the domain checks that they exist).
fn chosen(ids: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(ids.len());
    for id in ids.iter().map(|i| i.trim()) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Creates (`id` None) or updates an OAuth2 provider from the form; settings the form does
/// not show keep their values. The scope mappings are checked by `edit` (unknown pks are a
/// field error on `property_mappings`).
pub async fn save_oauth2(
    pool: &PgPool,
    actor: &Actor<'_>,
    secret_key: &str,
    id: Option<Uuid>,
    form: &OAuth2Form,
) -> Result<Saved<Uuid>> {
    let kind = by_kind("oauth2").ok_or_else(|| Error::internal("no oauth2 kind"))?;
    let mut tx = pool.begin().await?;
    let current = match id {
        Some(pid) => Some(edit::get(&mut *tx, pid).await?.ok_or(Error::NotFound)?),
        None => None,
    };
    let mut config = match current.as_ref().map(|c| c.config.clone()) {
        Some(Json::Object(m)) => m,
        _ => new_config(&mut tx).await?,
    };
    let uris: Vec<Json> = form
        .redirect_uris
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.strip_prefix("regex:") {
            Some(p) => json!({ "matching_mode": "regex", "url": p.trim() }),
            None => json!({ "matching_mode": "strict", "url": l }),
        })
        .collect();
    // Logout URIs are kept: the form edits the sign-in ones.
    let kept: Vec<Json> = config
        .get("redirect_uris")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter(|u| u["redirect_uri_type"] == "logout")
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    config.insert(
        "redirect_uris".into(),
        Json::Array(uris.into_iter().chain(kept).collect()),
    );
    config.insert("client_type".into(), json!(form.client_type));
    config.insert("authorization_flow".into(), json!(form.authorization_flow));
    config.insert(
        "signing_key".into(),
        if form.signing_key.is_empty() {
            Json::Null
        } else {
            json!(form.signing_key)
        },
    );
    config.insert("grant_types".into(), json!(form.grant_types));
    config.insert("sub_mode".into(), json!(form.sub_mode));
    config.insert(
        "property_mappings".into(),
        json!(chosen(&form.property_mappings)),
    );
    config.insert(
        "include_claims_in_id_token".into(),
        json!(form.include_claims_in_id_token),
    );
    let client = Client {
        client_id: Some(form.client_id.trim().to_string()).filter(|c| !c.is_empty()),
        client_secret: None,
    };
    let saved = edit::save_in(
        &mut tx,
        actor,
        secret_key,
        id,
        kind,
        &form.name,
        &Json::Object(config),
        client,
    )
    .await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// A new provider's settings before the form's: the invalidation flow authentik's providers use
/// (the REST API requires one; the forms do not ask).
async fn new_config(tx: &mut sqlx::PgConnection) -> Result<serde_json::Map<String, Json>> {
    let invalidation = sqlx::query_scalar!(
        "select id from flows where slug = 'default-provider-invalidation-flow'"
    )
    .fetch_optional(&mut *tx)
    .await?;
    let mut m = serde_json::Map::new();
    m.insert(
        "invalidation_flow".into(),
        json!(invalidation.map(|i| i.to_string()).unwrap_or_default()),
    );
    Ok(m)
}

/// The client secret in clear, shown again to an admin and recorded as a `secret_view` event.
pub async fn view_secret(
    pool: &PgPool,
    secret_key: &str,
    actor: &Actor<'_>,
    id: Uuid,
) -> Result<String> {
    let secret = edit::client_secret(pool, secret_key, id)
        .await?
        .ok_or(Error::NotFound)?;
    events::record(
        pool,
        NewEvent {
            action: action::SECRET_VIEW,
            user: Some((actor.user.id, &actor.user.username)),
            client_ip: Some(actor.ip),
            context: json!({ "provider": id }),
        },
    )
    .await?;
    Ok(secret)
}

/// A proxy provider's reverse-proxy configurations, for a reverse proxy that reaches Ward at
/// the embedded outpost's `authentik_host`, else at `public_url`. NotFound for other kinds.
pub async fn proxy_setup(pool: &PgPool, public_url: &str, id: Uuid) -> Result<ProxySetup> {
    use super::proxy::{ProxySettings, snippets};
    let row = edit::get(pool, id)
        .await?
        .filter(|p| p.kind.kind == "proxy")
        .ok_or(Error::NotFound)?;
    let settings: ProxySettings = serde_json::from_value(row.config)
        .map_err(|e| Error::internal(format!("stored proxy settings: {e}")))?;
    let outpost = crate::ssr::outposts::embedded(pool).await?;
    let ward = outpost
        .config
        .get("authentik_host")
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or(public_url)
        .to_string();
    Ok(match snippets::snippets(&settings, &ward) {
        Ok(Some(s)) => ProxySetup {
            note: String::new(),
            snippets: vec![
                ("nginx".into(), s.nginx),
                ("Traefik".into(), s.traefik),
                ("Caddy".into(), s.caddy),
                ("Envoy".into(), s.envoy),
            ],
        },
        Ok(None) => ProxySetup {
            note: snippets::PROXY_MODE_NOTE.into(),
            snippets: Vec::new(),
        },
        Err(e) => ProxySetup {
            note: e.to_string(),
            snippets: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{chosen, is_new_provider_scope};

    #[test]
    fn chosen_mappings_keep_their_order_once_each() {
        let ids = ["b", " a", "b", "a ", "c"].map(String::from);
        assert_eq!(chosen(&ids), ["b", "a", "c"]);
        assert!(chosen(&[]).is_empty());
    }

    #[test]
    fn a_new_provider_starts_with_authentiks_default_scopes() {
        for (managed, expected) in [
            (Some("goauthentik.io/providers/oauth2/scope-openid"), true),
            (Some("goauthentik.io/providers/oauth2/scope-email"), true),
            (Some("goauthentik.io/providers/oauth2/scope-profile"), true),
            (
                Some("goauthentik.io/providers/oauth2/scope-offline_access"),
                false,
            ),
            (
                Some("goauthentik.io/providers/oauth2/scope-entitlements"),
                false,
            ),
            (Some("something/else"), false),
            (None, false),
        ] {
            assert_eq!(is_new_provider_scope(managed), expected, "{managed:?}");
        }
    }
}
