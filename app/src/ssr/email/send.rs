//! The `send_email` job: renders the template and hands the message to the SMTP server. An
//! error makes the job retry later (the queue's backoff); success is an `email_sent` event.
use super::{EmailConfig, templates};
use crate::ssr::events::{self, NewEvent};
use crate::ssr::jobs::Job;
use crate::ssr::{Error, Result};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{Map, json};
use sqlx::PgPool;

pub async fn run(pool: &PgPool, cfg: &EmailConfig, job: &Job) -> Result<()> {
    let field = |name: &str| {
        job.payload[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::internal(format!("the job has no {name}")))
    };
    let (to, subject, template) = (field("to")?, field("subject")?, field("template")?);
    let vars = job.payload["vars"]
        .as_object()
        .cloned()
        .unwrap_or_else(Map::new);
    let (html, text) = templates::load(&cfg.template_dir, &template)
        .ok_or_else(|| Error::internal(format!("no email template {template:?}")))?;
    let from: Mailbox = cfg
        .from
        .parse()
        .map_err(|e| Error::internal(format!("WARD_EMAIL__FROM: {e}")))?;
    let to_box: Mailbox = to
        .parse()
        .map_err(|e| Error::internal(format!("recipient {to}: {e}")))?;
    let message = Message::builder()
        .from(from)
        .to(to_box)
        .subject(subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            templates::render(&text, &vars, false),
            templates::render(&html, &vars, true),
        ))
        .map_err(|e| Error::internal(format!("building the message: {e}")))?;
    transport(cfg)?
        .send(message)
        .await
        .map_err(|e| Error::internal(format!("SMTP {}:{}: {e}", cfg.host, cfg.port)))?;
    events::record(
        pool,
        NewEvent {
            action: events::action::EMAIL_SENT,
            user: None,
            client_ip: None,
            context: json!({ "to": to, "subject": subject, "template": template }),
        },
    )
    .await
}

fn transport(cfg: &EmailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let tls_error = |e: lettre::transport::smtp::Error| Error::internal(format!("TLS setup: {e}"));
    let builder = if cfg.use_ssl {
        AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host).map_err(tls_error)?
    } else if cfg.use_tls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host).map_err(tls_error)?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
    };
    let mut builder = builder.port(cfg.port).timeout(Some(cfg.timeout));
    if let Some(user) = &cfg.username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            cfg.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}
