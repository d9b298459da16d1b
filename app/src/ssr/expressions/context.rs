//! The plain data an expression sees, filled by the caller. The interpreter never touches the
//! database: whatever needs it goes through [`Host`].
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A user as expressions see it (`user`, `request.user`, `pending_user`, `ak_user_by`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserView {
    /// authentik's integer primary key; Ward passes its own id here.
    pub pk: Value,
    pub uid: String,
    pub uuid: String,
    pub username: String,
    pub email: String,
    pub name: String,
    pub is_active: bool,
    pub is_superuser: bool,
    /// `internal`, `external`, `service_account`…
    pub user_type: String,
    pub attributes: Value,
    pub groups: Vec<GroupView>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupView {
    pub pk: Value,
    pub name: String,
    pub is_superuser: bool,
    pub attributes: Value,
}

/// The HTTP request behind `request.http_request`.
#[derive(Debug, Clone, Default)]
pub struct HttpView {
    /// The client address as Ward resolved it (trusted proxies applied): `META["REMOTE_ADDR"]`.
    pub remote_addr: Option<String>,
    pub method: String,
    pub path: String,
    pub host: String,
    /// Header names as the client sent them; they also appear in `META` as `HTTP_…`.
    pub headers: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
}

/// Everything one evaluation reads.
#[derive(Debug, Clone)]
pub struct Context {
    /// `request.user` and `user`; `None` is the anonymous user.
    pub user: Option<UserView>,
    pub http: HttpView,
    /// `request.obj`: the application (or other object) being accessed, its fields as attributes.
    pub obj: Option<Value>,
    /// `request.context` (prompt_data, flow_plan, arbitrary keys); a JSON object.
    pub context: Map<String, Value>,
    /// Put into `request.context["pending_user"]` as a user object.
    pub pending_user: Option<UserView>,
    /// Put into `request.context["application"]` as an object.
    pub application: Option<Value>,
    /// The clock `datetime.now()` reads, at the offset naive times should use (the server's
    /// local offset; the caller knows it, the default is UTC).
    pub now: time::OffsetDateTime,
}

impl Default for Context {
    fn default() -> Self {
        Self {
            user: None,
            http: HttpView::default(),
            obj: None,
            context: Map::new(),
            pending_user: None,
            application: None,
            now: time::OffsetDateTime::now_utc(),
        }
    }
}

/// The result of `ak_call_policy`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyCall {
    pub passing: bool,
    pub messages: Vec<String>,
}

/// What expressions may ask of the outside world. Implemented over the database by the caller and
/// over fixtures in tests. Errors are shown to the admin as the expression's error.
#[async_trait::async_trait]
pub trait Host: Send + Sync {
    /// `ak_user_by(**filters)`: the first user matching every filter (`username=`, `email=`, `pk=`…).
    async fn user_by(&self, filters: &Map<String, Value>) -> Result<Option<UserView>, String>;
    /// `ak_call_policy(name, **kwargs)`: runs another policy by name for the same request.
    async fn call_policy(
        &self,
        name: &str,
        kwargs: &Map<String, Value>,
    ) -> Result<PolicyCall, String>;
}

/// A host with no database: `ak_user_by` finds nobody and `ak_call_policy` knows no policy.
pub struct NoHost;

#[async_trait::async_trait]
impl Host for NoHost {
    async fn user_by(&self, _: &Map<String, Value>) -> Result<Option<UserView>, String> {
        Ok(None)
    }
    async fn call_policy(&self, name: &str, _: &Map<String, Value>) -> Result<PolicyCall, String> {
        Err(format!("no policy named {name:?}"))
    }
}

/// What an evaluation returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The returned value as JSON: dicts, lists, strings, numbers; other objects as their `repr`.
    pub value: Value,
    /// Python truthiness of the returned value (a policy passes on true).
    pub truthy: bool,
    /// `ak_message(…)` calls, in order: shown to the person.
    pub messages: Vec<String>,
    /// `ak_logger.…` lines and `print` output: for the admin's execution log.
    pub logs: Vec<String>,
}

impl Outcome {
    pub fn truthy(&self) -> bool {
        self.truthy
    }
}
