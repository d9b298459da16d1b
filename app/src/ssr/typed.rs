//! Object types configured by settings: stage types and policy types. Each type is a settings
//! struct under authentik's field names, stored as JSON, checked on every save, and built into
//! its implementation (`T`: a `dyn Stage`, a `dyn Policy`) when used.
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// A type's settings. Unknown fields are refused, not dropped.
pub trait Settings: Serialize + DeserializeOwned + 'static {
    /// Fills in what the settings derive from the others (read-only fields), before checking.
    fn derive(&mut self) {}

    /// What the types cannot say; field errors by field name.
    fn check(&self) -> FieldErrors {
        FieldErrors::new()
    }
}

/// One type: its stored `kind`, the names authentik gives it, and its settings.
pub struct Kind<T: ?Sized + 'static> {
    pub kind: &'static str,
    /// authentik's model (`app_label.modelname`), as blueprints name it.
    pub model: &'static str,
    pub verbose_name: &'static str,
    /// What it is a type of (`stage`, `policy`), in messages and component names.
    pub noun: &'static str,
    normalize: fn(&Json, &str) -> Result<Json, FieldErrors>,
    build: fn(&Json) -> Result<Box<T>, String>,
}

impl<T: ?Sized> Kind<T> {
    /// `normalize` is [`normalize::<S>`] and `build` makes an `S` into a `T` (the one place
    /// that knows `S` is a `T`).
    pub const fn new(
        kind: &'static str,
        model: &'static str,
        verbose_name: &'static str,
        noun: &'static str,
        normalize: fn(&Json, &str) -> Result<Json, FieldErrors>,
        build: fn(&Json) -> Result<Box<T>, String>,
    ) -> Self {
        Kind {
            kind,
            model,
            verbose_name,
            noun,
            normalize,
            build,
        }
    }

    /// The settings checked and with defaults filled in, as they are stored.
    pub fn normalize(&self, config: &Json) -> Result<Json, FieldErrors> {
        (self.normalize)(config, self.noun)
    }

    /// The implementation for stored settings.
    pub fn build(&self, config: &Json) -> Result<Box<T>> {
        (self.build)(config)
            .map_err(|e| Error::internal(format!("{} {}: bad settings: {e}", self.noun, self.kind)))
    }

    /// authentik's name for the admin form of this type, e.g. `ak-stage-user-login-form`.
    pub fn component(&self) -> String {
        format!("ak-{}-{}-form", self.noun, self.kind.replace('_', "-"))
    }
}

impl<T: ?Sized> PartialEq for Kind<T> {
    fn eq(&self, other: &Self) -> bool {
        self.noun == other.noun && self.kind == other.kind
    }
}

impl<T: ?Sized> std::fmt::Debug for Kind<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.noun, self.kind)
    }
}

/// Parses, checks and re-serializes settings of type `S`; errors name the field.
pub fn normalize<S: Settings>(config: &Json, noun: &str) -> Result<Json, FieldErrors> {
    let mut parsed: S = serde_path_to_error::deserialize(config).map_err(|e| {
        let message = e.inner().to_string();
        let path = e.path().to_string();
        let field = match message.strip_prefix("unknown field `") {
            Some(rest) if path == "." => rest.split('`').next().unwrap_or_default().to_string(),
            _ if path == "." => "non_field_errors".to_string(),
            _ => path
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        field_error(&field, message)
    })?;
    parsed.derive();
    let errors = parsed.check();
    if !errors.is_empty() {
        return Err(errors);
    }
    let normalized = serde_json::to_value(&parsed)
        .map_err(|e| field_error("non_field_errors", e.to_string()))?;
    // Every setting is in the normalized form (defaults filled in), so a key it lacks is one
    // the type does not have: refused, not dropped.
    if let (Some(given), Some(known)) = (config.as_object(), normalized.as_object())
        && let Some(unknown) = given.keys().find(|k| !known.contains_key(*k))
    {
        let mut names: Vec<&str> = known.keys().map(String::as_str).collect();
        names.insert(0, "name");
        return Err(field_error(
            unknown,
            format!("Unknown field; this {noun} type has: {}.", names.join(", ")),
        ));
    }
    Ok(normalized)
}

pub fn field_error(field: &str, message: impl Into<String>) -> FieldErrors {
    FieldErrors::from([(field.to_string(), message.into())])
}

/// A text setting longer than `max` characters or holding a NUL (which Postgres cannot store).
pub fn text_error(field: &str, value: &str, max: usize) -> FieldErrors {
    if value.chars().count() > max {
        field_error(field, format!("At most {max} characters."))
    } else if crate::types::validated::has_nul(value) {
        field_error(field, crate::types::validated::NUL_REFUSED)
    } else {
        FieldErrors::new()
    }
}

/// The field error for an object's name (1 to 150 characters, no NUL), if it has one.
pub fn check_name(name: &str, noun: &str) -> Option<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 150 {
        Some(format!("Give the {noun} a name of 1 to 150 characters."))
    } else if crate::types::validated::has_nul(n) {
        Some(crate::types::validated::NUL_REFUSED.into())
    } else {
        None
    }
}
