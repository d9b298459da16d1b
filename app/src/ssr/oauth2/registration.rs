//! Dynamic client registration (RFC 7591) at `/application/o/<slug>/register/`, off unless the
//! provider of `<slug>` enables it. The initial access token is one of Ward's API tokens, named
//! on the provider (`registration_token`, its identifier): its key is shown only through the
//! audited `view_key`, kept as a digest, can expire and be deleted; its owner is who registers
//! (the audit events name them) and must be allowed the registering application, as authentik
//! 2026.8 requires of the owner of its registration token.
//!
//! A registration creates, through the same functions the REST API uses, a provider copied
//! from the registering one (flows, signing key, validities, scope mappings, subject and
//! issuer modes) with the client's redirect URIs as strict entries and a generated client id
//! and secret, and an application for it bound to the same policies as the registering one.
pub mod metadata;

use crate::ssr::applications::{self, ApplicationForm};
use crate::ssr::audit::Actor;
use crate::ssr::crypto::secret;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::policies::bindings::{self, PolicyBindingForm};
use crate::ssr::providers::clients::{self, OAuthClient};
use crate::ssr::providers::edit::{self, Client};
use crate::ssr::providers::oauth2::OAuth2Settings;
use crate::ssr::providers::redirect_uris::RedirectUri;
use crate::ssr::throttle::{self, Attempt, Verdict};
use crate::ssr::users::{self, User};
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use metadata::{AuthMethod, Invalid, Metadata};
use serde_json::{Value, json};
use sqlx::{PgExecutor, PgPool};
use std::net::IpAddr;

/// Tries at a free slug and provider name before giving up (a random suffix each time).
const ATTEMPTS: usize = 4;

