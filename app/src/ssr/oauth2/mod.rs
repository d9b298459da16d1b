//! OAuth2 / OpenID Connect, the parts the flow engine and the portal share with the protocol
//! endpoints (`server/src/protocols/oauth2/`): the authorization a flow is asked to approve,
//! the scopes Ward offers, and the consents users gave.
pub mod cache;
pub mod consents;
pub mod device;
pub mod registration;
pub mod scopes;

use crate::ssr::Result;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

/// Where an approved authorization waits for the authorize endpoint to come back to it.
const APPROVED_KEY: &str = "ward.oauth2.approved";

/// An authorization request waiting for its application's authorization flow (consent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Authorization {
    pub application: Uuid,
    pub application_name: String,
    pub application_slug: String,
    /// The scopes asked for (and offered by the provider).
    pub scopes: Vec<String>,
    /// What the consent page says of each scope that has a description: (scope, text).
    #[serde(default)]
    pub descriptions: Vec<(String, String)>,
    /// `prompt=consent`: show the consent even when one is remembered.
    pub force_consent: bool,
    /// Identifies the request (a digest of its parameters): an approval is for it alone.
    pub request: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Approved {
    request: String,
    user: Uuid,
}

impl Authorization {
    /// The described scopes among `scopes`, as the consent page lists them.
    pub fn described(&self, scopes: &[String]) -> Vec<(String, String)> {
        self.descriptions
            .iter()
            .filter(|(s, _)| scopes.contains(s))
            .cloned()
            .collect()
    }
}

/// Called when a flow planned for `auth` completed: the request is approved for `user`.
pub async fn approve(session: &Session, auth: &Authorization, user: Uuid) -> Result<()> {
    let approved = Approved {
        request: auth.request.clone(),
        user,
    };
    session.insert(APPROVED_KEY, approved).await?;
    Ok(())
}

/// Whether the request `request` was approved for `user` by a completed flow; the approval is
/// used up by asking.
pub async fn take_approval(session: &Session, request: &str, user: Uuid) -> Result<bool> {
    let Some(a) = session.get::<Approved>(APPROVED_KEY).await? else {
        return Ok(false);
    };
    if a.request != request || a.user != user {
        return Ok(false);
    }
    session.remove::<Approved>(APPROVED_KEY).await?;
    Ok(true)
}
