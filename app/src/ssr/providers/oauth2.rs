//! `oauth2`: authentik's OAuth2/OpenID provider settings. The client id and secret are not
//! settings: they are columns of their own (the id unique, the secret sealed), see `edit`.
use super::Provider;
use super::redirect_uris::RedirectUri;
use crate::ssr::stages::user_login::duration_secs;
use crate::ssr::typed::field_error;
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

/// The grant types a provider may allow (authentik 2026.5 names).
pub const GRANT_TYPES: [&str; 7] = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
    "implicit",
    "hybrid",
    "password",
];

// Unknown fields are refused by `typed::normalize`; `deny_unknown_fields` here would close the
// flattened request schema of the REST API.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OAuth2Settings {
    /// The flow a signed-in person goes through to grant access (e.g. consent); its pk.
    #[serde(default)]
    pub authorization_flow: String,
    /// The flow end-session runs; its pk.
    #[serde(default)]
    pub invalidation_flow: String,
    /// The flow for people not signed in yet; null: the default authentication flow.
    #[serde(default)]
    pub authentication_flow: Option<String>,
    /// Scope mappings offered (their pks).
    #[serde(default)]
    pub property_mappings: Vec<String>,
    /// `confidential` (has a secret) or `public` (PKCE instead).
    #[serde(default = "confidential")]
    pub client_type: String,
    /// What the client may do. Implicit, hybrid and password grants are off unless listed.
    #[serde(default = "default_grants")]
    pub grant_types: Vec<String>,
    #[serde(default = "one_minute")]
    pub access_code_validity: String,
    #[serde(default = "one_hour")]
    pub access_token_validity: String,
    #[serde(default = "thirty_days")]
    pub refresh_token_validity: String,
    #[serde(default = "zero")]
    pub refresh_token_threshold: String,
    #[serde(default = "yes")]
    pub include_claims_in_id_token: bool,
    /// A certificate-key pair's pk: RS256 or ES256 by its key; null signs with HS256 and the
    /// client secret, as authentik.
    #[serde(default)]
    pub signing_key: Option<String>,
    /// authentik encrypts tokens with this key; Ward does not (it must be null).
    #[serde(default)]
    pub encryption_key: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<RedirectUri>,
    /// Back-channel logout endpoint of the client, if it has one.
    #[serde(default)]
    pub logout_uri: String,
    #[serde(default = "backchannel")]
    pub logout_method: String,
    #[serde(default = "hashed_user_id")]
    pub sub_mode: String,
    #[serde(default = "per_provider")]
    pub issuer_mode: String,
    /// Dynamic client registration (RFC 7591) at `/application/o/<slug>/register/`: off unless
    /// set. Each registration creates a provider copied from this one, and its application.
    #[serde(default)]
    pub dynamic_client_registration: bool,
    /// The initial access token registrants present as `Authorization: Bearer <key>`: the
    /// identifier of an API token (`/core/tokens/`) whose owner may use this application.
    #[serde(default)]
    pub registration_token: Option<String>,
    #[serde(default)]
    pub jwt_federation_sources: Vec<String>,
    #[serde(default)]
    pub jwt_federation_providers: Vec<String>,
}

fn confidential() -> String {
    "confidential".into()
}
fn default_grants() -> Vec<String> {
    GRANT_TYPES[..4].iter().map(|g| g.to_string()).collect()
}
fn one_minute() -> String {
    "minutes=1".into()
}
fn one_hour() -> String {
    "hours=1".into()
}
fn thirty_days() -> String {
    "days=30".into()
}
fn zero() -> String {
    "seconds=0".into()
}
fn yes() -> bool {
    true
}
fn backchannel() -> String {
    "backchannel".into()
}
fn hashed_user_id() -> String {
    "hashed_user_id".into()
}
fn per_provider() -> String {
    "per_provider".into()
}

const SUB_MODES: [&str; 6] = [
    "hashed_user_id",
    "user_id",
    "user_uuid",
    "user_username",
    "user_email",
    "user_upn",
];

