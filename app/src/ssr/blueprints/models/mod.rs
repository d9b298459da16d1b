//! The models a blueprint entry can name, each mapping authentik's fields onto Ward's domain
//! functions (the same ones the admin UI and the REST API use).
use crate::ssr::audit::Actor;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::{Map, Value as Json};
use sqlx::PgConnection;
use uuid::Uuid;

pub type Fields = Map<String, Json>;

#[async_trait]
pub trait Model: Sync {
    /// The object the identifiers name.
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>>;
    async fn create(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        secret_key: &str,
        fields: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>>;
    /// Sets the given attributes; whether anything changed.
    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>>;
    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()>;
}

mod application;
mod binding;
mod flow;
mod group;
mod mfa_device;
mod outpost;
mod policy;
mod policy_binding;
mod property_mapping;
mod provider;
mod stage;
mod user;

use crate::ssr::policies::KINDS as POLICY_KINDS;
use crate::ssr::property_mappings::KINDS as MAPPING_KINDS;
use crate::ssr::providers::KINDS as PROVIDER_KINDS;
use crate::ssr::stages::KINDS;

/// The models besides the stage and policy types (each type is a model of its own).
const MODELS: &[(&str, &(dyn Model + Sync))] = &[
    ("authentik_core.group", &group::Group),
    ("authentik_core.user", &user::User),
    ("authentik_flows.flow", &flow::Flow),
    ("authentik_flows.flowstagebinding", &binding::Binding),
    ("authentik_core.application", &application::Application),
    ("authentik_outposts.outpost", &outpost::Outpost),
    (
        "authentik_policies.policybinding",
        &policy_binding::PolicyBinding,
    ),
    (
        "authentik_stages_authenticator_totp.totpdevice",
        &mfa_device::Device("totp"),
    ),
    (
        "authentik_stages_authenticator_static.staticdevice",
        &mfa_device::Device("static"),
    ),
    (
        "authentik_stages_authenticator_webauthn.webauthndevice",
        &mfa_device::Device("webauthn"),
    ),
    (
        "authentik_stages_authenticator_email.emaildevice",
        &mfa_device::Device("email"),
    ),
];

pub fn by_name(name: &str) -> Option<&'static (dyn Model + Sync)> {
    MODELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
        .or_else(|| {
            KINDS
                .iter()
                .find(|k| k.model == name)
                .map(|k| k as &(dyn Model + Sync))
        })
        .or_else(|| {
            POLICY_KINDS
                .iter()
                .find(|k| k.model == name)
                .map(|k| k as &(dyn Model + Sync))
        })
        .or_else(|| {
            PROVIDER_KINDS
                .iter()
                .find(|k| k.model == name)
                .map(|k| k as &(dyn Model + Sync))
        })
        .or_else(|| {
            MAPPING_KINDS
                .iter()
                .find(|k| k.model == name)
                .map(|k| k as &(dyn Model + Sync))
        })
}

pub fn names() -> Vec<&'static str> {
    MODELS
        .iter()
        .map(|(n, _)| *n)
        .chain(KINDS.iter().map(|k| k.model))
        .chain(POLICY_KINDS.iter().map(|k| k.model))
        .chain(PROVIDER_KINDS.iter().map(|k| k.model))
        .chain(MAPPING_KINDS.iter().map(|k| k.model))
        .collect()
}

/// Refuses fields the model does not have; `ignored` are authentik's fields Ward accepts
/// without effect (its blueprints set them to their defaults).
pub(super) fn only(fields: &Fields, known: &[&str], ignored: &[&str]) -> Result<()> {
    match fields
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
    {
        Some(k) => Err(Error::Invalid(format!(
            "{k}: Ward has no such field here (it has {})",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}

/// The one text field of an identifier map, or an error naming what a lookup needs.
pub(super) fn lookup(
    identifiers: &Fields,
    keys: &[&'static str],
) -> Result<(&'static str, String)> {
    for key in keys {
        if let Some(v) = identifiers.get(*key) {
            let text = match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            return Ok((key, text));
        }
    }
    Err(Error::Invalid(format!(
        "identify the object by {}",
        keys.join(" or ")
    )))
}

/// A typed object's settings among its fields: all but `common` (name, pk, …).
pub(super) fn settings(fields: &Fields, common: &[&str]) -> Map<String, Json> {
    fields
        .iter()
        .filter(|(k, _)| !common.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub(super) fn text(fields: &Fields, key: &str) -> Option<String> {
    fields.get(key).map(|v| match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    })
}

pub(super) fn flag(fields: &Fields, key: &str) -> Result<Option<bool>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::Invalid(format!("`{key}` is true or false"))),
    }
}

pub(super) fn object(fields: &Fields, key: &str) -> Result<Option<String>> {
    match fields.get(key) {
        None => Ok(None),
        Some(v @ Json::Object(_)) => Ok(Some(v.to_string())),
        Some(_) => Err(Error::Invalid(format!("`{key}` is a mapping"))),
    }
}

/// A list of pks (from `!KeyOf` / `!Find`); null entries mean a `!Find` found nothing.
pub(super) fn pks(fields: &Fields, key: &str) -> Result<Option<Vec<Uuid>>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Json::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| {
                        Error::Invalid(format!("`{key}` lists an object that does not exist"))
                    })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(Error::Invalid(format!("`{key}` is a list"))),
    }
}

pub(super) fn unsaved<T>(saved: Saved<T>) -> std::result::Result<T, FieldErrors> {
    match saved {
        Saved::Ok(v) => Ok(v),
        Saved::Invalid(e) => Err(e),
    }
}

/// Attributes compare as JSON, not as text: equal ones keep the stored text, so the form
/// compares equal and nothing is written.
pub(super) fn keep_equal_attributes(new: &mut String, current: &str) {
    if serde_json::from_str::<Json>(new).ok() == serde_json::from_str::<Json>(current).ok() {
        *new = current.to_string();
    }
}

/// A created object's pk, or the field errors that stopped it.
pub(super) fn created(saved: Saved<String>) -> Result<std::result::Result<Uuid, FieldErrors>> {
    match saved {
        Saved::Ok(id) => Ok(Ok(Uuid::parse_str(&id).map_err(Error::internal)?)),
        Saved::Invalid(e) => Ok(Err(e)),
    }
}

/// The pk a one-parameter lookup finds.
pub(super) async fn find_one(
    tx: &mut PgConnection,
    query: &str,
    value: String,
) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(query)
        .bind(value)
        .fetch_optional(&mut *tx)
        .await?)
}
