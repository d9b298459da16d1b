//! What the outpost endpoints need from where they run. The embedded outpost reads Ward's
//! database through this process's caches (`embedded`); a remote outpost asks Ward's API and
//! keeps its sessions in memory (`remote`). The endpoints (`check`, `signin`, `serve`) are one
//! code for both, so the contract cannot drift between them.
use app::ssr::Result;
use app::ssr::outposts::{Outposted, Served};
use app::ssr::providers::proxy::sessions::CheckedSession;
use axum::http::HeaderMap;
use ipnetwork::IpNetwork;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// Something an admin should learn of.
pub enum Notice<'a> {
    /// A reverse proxy sent a check Ward cannot read.
    ConfigurationError(&'a str),
    /// A signed-in user the application's policies refuse.
    AccessDenied {
        p: &'a Served,
        checked: &'a CheckedSession,
    },
}

/// A session a sign-in created: the cookie's value and its lifetime in seconds.
pub struct NewCookie {
    pub value: String,
    pub max_age: i64,
}

pub trait Backend: Clone + Send + Sync + 'static {
    /// The proxies whose forwarded headers are believed.
    fn trusted_proxies(&self) -> &[IpNetwork];

    /// The key sign-in states are sealed with.
    fn state_key(&self) -> &str;

    /// Where browsers sign in, without a trailing slash.
    fn browser_host(&self, outposted: &Outposted) -> String;

    /// The outpost and the providers it serves.
    fn outposted(&self) -> impl Future<Output = Result<Arc<Outposted>>> + Send;

    /// The live session of provider `p` a proxy cookie's value names.
    fn session(
        &self,
        p: &Served,
        cookie: &str,
    ) -> impl Future<Output = Result<Option<Arc<CheckedSession>>>> + Send;

    /// The session an `Authorization` header stands for (header authentication); None when it
    /// does not authenticate.
    fn header_session(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
        p: &Served,
        value: &str,
    ) -> impl Future<Output = Result<Option<Arc<CheckedSession>>>> + Send;

    /// Redeems the code the authorize endpoint sent back to `redirect_uri` and stores the
    /// session; None when the code is refused (bad, used, or the user may not use the
    /// application).
    fn sign_in(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
        outposted: &Outposted,
        p: &Served,
        code: &str,
        redirect_uri: &str,
    ) -> impl Future<Output = Result<Option<NewCookie>>> + Send;

    /// Ends the session a cookie's value names.
    fn sign_out(&self, cookie: &str) -> impl Future<Output = Result<()>> + Send;

    /// Records `notice`: an event in Ward, a log line in a remote outpost.
    fn record(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
        notice: Notice<'_>,
    ) -> impl Future<Output = ()> + Send;
}