impl crate::ssr::typed::Settings for OAuth2Settings {
    fn check(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let mut fail = |field: &str, message: String| {
            errors.entry(field.to_string()).or_insert(message);
        };
        for (field, value) in [
            ("authorization_flow", &self.authorization_flow),
            ("invalidation_flow", &self.invalidation_flow),
        ] {
            if uuid::Uuid::parse_str(value).is_err() {
                fail(field, "Choose a flow (its pk).".into());
            }
        }
        if self
            .authentication_flow
            .as_deref()
            .is_some_and(|f| uuid::Uuid::parse_str(f).is_err())
        {
            fail(
                "authentication_flow",
                "Choose a flow (its pk) or none.".into(),
            );
        }
        if !["confidential", "public"].contains(&self.client_type.as_str()) {
            fail("client_type", "Choose confidential or public.".into());
        }
        if let Some(g) = self
            .grant_types
            .iter()
            .find(|g| !GRANT_TYPES.contains(&g.as_str()))
        {
            fail(
                "grant_types",
                format!(
                    "{g} is not a grant type; choose from {}.",
                    GRANT_TYPES.join(", ")
                ),
            );
        }
        for (field, value) in [
            ("access_code_validity", &self.access_code_validity),
            ("access_token_validity", &self.access_token_validity),
            ("refresh_token_validity", &self.refresh_token_validity),
        ] {
            match duration_secs(value) {
                Ok(Some(s)) if s > 0 => {}
                Ok(_) => fail(field, "Give a duration longer than zero.".into()),
                Err(e) => fail(field, e),
            }
        }
        if let Err(e) = duration_secs(&self.refresh_token_threshold) {
            fail("refresh_token_threshold", e);
        }
        if self
            .signing_key
            .as_deref()
            .is_some_and(|k| uuid::Uuid::parse_str(k).is_err())
        {
            fail(
                "signing_key",
                "Choose a certificate-key pair (its pk) or none.".into(),
            );
        }
        if self.encryption_key.is_some() {
            fail(
                "encryption_key",
                "Ward does not encrypt tokens; leave this empty.".into(),
            );
        }
        if self.redirect_uris.len() > 100 {
            fail("redirect_uris", "At most 100 redirect URIs.".into());
        }
        if let Some(p) = self.redirect_uris.iter().find_map(RedirectUri::problem) {
            fail("redirect_uris", p);
        }
        if !self.logout_uri.is_empty() {
            match url::Url::parse(&self.logout_uri) {
                Ok(u) if ["https", "http"].contains(&u.scheme()) => {}
                _ => fail(
                    "logout_uri",
                    "Give an http or https URL, or nothing.".into(),
                ),
            }
        }
        if !["backchannel", "frontchannel"].contains(&self.logout_method.as_str()) {
            fail(
                "logout_method",
                "Choose backchannel or frontchannel.".into(),
            );
        }
        if !SUB_MODES.contains(&self.sub_mode.as_str()) {
            fail(
                "sub_mode",
                format!("Choose one of {}.", SUB_MODES.join(", ")),
            );
        }
        if !["per_provider", "global"].contains(&self.issuer_mode.as_str()) {
            fail("issuer_mode", "Choose per_provider or global.".into());
        }
        if !self.jwt_federation_sources.is_empty() {
            fail(
                "jwt_federation_sources",
                "Ward has no OAuth sources yet; leave this empty.".into(),
            );
        }
        // OAuth2 providers whose access tokens this client accepts as JWT assertions.
        if self.jwt_federation_providers.len() > 100
            || self
                .jwt_federation_providers
                .iter()
                .any(|p| uuid::Uuid::parse_str(p).is_err())
        {
            fail(
                "jwt_federation_providers",
                "List at most 100 OAuth2 providers by their pks.".into(),
            );
        }
        if let Some((field, message)) = crate::ssr::oauth2::registration::settings_problem(
            self.dynamic_client_registration,
            self.registration_token.as_deref(),
        ) {
            fail(field, message);
        }
        if errors.is_empty() && self.property_mappings.iter().any(|m| m.len() > 64) {
            return field_error("property_mappings", "List scope mappings by their pks.");
        }
        errors
    }
}

impl Provider for OAuth2Settings {
    fn is_oauth_client(&self) -> bool {
        true
    }

    fn oauth2_settings(&self) -> Option<OAuth2Settings> {
        Some(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::typed::normalize;
    use serde_json::json;

    const FLOW: &str = "00000000-0000-0000-0000-000000000001";

    #[test]
    fn defaults_are_authentiks_and_dangerous_grants_are_off() {
        let config = normalize::<OAuth2Settings>(
            &json!({ "authorization_flow": FLOW, "invalidation_flow": FLOW }),
            "provider",
        )
        .expect("valid");
        assert_eq!(config["client_type"], "confidential");
        assert_eq!(config["sub_mode"], "hashed_user_id");
        assert_eq!(config["access_code_validity"], "minutes=1");
        let grants = config["grant_types"].as_array().expect("grants");
        assert!(!grants.contains(&json!("implicit")));
        assert!(!grants.contains(&json!("password")));
    }

    #[test]
    fn each_wrong_setting_is_named() {
        for (field, value) in [
            ("client_type", json!("secret")),
            ("grant_types", json!(["magic"])),
            ("access_token_validity", json!("fortnights=1")),
            ("access_code_validity", json!("seconds=0")),
            ("sub_mode", json!("user_ssn")),
            ("issuer_mode", json!("both")),
            ("encryption_key", json!(FLOW)),
            ("logout_uri", json!("javascript:alert(1)")),
            (
                "redirect_uris",
                json!([{ "matching_mode": "regex", "url": "(" }]),
            ),
            (
                "redirect_uris",
                json!([{ "matching_mode": "fuzzy", "url": "https://a/" }]),
            ),
            ("jwt_federation_sources", json!([FLOW])),
            ("jwt_federation_providers", json!(["not-a-pk"])),
        ] {
            let mut config = json!({ "authorization_flow": FLOW, "invalidation_flow": FLOW });
            config[field] = value;
            let errors = normalize::<OAuth2Settings>(&config, "provider").expect_err(field);
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let errors = normalize::<OAuth2Settings>(&json!({}), "provider").expect_err("flows");
        assert!(errors.contains_key("authorization_flow"));
        assert!(errors.contains_key("invalidation_flow"));
    }

    proptest::proptest! {
        #[test]
        fn garbage_settings_are_field_errors_not_panics(raw in ".{0,200}") {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&raw) {
                let _ = normalize::<OAuth2Settings>(&value, "provider");
            }
            let mut config = json!({ "authorization_flow": FLOW, "invalidation_flow": FLOW });
            config["redirect_uris"] = json!([{ "matching_mode": "regex", "url": raw }]);
            let _ = normalize::<OAuth2Settings>(&config, "provider");
        }
    }
}
