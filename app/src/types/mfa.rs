//! MFA devices as the portal and the admin list them.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceRow {
    pub id: String,
    /// authentik's device class: `totp`, `static`, `webauthn`, `email`.
    pub class: String,
    pub name: String,
    /// RFC 3339.
    pub created: String,
    pub last_used: Option<String>,
}

impl DeviceRow {
    /// The class as people call it.
    pub fn kind(&self) -> &'static str {
        class_label(&self.class)
    }
}

/// A device class (authentik's name) as people call it.
pub fn class_label(class: &str) -> &'static str {
    match class {
        "totp" => "Authenticator app",
        "static" => "Recovery codes",
        "webauthn" => "Security key or passkey",
        "email" => "Email code",
        _ => "Other",
    }
}
