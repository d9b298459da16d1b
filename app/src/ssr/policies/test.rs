//! The admin's "test" action: runs one policy for a chosen user, with chosen context values
//! and client address, and answers what it decided, said and logged (authentik's
//! `policies/all/{pk}/test/`).
use super::engine::{self, Stored};
use super::{Request, Verdict};
use crate::ssr::Result;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value};
use sqlx::PgPool;
use std::net::IpAddr;
use uuid::Uuid;

/// What to test a policy with.
#[derive(Clone, Debug, Default)]
pub struct Trial {
    pub user: Uuid,
    /// Put into `request.context`; an `ip` key also sets the client address.
    pub context: Map<String, Value>,
}

/// The request a trial stands for, or field errors (`context` for an unreadable `ip`).
pub fn request(trial: &Trial) -> std::result::Result<Request, FieldErrors> {
    let client_ip = match trial.context.get("ip") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().parse::<IpAddr>().map_err(|_| {
            crate::ssr::typed::field_error("context", "ip: give an IPv4 or IPv6 address.")
        })?),
        Some(_) => {
            return Err(crate::ssr::typed::field_error(
                "context",
                "ip: give an IPv4 or IPv6 address as text.",
            ));
        }
    };
    Ok(Request {
        user: Some(trial.user),
        client_ip,
        context: trial.context.clone(),
        ..Request::default()
    })
}

/// Runs the policy `id` (None: no such policy) as a binding with its defaults would.
pub async fn run(pool: &PgPool, id: Uuid, request: &Request) -> Result<Option<Verdict>> {
    let Some(row) = sqlx::query!("select name, kind, config from policies where id = $1", id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let stored = Stored {
        name: &row.name,
        kind: &row.kind,
        config: &row.config,
    };
    Ok(Some(
        engine::run_policy(pool, &stored, request, 30, false).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_ip_key_sets_the_client_address_or_is_a_field_error() {
        let trial = |ip: Value| Trial {
            user: Uuid::nil(),
            context: Map::from_iter([("ip".to_string(), ip)]),
        };
        let ok = request(&trial(json!(" 192.0.2.7 "))).expect("address");
        assert_eq!(ok.client_ip, Some("192.0.2.7".parse().expect("ip")));
        assert_eq!(ok.context["ip"], " 192.0.2.7 ");
        assert!(
            request(&trial(json!("10.0.0")))
                .expect_err("bad")
                .contains_key("context")
        );
        assert!(
            request(&trial(json!(7)))
                .expect_err("number")
                .contains_key("context")
        );
        assert_eq!(request(&trial(Value::Null)).expect("null").client_ip, None);
    }

    proptest::proptest! {
        #[test]
        fn any_ip_text_is_an_address_or_a_field_error(raw in proptest::prelude::any::<String>()) {
            let trial = Trial {
                user: Uuid::nil(),
                context: Map::from_iter([("ip".to_string(), Value::String(raw.clone()))]),
            };
            match request(&trial) {
                Ok(r) => proptest::prop_assert_eq!(r.client_ip, raw.trim().parse::<IpAddr>().ok()),
                Err(e) => proptest::prop_assert!(e.contains_key("context")),
            }
        }
    }
}
