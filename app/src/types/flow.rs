//! What the flow executor sends to the page (`Challenge`) and how errors travel with it.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message, shown next to the field. The key `""` holds a form-wide message.
pub type FieldErrors = BTreeMap<String, String>;

/// One input of a prompt stage, as the page renders it. Stored and shown in the API under
/// authentik's prompt field names (`field_key`, `type`); the old names are still read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromptField {
    #[serde(rename = "field_key", alias = "name")]
    pub name: String,
    pub label: String,
    #[serde(rename = "type", alias = "kind")]
    pub kind: PromptKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub placeholder: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PromptKind {
    Text,
    Username,
    Email,
    Password,
    Checkbox,
}

impl PromptKind {
    pub fn input_type(self) -> &'static str {
        match self {
            Self::Text | Self::Username => "text",
            Self::Email => "email",
            Self::Password => "password",
            Self::Checkbox => "checkbox",
        }
    }

    pub fn autocomplete(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Password => "new-password",
            Self::Text | Self::Checkbox => "off",
        }
    }
}

/// What the browser must show or do next. Each variant has one stage component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "component", rename_all = "snake_case")]
pub enum Challenge {
    Identification {
        /// Which identifiers are accepted, e.g. ["username", "email"].
        user_fields: Vec<String>,
        uid: String,
        /// Passkey autofill: WebAuthn request options (conditional mediation), when offered.
        #[serde(default)]
        passkey: Option<String>,
        /// The passwordless flow to link to ("Sign in with a passkey"), when there is one.
        #[serde(default)]
        passwordless_url: Option<String>,
    },
    Password {
        pending_user: String,
    },
    Prompt {
        fields: Vec<PromptField>,
        /// Values entered before, so a failed submit keeps them (never passwords).
        values: BTreeMap<String, String>,
    },
    AccessDenied {
        message: String,
    },
    /// Enroll an authenticator app: scan the QR code (or type the secret), then enter a code.
    TotpSetup {
        /// The `otpauth://` URI the QR code holds.
        uri: String,
        /// The secret in base32, for typing it in.
        secret: String,
        /// The QR code, an SVG drawn by the server.
        qr_svg: String,
        digits: u8,
    },
    /// New recovery codes, shown this once, to be saved before going on.
    StaticSetup {
        codes: Vec<String>,
    },
    /// Enroll a security key or passkey: WebAuthn creation options for the browser.
    WebauthnSetup {
        options: String,
    },
    /// Enroll an email address: enter the code sent to it (`sent_to`, masked), or first give an
    /// address when the account has none (`sent_to` empty).
    EmailSetup {
        sent_to: Option<String>,
    },
    /// Prove a second factor with one of the device classes the user has (`totp`, …): the one
    /// `selected`, the others offered as alternatives.
    AuthenticatorValidate {
        classes: Vec<String>,
        selected: String,
        /// Where an email code went (masked), when `selected` is `email`.
        #[serde(default)]
        sent_to: Option<String>,
        /// The account has no device yet: `classes` are the ones it may set up now.
        #[serde(default)]
        enroll: bool,
        /// WebAuthn request options, when `selected` is `webauthn`.
        #[serde(default)]
        webauthn: Option<String>,
    },
    /// Allow an application what it asks for: the scopes (name, description) allowed before and
    /// those it asks for now besides (`additional`, empty the first time).
    Consent {
        application: String,
        permissions: Vec<(String, String)>,
        additional: Vec<(String, String)>,
    },
    /// Enter the code a device shows (authentik's `ak-provider-oauth2-device-code`): one `code`
    /// field.
    DeviceCode,
    /// The device is signed in to `application`; the page may be closed (authentik's
    /// `ak-provider-oauth2-device-code-finish`).
    DeviceCodeFinish {
        application: String,
    },
    Redirect {
        to: String,
    },
}

/// The page's whole state: which flow, which challenge, and the errors of the last submit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowView {
    pub slug: String,
    pub title: String,
    pub challenge: Challenge,
    pub errors: FieldErrors,
}

/// Outcome of loading a flow page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FlowLoad {
    Found(FlowView),
    NotFound,
}
