//! The admin screen's view of outposts.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutpostView {
    pub id: String,
    pub name: String,
    /// `proxy`, `ldap`, `radius` or `rac`.
    pub kind: String,
    /// The embedded outpost (runs inside Ward; cannot be deleted or renamed).
    pub embedded: bool,
    /// The providers it serves: (pk, name).
    pub providers: Vec<(String, String)>,
    /// What the form edits.
    pub form: OutpostFormData,
    /// The instances that reported in the last two minutes, most recent first.
    pub healthy: Vec<InstanceView>,
}

/// One running instance, as it last reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceView {
    pub uid: String,
    pub hostname: String,
    pub version: String,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub last_seen: String,
    /// Its version is not this Ward's.
    pub outdated: bool,
}

/// An outpost as the form edits it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutpostFormData {
    pub name: String,
    pub kind: String,
    /// Provider pks.
    pub providers: Vec<String>,
    /// The config as JSON text (an object).
    pub config: String,
}

/// What the form's pickers offer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutpostChoices {
    pub providers: Vec<ProviderChoice>,
    /// authentik's default config with this server as `authentik_host`, as JSON text.
    pub default_config: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderChoice {
    pub id: String,
    pub name: String,
    /// `providers.kind`: an outpost serves providers of its own type.
    pub kind: String,
    /// Its application's name, "" when it has none (it then serves nothing).
    pub application: String,
}

/// How to run a remote outpost: the environment `ward outpost proxy` reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub name: String,
    /// `AUTHENTIK_HOST`: the outpost's `authentik_host`, else this server.
    pub host: String,
    /// `AUTHENTIK_INSECURE`: `authentik_host_insecure`.
    pub insecure: bool,
    /// The identifier of its API token (`AUTHENTIK_TOKEN` is that token's key).
    pub token_identifier: String,
}
