//! What a remote outpost (`ward outpost proxy`) asks of Ward over the API: the proxy providers
//! it serves with their OAuth2 clients' secrets (authentik's `outposts/proxy/`), and the
//! reports its instances send (the health the admin's Outposts screen shows).
use super::{Served, served};
use crate::ssr::Result;
use crate::ssr::providers::clients;
use crate::types::flow::FieldErrors;
use sqlx::PgPool;
use uuid::Uuid;

/// A provider as a remote outpost needs it: what the embedded outpost reads, and the secret
/// its OAuth2 client redeems codes with.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    pub served: Served,
    pub client_secret: String,
}

/// The proxy providers `outpost` serves (every proxy provider when None, for a superuser).
pub async fn proxy_configs(
    pool: &PgPool,
    secret_key: &str,
    outpost: Option<Uuid>,
) -> Result<Vec<ProxyConfig>> {
    let mut out = Vec::new();
    for s in served(pool, outpost).await? {
        let client_secret = clients::by_client_id(pool, secret_key, &s.client_id)
            .await?
            .map(|c| c.client_secret)
            .unwrap_or_default();
        out.push(ProxyConfig {
            served: s,
            client_secret,
        });
    }
    Ok(out)
}

/// What one running instance of an outpost says of itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Stable for the life of the process (authentik's instance `uid`).
    pub uid: String,
    pub hostname: String,
    pub version: String,
    /// False when the instance is stopping: it is forgotten at once, not after a timeout.
    pub running: bool,
}

fn text_problem(value: &str, max: usize) -> Option<String> {
    if value.chars().count() > max {
        Some(format!("At most {max} characters."))
    } else if value.chars().any(char::is_control) {
        Some("Control characters are not allowed.".into())
    } else {
        None
    }
}

/// Field errors in a report (the uid is required).
pub fn check(r: &Report) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if r.uid.trim().is_empty() {
        errors.insert("uid".into(), "This field is required.".into());
    }
    for (field, value, max) in [
        ("uid", &r.uid, 255),
        ("hostname", &r.hostname, 255),
        ("version", &r.version, 64),
    ] {
        if let Some(m) = text_problem(value, max) {
            errors.entry(field.into()).or_insert(m);
        }
    }
    errors
}

/// Records a checked report: the instance is seen now, or gone when it stops.
pub async fn report(pool: &PgPool, outpost: Uuid, r: &Report) -> Result<()> {
    if r.running {
        sqlx::query(
            "insert into outpost_states (outpost_id, uid, hostname, version, last_seen)
             values ($1, $2, $3, $4, now())
             on conflict (outpost_id, uid) do update set
               hostname = excluded.hostname, version = excluded.version, last_seen = now()",
        )
        .bind(outpost)
        .bind(&r.uid)
        .bind(&r.hostname)
        .bind(&r.version)
        .execute(pool)
        .await?;
    } else {
        sqlx::query("delete from outpost_states where outpost_id = $1 and uid = $2")
            .bind(outpost)
            .bind(&r.uid)
            .execute(pool)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_report_needs_a_uid_and_plain_short_text() {
        let ok = Report {
            uid: "host-1a2b".into(),
            hostname: "host".into(),
            version: "0.1.0".into(),
            running: true,
        };
        assert!(check(&ok).is_empty());
        let empty = Report::default();
        assert_eq!(
            check(&empty).get("uid").map(String::as_str),
            Some("This field is required.")
        );
        let bad = Report {
            hostname: "a\nb".into(),
            version: "v".repeat(65),
            ..ok
        };
        let errors = check(&bad);
        assert!(errors.contains_key("hostname"));
        assert!(errors.contains_key("version"));
    }

    proptest! {
        #[test]
        fn any_report_is_checked_without_panicking(uid in ".{0,300}", host in ".{0,300}") {
            let _ = check(&Report { uid, hostname: host, ..Default::default() });
        }
    }
}
