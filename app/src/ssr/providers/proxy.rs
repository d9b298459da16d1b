//! `proxy`: authentik's proxy provider (`authentik_providers_proxy.proxyprovider`). Underneath it
//! is an OAuth2 client, as in authentik: confidential, tokens signed with HS256 and its secret,
//! and redirect URIs derived from `external_host` (the outpost's callback); `oauth2_settings`
//! gives the OAuth2 endpoints that client. The client id and secret are columns, as for
//! `oauth2` (see `edit`).
use super::Provider;
use super::oauth2::{GRANT_TYPES, OAuth2Settings};
use super::redirect_uris::RedirectUri;
use crate::ssr::typed::text_error;
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

/// The query that marks a request as the outpost's OAuth callback (authentik's
/// `OUTPOST_CALLBACK_SIGNATURE`).
pub const CALLBACK_SIGNATURE: &str = "X-authentik-auth-callback";

/// The scopes an outpost's sign-in asks for (authentik's proxy outpost: its own mapping
/// included; `scopes_to_request` in `outposts/proxy/`).
pub const OUTPOST_SCOPES: [&str; 5] = ["openid", "email", "profile", "entitlements", "ak_proxy"];

/// The settings a proxy provider shares with its OAuth2 client, checked by that client.
const SHARED_WITH_OAUTH2: [&str; 8] = [
    "authorization_flow",
    "invalidation_flow",
    "authentication_flow",
    "access_token_validity",
    "refresh_token_validity",
    "jwt_federation_sources",
    "jwt_federation_providers",
    "property_mappings",
];

/// How the provider protects its application.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProxyMode {
    /// Ward itself serves `external_host` and forwards to `internal_host`.
    #[default]
    Proxy,
    /// A reverse proxy asks Ward (forward auth) for one external host.
    ForwardSingle,
    /// One provider for every host under `cookie_domain`; `external_host` is the sign-in host.
    ForwardDomain,
}

// Unknown fields are refused by `typed::normalize` (see `OAuth2Settings`).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProxySettings {
    /// The flow a signed-in person goes through to grant access; its pk.
    #[serde(default)]
    pub authorization_flow: String,
    /// The flow signing out runs; its pk.
    #[serde(default)]
    pub invalidation_flow: String,
    /// The flow for people not signed in yet; null: the default authentication flow.
    #[serde(default)]
    pub authentication_flow: Option<String>,
    /// Scope mappings (their pks); none: Ward's default scopes.
    #[serde(default)]
    pub property_mappings: Vec<String>,
    #[serde(default)]
    pub mode: ProxyMode,
    /// The public URL, scheme and host only (e.g. `https://app.example.com`).
    #[serde(default)]
    pub external_host: String,
    /// The upstream Ward forwards to in `proxy` mode (required there).
    #[serde(default)]
    pub internal_host: String,
    #[serde(default = "yes")]
    pub internal_host_ssl_validation: bool,
    /// A certificate-key pair's pk: the TLS certificate an outpost serves for `external_host`.
    #[serde(default)]
    pub certificate: Option<String>,
    /// Requests whose path (URL in `forward_domain`) matches one of these regular expressions,
    /// one per line, pass without signing in. Unanchored: write `^/api/` to anchor.
    #[serde(default)]
    pub skip_path_regex: String,
    /// Send `Authorization: Basic` built from the user's attributes to the application.
    #[serde(default)]
    pub basic_auth_enabled: bool,
    #[serde(default)]
    pub basic_auth_user_attribute: String,
    #[serde(default)]
    pub basic_auth_password_attribute: String,
    /// Accept `Authorization: Bearer`/`Basic` instead of a cookie, and answer 401 instead of
    /// redirecting when that header does not authenticate.
    #[serde(default = "yes")]
    pub intercept_header_auth: bool,
    /// The domain the session cookie is shared across (required in `forward_domain`).
    #[serde(default)]
    pub cookie_domain: String,
    #[serde(default = "one_hour")]
    pub access_token_validity: String,
    #[serde(default = "thirty_days")]
    pub refresh_token_validity: String,
    #[serde(default)]
    pub jwt_federation_sources: Vec<String>,
    #[serde(default)]
    pub jwt_federation_providers: Vec<String>,
    /// Read-only: derived from `external_host` on every save; what a client sends is ignored.
    #[serde(default, skip_deserializing)]
    pub redirect_uris: Vec<RedirectUri>,
    /// Read-only: the names of the outposts serving this provider.
    #[serde(default, skip_deserializing)]
    pub outpost_set: Vec<String>,
}

