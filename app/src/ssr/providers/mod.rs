//! Providers (authentik's): how an application signs people in. Each type is one file with its
//! settings under authentik's field names, a kind in the typed registry (`ssr/typed.rs`) as
//! stages and policies are; `edit` is the admin side, shared by the REST API.
pub mod admin;
pub mod clients;
pub mod edit;
pub mod oauth2;
pub mod proxy;
pub mod redirect_uris;

use crate::ssr::typed::{self, Settings};

/// What a provider type does for the protocol endpoints; its settings, as a type.
pub trait Provider: Send + Sync {
    /// Whether the type has an OAuth2 client (a client id and secret).
    fn is_oauth_client(&self) -> bool;

    /// The OAuth2 client the protocol endpoints serve for it, if it is one (a proxy provider
    /// is an OAuth2 client underneath, with settings it derives).
    fn oauth2_settings(&self) -> Option<oauth2::OAuth2Settings>;
}

/// One provider type: its `providers.kind`, the names authentik gives it, and its settings.
pub type Kind = typed::Kind<dyn Provider>;

const fn kind<T: Provider + Settings>(
    kind: &'static str,
    model: &'static str,
    verbose_name: &'static str,
) -> Kind {
    Kind::new(
        kind,
        model,
        verbose_name,
        "provider",
        typed::normalize::<T>,
        build_as::<T>,
    )
}

fn build_as<T: Provider + Settings>(
    config: &serde_json::Value,
) -> Result<Box<dyn Provider>, String> {
    serde_json::from_value::<T>(config.clone())
        .map(|p| Box::new(p) as Box<dyn Provider>)
        .map_err(|e| e.to_string())
}

pub const KINDS: &[Kind] = &[
    kind::<oauth2::OAuth2Settings>(
        "oauth2",
        "authentik_providers_oauth2.oauth2provider",
        "OAuth2/OpenID Provider",
    ),
    kind::<proxy::ProxySettings>(
        "proxy",
        "authentik_providers_proxy.proxyprovider",
        "Proxy Provider",
    ),
];

pub fn by_kind(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}