/// Why a registration is refused.
#[derive(Debug)]
pub enum Refusal {
    /// No such application, or registration is off for its provider (404).
    NotFound,
    /// The initial access token is missing or wrong, or guesses must wait (401).
    InvalidToken(String),
    /// The token's owner may not use the registering application (403).
    AccessDenied,
    /// The client metadata is refused (400, RFC 7591 §3.2.2).
    Invalid(Invalid),
    Failed(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

/// The settings' own rule (`OAuth2Settings::check`): registration needs a token to check.
pub fn settings_problem(enabled: bool, token: Option<&str>) -> Option<(&'static str, String)> {
    match token {
        Some(t) if t.is_empty() || t.len() > 255 || t.chars().any(char::is_control) => Some((
            "registration_token",
            "Give an API token's identifier, or nothing.".into(),
        )),
        None if enabled => Some((
            "registration_token",
            "Dynamic client registration needs an initial access token: name an API token (its identifier).".into(),
        )),
        _ => None,
    }
}

/// Why `identifier` cannot be the registration token (checked when a provider is saved).
pub async fn token_problem(
    db: impl PgExecutor<'_>,
    identifier: &str,
) -> Result<Option<&'static str>> {
    let intent = sqlx::query_scalar!(
        "select intent from tokens where identifier = $1",
        identifier
    )
    .fetch_optional(db)
    .await?;
    Ok(match intent.as_deref() {
        None => Some("No token has this identifier."),
        Some("api") => None,
        Some(_) => Some("Choose an API token (intent api)."),
    })
}

/// Records a refused registration (who, when the token was good, and why).
async fn refused(pool: &PgPool, ip: IpAddr, user: Option<&User>, slug: &str, reason: &str) {
    let event = NewEvent {
        action: action::SUSPICIOUS_REQUEST,
        user: user.map(|u| (u.id, u.username.as_str())),
        client_ip: Some(ip),
        context: json!({
            "reason": format!("dynamic client registration refused: {reason}"),
            "application": slug.chars().take(50).collect::<String>(),
        }),
    };
    if let Err(e) = events::record(pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
}

/// The owner of the registration token if `key` is its key (and the token is usable), through
/// the throttle: guessing the key is slowed down like guessing a password.
async fn token_owner(
    pool: &PgPool,
    ip: IpAddr,
    slug: &str,
    identifier: Option<&str>,
    key: Option<&str>,
) -> Result<Result<User, String>> {
    let invalid = "A valid initial access token is required to register clients.".to_string();
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(Err(invalid));
    };
    let row = match identifier {
        Some(identifier) => sqlx::query!(
            r#"select t.user_id, t.key_hash,
                      (t.intent = 'api' and u.is_active
                       and (t.expires_at is null or t.expires_at > now())) as "usable!"
                 from tokens t join users u on u.id = t.user_id
                where t.identifier = $1"#,
            identifier
        )
        .fetch_optional(pool)
        .await?
        .map(|r| (r.user_id, r.key_hash, r.usable)),
        None => None,
    };
    let owner = row.and_then(|(user, hash, usable)| {
        (usable && secret::constant_time_eq(&secret::digest(key), &hash)).then_some(user)
    });
    let username = format!("dcr:{slug}");
    let attempt = Attempt {
        username: &username,
        ip,
    };
    match throttle::check_secret(pool, attempt, owner.is_some()).await? {
        Verdict::Valid => {}
        Verdict::Wait(s) => {
            return Ok(Err(format!(
                "Too many failed attempts. Try again in {s} seconds."
            )));
        }
        Verdict::Invalid => return Ok(Err(invalid)),
    }
    let Some(owner) = owner else {
        return Ok(Err(invalid));
    };
    Ok(users::get(pool, owner).await?.ok_or(invalid))
}

/// Registers a client at the application `slug`'s provider; the RFC 7591 §3.2.1 answer.
/// `bearer` is the initial access token presented, `body` the request's JSON.
pub async fn register(
    pool: &PgPool,
    secret_key: &str,
    ip: IpAddr,
    slug: &str,
    bearer: Option<&str>,
    body: &[u8],
) -> Result<Value, Refusal> {
    let Some(parent) = clients::by_application(pool, secret_key, slug).await? else {
        return Err(Refusal::NotFound);
    };
    if !parent.settings.dynamic_client_registration {
        refused(pool, ip, None, slug, "registration is off").await;
        return Err(Refusal::NotFound);
    }
    let identifier = parent.settings.registration_token.as_deref();
    let owner = match token_owner(pool, ip, slug, identifier, bearer).await? {
        Ok(u) => u,
        Err(message) => {
            refused(pool, ip, None, slug, "invalid initial access token").await;
            return Err(Refusal::InvalidToken(message));
        }
    };
    if !applications::check_access(pool, &parent.application, Some(owner.id), None)
        .await?
        .passing
    {
        refused(pool, ip, Some(&owner), slug, "access denied").await;
        return Err(Refusal::AccessDenied);
    }
    let offered: Vec<&str> = parent.scopes.iter().map(|s| s.name.as_str()).collect();
    let m = match metadata::parse(body, &parent.settings.grant_types, &offered) {
        Ok(m) => m,
        Err(e) => {
            let reason = format!("{}: {}", e.error(), e.description());
            refused(pool, ip, Some(&owner), slug, &reason).await;
            return Err(Refusal::Invalid(e));
        }
    };
    let actor = Actor { user: &owner, ip };
    for attempt in 0..ATTEMPTS {
        let suffix = (attempt > 0)
            .then(|| secret::random_string(b"abcdefghijklmnopqrstuvwxyz0123456789", 6));
        if let Some(created) =
            create(pool, secret_key, &actor, &parent, &m, suffix.as_deref()).await?
        {
            return Ok(answer(&created, &m, &offered));
        }
    }
    Err(Refusal::Failed(Error::internal(format!(
        "could not register a client at {slug}: its provider's settings cannot be copied"
    ))))
}

/// What a registration made.
struct Created {
    client_id: String,
    client_secret: String,
    name: String,
}

/// A slug from `name`: lowercase letters and digits, runs of anything else as one `-`.
fn slug_for(name: &str, suffix: Option<&str>) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "client" } else { slug };
    match suffix {
        Some(s) => format!("{slug}-{s}"),
        None => slug.to_string(),
    }
}

/// The registering provider's settings with the client's own.
fn child_settings(parent: &OAuth2Settings, m: &Metadata) -> OAuth2Settings {
    let entry = |url: &String, kind: &str| RedirectUri {
        matching_mode: "strict".into(),
        url: url.clone(),
        redirect_uri_type: kind.into(),
    };
    let mut s = parent.clone();
    s.client_type = match m.auth_method {
        AuthMethod::None => "public",
        _ => "confidential",
    }
    .into();
    s.grant_types = m.grant_types.clone();
    s.redirect_uris = m
        .redirect_uris
        .iter()
        .map(|u| entry(u, "authorization"))
        .chain(
            m.post_logout_redirect_uris
                .iter()
                .map(|u| entry(u, "logout")),
        )
        .collect();
    s.logout_uri = m.backchannel_logout_uri.clone().unwrap_or_default();
    s.logout_method = "backchannel".into();
    s.dynamic_client_registration = false;
    s.registration_token = None;
    // Trust in other issuers' tokens is the registering provider's, not its clients'.
    s.jwt_federation_sources.clear();
    s.jwt_federation_providers.clear();
    s.encryption_key = None;
    s
}