fn yes() -> bool {
    true
}
fn one_hour() -> String {
    "hours=1".into()
}
fn thirty_days() -> String {
    "days=30".into()
}

/// authentik's two STRICT redirect URIs for an external host (`_get_callback_url`): the
/// outpost's callback path, and the host itself, both with the callback signature.
pub fn callback_redirect_uris(external_host: &str) -> Vec<RedirectUri> {
    let strict = |url: String| RedirectUri {
        matching_mode: "strict".into(),
        url,
        redirect_uri_type: "authorization".into(),
    };
    let signature = format!("?{CALLBACK_SIGNATURE}=true");
    // urljoin(host, "outpost.goauthentik.io/callback") for a host without a path.
    let base = external_host.trim_end_matches('/');
    vec![
        strict(format!("{base}/outpost.goauthentik.io/callback{signature}")),
        strict(format!("{external_host}{signature}")),
    ]
}

/// Why `text` is not an absolute http(s) URL with a host (and, when `origin_only`, nothing
/// but scheme, host and port), if it is not.
fn url_problem(text: &str, origin_only: bool) -> Option<&'static str> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("Give the URL without spaces.");
    }
    let Ok(u) = url::Url::parse(text) else {
        return Some("Give an absolute http or https URL, e.g. https://app.example.com.");
    };
    if !["http", "https"].contains(&u.scheme()) || u.host_str().is_none_or(str::is_empty) {
        return Some("Give an absolute http or https URL, e.g. https://app.example.com.");
    }
    if !u.username().is_empty() || u.password().is_some() || u.fragment().is_some() {
        return Some("The URL cannot carry a user name, password or fragment.");
    }
    if origin_only && (u.path() != "/" || u.query().is_some() || text.ends_with('?')) {
        return Some("Give only the scheme and host (and port), without a path or query.");
    }
    None
}

/// The cookie domain as compared with hosts: lower case, without a leading dot.
pub fn bare_cookie_domain(cookie_domain: &str) -> String {
    cookie_domain
        .trim()
        .trim_start_matches('.')
        .to_ascii_lowercase()
}

