//! Who a client credentials grant signs in as (authentik's machine-to-machine authentication),
//! in authentik's order: a JWT assertion when `client_assertion_type` is given; a user's app
//! password when `username` is given; else the client's own secret, for its service account
//! `ak-<provider>-client_credentials`. With an app password or an assertion the client is only
//! named (its `client_id`): the app password or the JWT is the credential. Every check goes
//! through the throttle, and every refusal is an event.
use super::Endpoint;
use super::assertion::{self, ASSERTION_TYPE};
use super::client_auth::{self, authenticate};
use super::errors::{OAuthError, OAuthResult};
use app::ssr::events::{self, NewEvent, action};
use app::ssr::providers::clients::{self, OAuthClient};
use app::ssr::throttle::{self, Attempt, Verdict};
use app::ssr::{tokens, users};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

type Form = BTreeMap<String, String>;

/// How a client credentials request proves itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Secret,
    AppPassword,
    Assertion,
}

fn given<'f>(form: &'f Form, key: &str) -> Option<&'f str> {
    form.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

pub fn method(form: &Form) -> Method {
    if given(form, "client_assertion_type").is_some() {
        Method::Assertion
    } else if given(form, "username").is_some() {
        Method::AppPassword
    } else {
        Method::Secret
    }
}

/// The client, the user the tokens are for, and (for app passwords and assertions) the
/// context of the login event to record once the application's policies allowed the user.
pub struct SignedIn {
    pub client: Arc<OAuthClient>,
    pub user: Uuid,
    pub login: Option<Value>,
}

pub async fn sign_in(ep: &Endpoint<'_>, headers: &HeaderMap, form: &Form) -> OAuthResult<SignedIn> {
    let method = method(form);
    let client = match method {
        Method::Secret => authenticate(ep, headers, form, false).await?,
        _ => client_auth::identify(ep, headers, form).await?,
    };
    if !client.allows_grant("client_credentials") {
        return Err(OAuthError::unauthorized_client(
            "This client may not use the client credentials grant.",
        ));
    }
    match method {
        Method::Secret => {
            let user = clients::cached_service_account(ep.state, &client).await?;
            Ok(SignedIn {
                client,
                user,
                login: None,
            })
        }
        Method::AppPassword => app_password(ep, client, form).await,
        Method::Assertion => jwt(ep, client, headers, form).await,
    }
}

/// `username` + `password` (an app password of that user, unexpired; the user active).
async fn app_password(
    ep: &Endpoint<'_>,
    client: Arc<OAuthClient>,
    form: &Form,
) -> OAuthResult<SignedIn> {
    // A NUL cannot be stored, so no username has one: it is dropped for the throttle and
    // the event, and such a name is never looked up.
    let raw = given(form, "username").unwrap_or_default();
    let username = raw.replace('\0', "");
    let username = username.as_str();
    let password = given(form, "password").unwrap_or_default();
    // Both lookups always run: an unknown user and a wrong password look alike.
    let user = if raw.len() == username.len() {
        users::get_by_username(ep.pool, username).await?
    } else {
        None
    };
    let owner = if password.is_empty() {
        None
    } else {
        tokens::app_password_user(ep.pool, password).await?
    };
    let user = user.filter(|u| u.is_active && owner == Some(u.id));
    let attempt = Attempt {
        username,
        ip: ep.client.ip,
    };
    let verdict = throttle::check_secret(ep.pool, attempt, user.is_some()).await?;
    match (verdict, user) {
        (Verdict::Valid, Some(user)) => Ok(SignedIn {
            login: Some(json!({
                "auth_method": "token",
                "auth_method_args": { "username": user.username },
            })),
            client,
            user: user.id,
        }),
        (Verdict::Wait(s), _) => {
            refused(ep, &client, "app_password", "throttled", username).await;
            Err(OAuthError::invalid_grant(throttle::wait_message(s)))
        }
        _ => {
            refused(
                ep,
                &client,
                "app_password",
                "wrong username or app password",
                username,
            )
            .await;
            Err(OAuthError::invalid_grant(
                "The username or app password is wrong, expired, or the user may not sign in.",
            ))
        }
    }
}

