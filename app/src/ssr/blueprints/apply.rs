//! Applying a blueprint: every entry in one transaction (all or nothing), in file order, each
//! through its model. Applying the same blueprint twice changes nothing the second time.
use super::file::{Blueprint, Entry, State};
use super::models;
use super::tags::{self, Finder, Scope};
use crate::ssr::audit::Actor;
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json};
use sqlx::PgConnection;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
    /// Entries of models Ward does not have, when told to skip them.
    pub skipped: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Merged over the blueprint's own context.
    pub context: Map<String, Json>,
    /// Skip entries of unknown models (reported in the outcome) instead of failing.
    pub skip_unknown: bool,
    /// The instance key: secrets a blueprint sets (OAuth2 client secrets) are sealed with it.
    pub secret_key: String,
}

/// Applies `bp` inside `tx`; the caller commits. Errors name the entry.
pub async fn apply(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    bp: &Blueprint,
    opts: &Options,
) -> Result<Outcome> {
    let mut context = bp.context.clone();
    context.extend(opts.context.clone());
    let env = |name: &str| std::env::var(name).ok();
    let mut keys: HashMap<String, Json> = HashMap::new();
    let mut skipped: HashMap<String, String> = HashMap::new();
    let mut outcome = Outcome::default();
    for entry in &bp.entries {
        let Some(model) = models::by_name(&entry.model) else {
            if opts.skip_unknown {
                outcome.skipped.push(entry.label());
                if let Some(id) = &entry.id {
                    skipped.insert(id.clone(), entry.model.clone());
                }
                continue;
            }
            return Err(Error::Invalid(format!(
                "{}: Ward has no model {} (known: {}).",
                entry.label(),
                entry.model,
                models::names().join(", ")
            )));
        };
        let scope = Scope {
            context: &context,
            keys: &keys,
            skipped: &skipped,
            env: &env,
        };
        let (identifiers, attrs) = evaluate(&mut *tx, entry, &scope).await?;
        let at = |e: Error| in_entry(entry, e);
        let found = model.find(&mut *tx, &identifiers).await.map_err(at)?;
        let pk = match (entry.state, found) {
            (State::Absent, Some(pk)) => {
                model.delete(&mut *tx, actor, pk).await.map_err(at)?;
                outcome.deleted += 1;
                None
            }
            (State::Absent, None) => {
                outcome.unchanged += 1;
                None
            }
            (State::MustCreated, Some(_)) => {
                return Err(Error::Invalid(format!(
                    "{}: the object exists already (state: must_created).",
                    entry.label()
                )));
            }
            (State::Created, Some(pk)) => {
                outcome.unchanged += 1;
                Some(pk)
            }
            (State::Present, Some(pk)) => {
                let changed = model
                    .update(&mut *tx, actor, &opts.secret_key, pk, &attrs)
                    .await
                    .map_err(at)?;
                fields(entry, &changed)?;
                if changed.is_ok_and(|c| c) {
                    outcome.updated += 1;
                } else {
                    outcome.unchanged += 1;
                }
                Some(pk)
            }
            (_, None) => {
                let mut all = identifiers.clone();
                all.extend(attrs.clone());
                let made = model
                    .create(&mut *tx, actor, &opts.secret_key, &all)
                    .await
                    .map_err(at)?;
                let pk = fields(entry, &made)?;
                outcome.created += 1;
                Some(pk)
            }
        };
        if let (Some(id), Some(pk)) = (&entry.id, pk) {
            keys.insert(id.clone(), Json::String(pk.to_string()));
        }
    }
    Ok(outcome)
}

/// A model's field errors become one message naming the entry and the fields.
fn fields<T: Clone>(entry: &Entry, r: &std::result::Result<T, FieldErrors>) -> Result<T> {
    match r {
        Ok(v) => Ok(v.clone()),
        Err(errors) => {
            let list: Vec<String> = errors.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            Err(Error::Invalid(format!(
                "{}: {}",
                entry.label(),
                list.join("; ")
            )))
        }
    }
}

fn in_entry(entry: &Entry, e: Error) -> Error {
    match e {
        Error::Invalid(m) | Error::Field(_, m) => Error::Invalid(format!("{}: {m}", entry.label())),
        Error::NotFound => Error::Invalid(format!(
            "{}: a referenced object does not exist.",
            entry.label()
        )),
        other => other,
    }
}

async fn evaluate(
    tx: &mut PgConnection,
    entry: &Entry,
    scope: &Scope<'_>,
) -> Result<(Map<String, Json>, Map<String, Json>)> {
    let mut finder = DbFinder { tx };
    let as_map = |v: Json| match v {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    let identifiers = tags::eval(
        &serde_yaml::Value::Mapping(entry.identifiers.clone()),
        scope,
        &mut finder,
    )
    .await
    .map_err(|e| in_entry(entry, e))?;
    let attrs = tags::eval(
        &serde_yaml::Value::Mapping(entry.attrs.clone()),
        scope,
        &mut finder,
    )
    .await
    .map_err(|e| in_entry(entry, e))?;
    Ok((as_map(identifiers), as_map(attrs)))
}

/// `!Find` through the models, inside the blueprint's transaction.
struct DbFinder<'c> {
    tx: &'c mut PgConnection,
}

impl Finder for DbFinder<'_> {
    fn find<'a>(
        &'a mut self,
        model: &'a str,
        query: &'a [(String, Json)],
    ) -> Pin<Box<dyn Future<Output = Result<Option<Json>>> + Send + 'a>> {
        Box::pin(async move {
            let m = models::by_name(model)
                .ok_or_else(|| Error::Invalid(format!("!Find: Ward has no model {model}")))?;
            let identifiers: Map<String, Json> = query.iter().cloned().collect();
            Ok(m.find(&mut *self.tx, &identifiers)
                .await?
                .map(|pk| Json::String(pk.to_string())))
        })
    }
}