/// `host` is `domain` or one of its subdomains (a dot boundary: `evilcompany` is not under
/// `company`, which authentik's plain suffix test allows).
pub fn host_is_under(host: &str, domain: &str) -> bool {
    let host = host.to_ascii_lowercase();
    !domain.is_empty()
        && (host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// Why the skip_path_regex text cannot be used, naming the first bad line.
fn skip_path_problem(text: &str) -> Option<String> {
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Err(e) = regex::RegexBuilder::new(line).size_limit(1 << 20).build() {
            let reason = e.to_string();
            let reason = reason.lines().last().unwrap_or_default().trim().to_string();
            return Some(format!(
                "Line {} is not a valid regular expression: {reason}",
                n + 1
            ));
        }
    }
    None
}

impl crate::ssr::typed::Settings for ProxySettings {
    fn derive(&mut self) {
        self.redirect_uris = callback_redirect_uris(&self.external_host);
    }

    fn check(&self) -> FieldErrors {
        // The OAuth2 client underneath checks the fields the two share (flows, token
        // validities, JWT federation, scope mappings), with the same messages.
        let mut errors: FieldErrors = crate::ssr::typed::Settings::check(&self.oauth2_settings())
            .into_iter()
            .filter(|(field, _)| SHARED_WITH_OAUTH2.contains(&field.as_str()))
            .collect();
        let mut fail = |field: &str, message: String| {
            errors.entry(field.to_string()).or_insert(message);
        };
        if self
            .certificate
            .as_deref()
            .is_some_and(|v| uuid::Uuid::parse_str(v).is_err())
        {
            fail("certificate", "Choose one by its pk, or none.".into());
        }
        for (field, value, max) in [
            ("external_host", &self.external_host, 2000),
            ("internal_host", &self.internal_host, 2000),
            ("skip_path_regex", &self.skip_path_regex, 10_000),
            (
                "basic_auth_user_attribute",
                &self.basic_auth_user_attribute,
                255,
            ),
            (
                "basic_auth_password_attribute",
                &self.basic_auth_password_attribute,
                255,
            ),
            ("cookie_domain", &self.cookie_domain, 253),
        ] {
            if let Some(message) = text_error(field, value, max).into_values().next() {
                fail(field, message);
            }
        }
        if self.external_host.is_empty() {
            fail("external_host", "This field is required.".into());
        } else if let Some(p) = url_problem(&self.external_host, true) {
            fail("external_host", p.into());
        }
        if self.internal_host.is_empty() {
            if self.mode == ProxyMode::Proxy {
                // authentik's message.
                fail(
                    "internal_host",
                    "Internal host cannot be empty when forward auth is disabled.".into(),
                );
            }
        } else if let Some(p) = url_problem(&self.internal_host, false) {
            fail("internal_host", p.into());
        }
        let domain = bare_cookie_domain(&self.cookie_domain);
        if domain.is_empty() {
            if self.mode == ProxyMode::ForwardDomain {
                fail(
                    "cookie_domain",
                    "Give the domain the sign-in is shared across, e.g. example.com.".into(),
                );
            }
        } else if !domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            fail(
                "cookie_domain",
                "Give a domain name such as example.com.".into(),
            );
        } else if let Some(host) = url::Url::parse(&self.external_host)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            && !host_is_under(&host, &domain)
        {
            // The sign-in host must be able to set the cookie the other hosts read.
            fail(
                "cookie_domain",
                format!("The external host {host} is not under {domain}."),
            );
        }
        if let Some(p) = skip_path_problem(&self.skip_path_regex) {
            fail("skip_path_regex", p);
        }
        if self.basic_auth_enabled
            && (self.basic_auth_user_attribute.trim().is_empty()
                || self.basic_auth_password_attribute.trim().is_empty())
        {
            // authentik's message and field.
            fail(
                "basic_auth_enabled",
                "User and password attributes must be set when basic auth is enabled.".into(),
            );
        }
        errors
    }
}

impl ProxySettings {
    /// The OAuth2 client underneath, with what authentik forces (`set_oauth_defaults`):
    /// confidential, HS256 with the client secret (no signing key), claims in the ID token,
    /// the derived redirect URIs.
    pub fn oauth2_settings(&self) -> OAuth2Settings {
        OAuth2Settings {
            authorization_flow: self.authorization_flow.clone(),
            invalidation_flow: self.invalidation_flow.clone(),
            authentication_flow: self.authentication_flow.clone(),
            property_mappings: self.property_mappings.clone(),
            client_type: "confidential".into(),
            grant_types: GRANT_TYPES[..4].iter().map(|g| g.to_string()).collect(),
            access_code_validity: "minutes=1".into(),
            access_token_validity: self.access_token_validity.clone(),
            refresh_token_validity: self.refresh_token_validity.clone(),
            refresh_token_threshold: "seconds=0".into(),
            include_claims_in_id_token: true,
            signing_key: None,
            encryption_key: None,
            redirect_uris: callback_redirect_uris(&self.external_host),
            logout_uri: String::new(),
            logout_method: "backchannel".into(),
            sub_mode: "hashed_user_id".into(),
            issuer_mode: "per_provider".into(),
            dynamic_client_registration: false,
            registration_token: None,
            jwt_federation_sources: self.jwt_federation_sources.clone(),
            jwt_federation_providers: self.jwt_federation_providers.clone(),
        }
    }
}

impl Provider for ProxySettings {
    fn is_oauth_client(&self) -> bool {
        true
    }

    fn oauth2_settings(&self) -> Option<OAuth2Settings> {
        Some(ProxySettings::oauth2_settings(self))
    }
}

pub mod sessions;
pub mod skip_path;
pub mod snippets;

#[cfg(test)]
mod tests;
