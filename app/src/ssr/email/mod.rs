//! Email: SMTP settings, templates, and the queue job that sends, so a slow or failing SMTP
//! server never holds up a request.
pub mod send;
pub mod templates;

use crate::ssr::Result;
use crate::ssr::jobs::queue;
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use crate::types::system::EmailView;
use crate::types::validated::Email;
use serde_json::{Map, Value, json};
use sqlx::PgExecutor;
use std::path::PathBuf;
use std::time::Duration;

pub const SEND_EMAIL: &str = "send_email";

/// SMTP settings (WARD_EMAIL__*, named after authentik's AUTHENTIK_EMAIL__*).
#[derive(Clone)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// STARTTLS after connecting.
    pub use_tls: bool,
    /// TLS from the first byte (SMTPS).
    pub use_ssl: bool,
    pub timeout: Duration,
    pub from: String,
    /// Where `<name>.html` / `<name>.txt` override the built-in templates.
    pub template_dir: PathBuf,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("use_tls", &self.use_tls)
            .field("use_ssl", &self.use_ssl)
            .finish_non_exhaustive()
    }
}

impl EmailConfig {
    /// What admins see: everything but the password.
    pub fn view(&self) -> EmailView {
        EmailView {
            host: self.host.clone(),
            port: self.port,
            username: self.username.clone().unwrap_or_default(),
            password_set: self.password.is_some(),
            use_tls: self.use_tls,
            use_ssl: self.use_ssl,
            timeout_secs: self.timeout.as_secs(),
            from: self.from.clone(),
        }
    }
}

/// Queues an email built from `template` with `vars`; a bad address is a field error on
/// `field`.
pub async fn queue(
    db: impl PgExecutor<'_>,
    field: &str,
    to: &str,
    subject: &str,
    template: &str,
    vars: Map<String, Value>,
) -> Result<Saved<i64>> {
    let to = match Email::parse(to) {
        Ok(e) => e,
        Err(m) => return Ok(Saved::Invalid(FieldErrors::from([(field.into(), m)]))),
    };
    let payload =
        json!({ "to": to.as_str(), "subject": subject, "template": template, "vars": vars });
    Ok(Saved::Ok(queue::enqueue(db, SEND_EMAIL, payload).await?))
}