/// `client_assertion_type` + `client_assertion` (or the JWT as the client secret).
async fn jwt(
    ep: &Endpoint<'_>,
    client: Arc<OAuthClient>,
    headers: &HeaderMap,
    form: &Form,
) -> OAuthResult<SignedIn> {
    if given(form, "client_assertion_type") != Some(ASSERTION_TYPE) {
        refused(ep, &client, "jwt", "unsupported client_assertion_type", "").await;
        return Err(OAuthError::invalid_client(format!(
            "The only client_assertion_type supported is {ASSERTION_TYPE}."
        )));
    }
    let secret = client_auth::credentials(headers, form)?.and_then(|c| c.client_secret);
    let Some(jwt) = given(form, "client_assertion").or(secret.as_deref().filter(|s| !s.is_empty()))
    else {
        refused(ep, &client, "jwt", "no client_assertion", "").await;
        return Err(OAuthError::invalid_request(
            "The request has no client_assertion.",
        ));
    };
    let checked = assertion::federated(ep, &client, jwt).await?;
    let attempt = Attempt {
        username: &client.client_id,
        ip: ep.client.ip,
    };
    let verdict = throttle::check_secret(ep.pool, attempt, checked.is_ok()).await?;
    match (verdict, checked) {
        (Verdict::Valid, Ok(f)) => Ok(SignedIn {
            login: Some(json!({
                "auth_method": "jwt",
                "auth_method_args": { "jwt": f.claims, "provider": f.issuer },
            })),
            client,
            user: f.user,
        }),
        (Verdict::Wait(s), _) => {
            refused(ep, &client, "jwt", "throttled", "").await;
            Err(OAuthError::invalid_grant(throttle::wait_message(s)))
        }
        (_, checked) => {
            let reason = checked.err().map_or("refused", assertion::Refusal::reason);
            refused(ep, &client, "jwt", reason, "").await;
            Err(OAuthError::invalid_grant(
                "The client assertion is invalid, expired, revoked, or not issued by a federated provider.",
            ))
        }
    }
}

/// A refused machine sign-in: a failed login, with why.
async fn refused(ep: &Endpoint<'_>, client: &OAuthClient, method: &str, reason: &str, who: &str) {
    let event = NewEvent {
        action: action::LOGIN_FAILED,
        user: None,
        client_ip: Some(ep.client.ip),
        context: json!({
            "auth_method": method,
            "reason": reason,
            "username": who.chars().take(150).collect::<String>(),
            "client_id": client.client_id,
            "application": client.application.slug,
        }),
    };
    if let Err(e) = events::record(ep.pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
}

/// The login event of a machine sign-in the application's policies allowed.
pub async fn record_login(
    ep: &Endpoint<'_>,
    client: &OAuthClient,
    user: &users::User,
    mut context: Value,
) {
    if let Value::Object(m) = &mut context {
        m.insert("client_id".into(), json!(client.client_id));
        m.insert("application".into(), json!(client.application.slug));
    }
    let event = NewEvent {
        action: action::LOGIN,
        user: Some((user.id, &user.username)),
        client_ip: Some(ep.client.ip),
        context,
    };
    if let Err(e) = events::record(ep.pool, event).await {
        tracing::error!(error = %e, "could not record event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_method_follows_authentiks_order() {
        assert_eq!(method(&form(&[("client_secret", "s")])), Method::Secret);
        assert_eq!(method(&form(&[("username", "")])), Method::Secret);
        assert_eq!(
            method(&form(&[("username", "bo"), ("password", "p")])),
            Method::AppPassword
        );
        assert_eq!(
            method(&form(&[("username", "bo"), ("client_assertion_type", "x")])),
            Method::Assertion
        );
    }
}
