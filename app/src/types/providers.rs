//! The admin screen's view of providers.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderRow {
    pub id: String,
    pub name: String,
    pub verbose_name: String,
    pub client_id: String,
    /// The application it serves, if any.
    pub application: String,
    /// The form to edit it with (OAuth2 providers).
    pub form: OAuth2Form,
    /// Whether the OAuth2 form edits it (the OAuth2 kind; proxy providers have `proxy`).
    pub editable: bool,
    /// The provider kind (`oauth2`, `proxy`, …).
    #[serde(default)]
    pub kind: String,
    /// The proxy form's values, for a proxy provider.
    #[serde(default)]
    pub proxy: Option<ProxyForm>,
}

/// An OAuth2 provider's settings as the admin form edits them; the rest keep their values (or
/// authentik's defaults) and are set through the REST API or blueprints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OAuth2Form {
    pub name: String,
    pub client_type: String,
    pub client_id: String,
    /// One per line; `regex:` before a pattern matches by anchored regex.
    pub redirect_uris: String,
    /// A flow's pk.
    pub authorization_flow: String,
    /// A certificate-key pair's pk, or empty for HS256 with the client secret.
    pub signing_key: String,
    pub grant_types: Vec<String>,
    pub sub_mode: String,
    pub include_claims_in_id_token: bool,
    /// The scope mappings offered (their pks); none: Ward offers its default scopes.
    #[serde(default)]
    pub property_mappings: Vec<String>,
}

/// A proxy provider's settings as the admin form edits them (authentik's proxy provider form);
/// the rest (certificate, scope mappings, other flows) keep their values, or authentik's
/// defaults on create, and are set through the REST API or blueprints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxyForm {
    pub name: String,
    /// `proxy`, `forward_single` or `forward_domain`.
    pub mode: String,
    pub external_host: String,
    /// The upstream (proxy mode).
    pub internal_host: String,
    pub internal_host_ssl_validation: bool,
    /// The domain the sign-in is shared across (forward_domain).
    pub cookie_domain: String,
    /// A flow's pk.
    pub authorization_flow: String,
    /// Regular expressions, one per line: paths that pass without signing in.
    pub skip_path_regex: String,
    pub intercept_header_auth: bool,
    pub basic_auth_enabled: bool,
    pub basic_auth_user_attribute: String,
    pub basic_auth_password_attribute: String,
    /// authentik's duration syntax, e.g. `hours=1`.
    pub access_token_validity: String,
}

impl ProxyForm {
    /// A new provider's form: authentik's defaults.
    pub fn new_provider() -> Self {
        ProxyForm {
            mode: "proxy".into(),
            internal_host_ssl_validation: true,
            intercept_header_auth: true,
            access_token_validity: "hours=1".into(),
            ..ProxyForm::default()
        }
    }
}

/// What the form's pickers offer: (pk, label).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderChoices {
    pub flows: Vec<(String, String)>,
    pub keys: Vec<(String, String)>,
    /// Every scope mapping, by scope name.
    pub scopes: Vec<ScopeChoice>,
    /// The scopes a provider that names no mapping offers.
    pub default_offered: Vec<String>,
}

/// A scope mapping the form offers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeChoice {
    pub id: String,
    pub name: String,
    pub scope_name: String,
    /// Chosen for a new provider, as authentik's form does (the built-in openid, email and
    /// profile mappings).
    pub new_provider: bool,
}

/// A proxy provider's reverse-proxy configurations (its "Setup"), or why there are none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxySetup {
    /// Why there is nothing to paste (proxy mode, or a setting that cannot be written safely).
    pub note: String,
    /// (proxy, configuration): nginx, Traefik, Caddy, Envoy.
    pub snippets: Vec<(String, String)>,
}
