//! The admin screen's proxy provider form: a stored provider's values for it, and saving it
//! through `edit::save_in`, the path the REST API's `/providers/proxy/` takes (so the checks,
//! the derived redirect URIs, the audit events and the cache notices are the same).
use super::super::edit::{self, Client};
use super::super::{by_kind, proxy::ProxySettings};
use crate::ssr::audit::Actor;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::providers::ProxyForm;
use serde_json::{Value as Json, json};
use sqlx::PgPool;
use uuid::Uuid;

/// The form's values for a stored proxy provider (None when its settings do not read).
pub fn form_of(row: &edit::ProviderRow) -> Option<ProxyForm> {
    let s: ProxySettings = serde_json::from_value(row.config.clone()).ok()?;
    Some(ProxyForm {
        name: row.name.clone(),
        mode: serde_json::to_value(s.mode)
            .ok()?
            .as_str()
            .unwrap_or_default()
            .to_string(),
        external_host: s.external_host,
        internal_host: s.internal_host,
        internal_host_ssl_validation: s.internal_host_ssl_validation,
        cookie_domain: s.cookie_domain,
        authorization_flow: s.authorization_flow,
        skip_path_regex: s.skip_path_regex,
        intercept_header_auth: s.intercept_header_auth,
        basic_auth_enabled: s.basic_auth_enabled,
        basic_auth_user_attribute: s.basic_auth_user_attribute,
        basic_auth_password_attribute: s.basic_auth_password_attribute,
        access_token_validity: s.access_token_validity,
    })
}

/// The form's fields as settings, over `config` (what is stored, or a new provider's start).
fn apply(config: &mut serde_json::Map<String, Json>, form: &ProxyForm) {
    let text = |v: &str| json!(v.trim());
    for (key, value) in [
        ("mode", json!(form.mode)),
        ("external_host", text(&form.external_host)),
        ("internal_host", text(&form.internal_host)),
        (
            "internal_host_ssl_validation",
            json!(form.internal_host_ssl_validation),
        ),
        ("cookie_domain", text(&form.cookie_domain)),
        ("authorization_flow", json!(form.authorization_flow)),
        // Lines kept as typed: a regex may mean its spaces.
        ("skip_path_regex", json!(form.skip_path_regex)),
        ("intercept_header_auth", json!(form.intercept_header_auth)),
        ("basic_auth_enabled", json!(form.basic_auth_enabled)),
        (
            "basic_auth_user_attribute",
            text(&form.basic_auth_user_attribute),
        ),
        (
            "basic_auth_password_attribute",
            text(&form.basic_auth_password_attribute),
        ),
        ("access_token_validity", text(&form.access_token_validity)),
    ] {
        config.insert(key.into(), value);
    }
}

/// Creates (`id` None) or updates a proxy provider from the form; settings the form does not
/// show keep their values. NotFound when `id` is not a proxy provider.
pub async fn save(
    pool: &PgPool,
    actor: &Actor<'_>,
    secret_key: &str,
    id: Option<Uuid>,
    form: &ProxyForm,
) -> Result<Saved<Uuid>> {
    let kind = by_kind("proxy").ok_or_else(|| Error::internal("no proxy kind"))?;
    let mut tx = pool.begin().await?;
    let mut config = match id {
        Some(pid) => match edit::get(&mut *tx, pid).await? {
            Some(p) if p.kind == kind => match p.config {
                Json::Object(m) => m,
                _ => serde_json::Map::new(),
            },
            _ => return Err(Error::NotFound),
        },
        None => super::new_config(&mut tx).await?,
    };
    apply(&mut config, form);
    let saved = edit::save_in(
        &mut tx,
        actor,
        secret_key,
        id,
        kind,
        &form.name,
        &Json::Object(config),
        Client::default(),
    )
    .await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::apply;
    use crate::types::providers::ProxyForm;
    use serde_json::json;

    #[test]
    fn the_form_sets_its_fields_and_keeps_the_others() {
        let mut config = serde_json::Map::from_iter([
            ("certificate".to_string(), json!("kept")),
            ("mode".to_string(), json!("proxy")),
        ]);
        let form = ProxyForm {
            mode: "forward_domain".into(),
            external_host: " https://auth.example.com ".into(),
            cookie_domain: "example.com".into(),
            skip_path_regex: "^/health \n".into(),
            ..ProxyForm::new_provider()
        };
        apply(&mut config, &form);
        assert_eq!(config["certificate"], "kept");
        assert_eq!(config["mode"], "forward_domain");
        assert_eq!(config["external_host"], "https://auth.example.com");
        assert_eq!(config["skip_path_regex"], "^/health \n");
        assert_eq!(config["access_token_validity"], "hours=1");
        assert_eq!(config["intercept_header_auth"], true);
    }
}