/// One try in one transaction: None when the slug or the name was taken meanwhile (or the
/// registering provider's settings no longer save).
async fn create(
    pool: &PgPool,
    secret_key: &str,
    actor: &Actor<'_>,
    parent: &OAuthClient,
    m: &Metadata,
    suffix: Option<&str>,
) -> Result<Option<Created>> {
    let kind = crate::ssr::providers::by_kind("oauth2")
        .ok_or_else(|| Error::internal("no oauth2 provider kind"))?;
    let client_id = secret::random_key(40);
    let name = m.client_name.clone().unwrap_or_else(|| client_id.clone());
    let slug = slug_for(&name, suffix);
    let provider_name = match suffix {
        None => name.clone(),
        Some(_) => {
            let tail = format!(" ({slug})");
            let head: String = name.chars().take(150 - tail.chars().count()).collect();
            format!("{}{tail}", head.trim_end())
        }
    };
    let config =
        serde_json::to_value(child_settings(&parent.settings, m)).map_err(Error::internal)?;
    let client = Client {
        client_id: Some(client_id.clone()),
        client_secret: None,
    };
    let mut tx = pool.begin().await?;
    let saved = edit::save_in(
        &mut tx,
        actor,
        secret_key,
        None,
        kind,
        &provider_name,
        &config,
        client,
    )
    .await?;
    let provider = match saved {
        Saved::Ok(id) => id,
        Saved::Invalid(errors) => {
            tracing::warn!(?errors, "registered client's provider not saved");
            return Ok(None);
        }
    };
    let form = ApplicationForm {
        name: name.clone(),
        slug,
        provider: Some(provider.to_string()),
        policy_engine_mode: parent.application.policy_engine_mode.clone(),
        ..ApplicationForm::default()
    };
    let app = match applications::save_in(&mut tx, actor, None, &form).await? {
        Saved::Ok(change) => change.id,
        Saved::Invalid(errors) => {
            tracing::info!(?errors, "registered client's application not saved");
            return Ok(None);
        }
    };
    let parent_bindings = bindings::list(&mut *tx)
        .await?
        .into_iter()
        .filter(|b| b.form.target == parent.application.id);
    for b in parent_bindings {
        let form = PolicyBindingForm {
            target: app,
            ..b.form
        };
        if let Saved::Invalid(errors) = bindings::save_in(&mut tx, actor, None, &form).await? {
            return Err(Error::internal(format!(
                "policy binding not copied to a registered client: {errors:?}"
            )));
        }
    }
    let client_secret = edit::client_secret_in(&mut *tx, secret_key, provider)
        .await?
        .ok_or_else(|| Error::internal("registered provider vanished"))?;
    tx.commit().await?;
    Ok(Some(Created {
        client_id,
        client_secret,
        name,
    }))
}

/// The RFC 7591 §3.2.1 body: the credentials and the metadata as registered (the scopes are
/// all the registering provider offers: the client may ask for any of them).
fn answer(c: &Created, m: &Metadata, offered: &[&str]) -> Value {
    let mut body = json!({
        "client_id": c.client_id,
        "client_id_issued_at": time::OffsetDateTime::now_utc().unix_timestamp(),
        "client_name": c.name,
        "redirect_uris": m.redirect_uris,
        "grant_types": m.grant_types,
        "response_types": m.response_types,
        "token_endpoint_auth_method": m.auth_method.as_str(),
        "scope": offered.join(" "),
    });
    if m.auth_method != AuthMethod::None {
        body["client_secret"] = json!(c.client_secret);
        body["client_secret_expires_at"] = json!(0);
    }
    if !m.post_logout_redirect_uris.is_empty() {
        body["post_logout_redirect_uris"] = json!(m.post_logout_redirect_uris);
    }
    if let Some(uri) = &m.backchannel_logout_uri {
        body["backchannel_logout_uri"] = json!(uri);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_valid_application_slugs() {
        assert_eq!(slug_for("My Dynamic App!", None), "my-dynamic-app");
        assert_eq!(slug_for("  ---  ", None), "client");
        assert_eq!(slug_for("Ünïcødé", Some("ab12cd")), "n-c-d-ab12cd");
        assert_eq!(slug_for("token", None), "token");
        let long = slug_for(&"x".repeat(300), Some("abcdef"));
        assert!(applications::check_slug(&long).is_ok(), "{long}");
    }

    #[test]
    fn registration_needs_a_token_when_on() {
        assert!(settings_problem(false, None).is_none());
        assert!(settings_problem(true, Some("dcr-token")).is_none());
        assert_eq!(
            settings_problem(true, None).map(|p| p.0),
            Some("registration_token")
        );
        assert!(settings_problem(false, Some("")).is_some());
        assert!(settings_problem(false, Some("a\nb")).is_some());
    }

    proptest::proptest! {
        #[test]
        fn any_name_gives_a_valid_slug(name in ".{0,200}", suffix in "[a-z0-9]{6}") {
            proptest::prop_assert!(applications::check_slug(&slug_for(&name, None)).is_ok());
            proptest::prop_assert!(applications::check_slug(&slug_for(&name, Some(&suffix))).is_ok());
        }
    }
}
