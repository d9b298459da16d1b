//! Property mappings (authentik's): what a provider tells an application about a user. Each
//! type is a kind in the typed registry, as stages, policies and providers are; OAuth2 scope
//! mappings are the first. The built-in ones (`managed`) are computed by Ward; custom ones run
//! their expressions in the expression engine (`run`).
pub mod admin;
pub mod edit;
pub mod run;
pub mod scope;

use crate::ssr::typed::{self, Settings};

/// What a mapping type offers the protocols.
pub trait Mapping: Send + Sync {
    /// The OAuth2 scope it answers, for scope mappings.
    fn scope(&self) -> Option<(&str, &str)>;
}

pub type Kind = typed::Kind<dyn Mapping>;

const fn kind<T: Mapping + Settings>(
    kind: &'static str,
    model: &'static str,
    verbose_name: &'static str,
) -> Kind {
    Kind::new(
        kind,
        model,
        verbose_name,
        "property-mapping-provider",
        typed::normalize::<T>,
        build_as::<T>,
    )
}

fn build_as<T: Mapping + Settings>(config: &serde_json::Value) -> Result<Box<dyn Mapping>, String> {
    serde_json::from_value::<T>(config.clone())
        .map(|m| Box::new(m) as Box<dyn Mapping>)
        .map_err(|e| e.to_string())
}

pub const KINDS: &[Kind] = &[kind::<scope::ScopeMapping>(
    "scope",
    "authentik_providers_oauth2.scopemapping",
    "Scope Mapping",
)];

pub fn by_kind(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}
