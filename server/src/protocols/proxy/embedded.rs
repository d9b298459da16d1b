//! The embedded outpost: the outpost endpoints inside `ward`, reading the database through this
//! process's caches. A warm check (a known cookie) reads no SQL: the provider table and the
//! session come from the caches, which every change in the database clears (see
//! `app::ssr::oauth2::cache`).
use super::backend::{Backend, NewCookie, Notice};
use super::header_auth;
use crate::protocols::oauth2::{Endpoint, token, validity};
use app::ssr::AppState;
use app::ssr::applications;
use app::ssr::client::ClientInfo;
use app::ssr::crypto::secret;
use app::ssr::events::{self, NewEvent, action};
use app::ssr::outposts::{self, Outposted, Served};
use app::ssr::providers::clients;
use app::ssr::providers::proxy::sessions::{self, CheckedSession};
use axum::http::HeaderMap;
use ipnetwork::IpNetwork;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Database lookups the checks made (cache misses): a warm check adds none.
static LOOKUPS: AtomicU64 = AtomicU64::new(0);

pub fn database_lookups() -> u64 {
    LOOKUPS.load(Ordering::Relaxed)
}

fn looked_up() {
    LOOKUPS.fetch_add(1, Ordering::Relaxed);
}

impl Backend for AppState {
    fn trusted_proxies(&self) -> &[IpNetwork] {
        &self.settings.trusted_proxies
    }

    fn state_key(&self) -> &str {
        &self.settings.secret_key
    }

    /// The outpost's `authentik_host`, else Ward's public URL.
    fn browser_host(&self, outposted: &Outposted) -> String {
        outposted
            .outpost
            .browser_host()
            .unwrap_or_else(|| self.settings.public_url.trim_end_matches('/').to_string())
    }

    async fn outposted(&self) -> app::ssr::Result<Arc<Outposted>> {
        if let Some(id) = self.oauth2.embedded_outpost()
            && let Some(hit) = self.oauth2.outposted(id)
        {
            return Ok(hit);
        }
        looked_up();
        outposts::cached_embedded(self).await
    }

    async fn session(
        &self,
        p: &Served,
        value: &str,
    ) -> app::ssr::Result<Option<Arc<CheckedSession>>> {
        let key = secret::digest(value);
        if let Some(hit) = self.oauth2.proxy_session(&key) {
            // A cookie copied under another provider's name is not that provider's session.
            return Ok((hit.session.provider_id == p.provider_id).then_some(hit));
        }
        looked_up();
        let Some(session) =
            sessions::load(&self.pool, &self.settings.secret_key, p.provider_id, value).await?
        else {
            return Ok(None);
        };
        let Some(client) = clients::cached(self, &p.client_id).await? else {
            return Ok(None);
        };
        let verdict = applications::check_access(
            &self.pool,
            &client.application,
            Some(session.user_id),
            None,
        )
        .await?;
        let checked = Arc::new(CheckedSession {
            session,
            refused: verdict.refusal(),
        });
        self.oauth2.put_proxy_session(key, checked.clone());
        Ok(Some(checked))
    }

    async fn header_session(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
        p: &Served,
        value: &str,
    ) -> app::ssr::Result<Option<Arc<CheckedSession>>> {
        header_auth::identify(self, peer, headers, p, value).await
    }

    async fn sign_in(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
        outposted: &Outposted,
        p: &Served,
        code: &str,
        redirect_uri: &str,
    ) -> app::ssr::Result<Option<NewCookie>> {
        let Some(client) = clients::cached(self, &p.client_id).await? else {
            return Ok(None);
        };
        // The tokens are Ward's (issuer, JWKS), not the application host's the callback came on.
        let mut ep = Endpoint::new(self, peer, headers, None);
        ep.origin = self.browser_host(outposted);
        let redeemed = match token::redeem_code(&ep, &client, code, Some(redirect_uri), None).await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(error = ?e, provider = %p.name, "proxy sign-in refused");
                return Ok(None);
            }
        };
        let field = |k: &str| redeemed.response.get(k).and_then(Value::as_str);
        let (Some(access), Some(claims)) = (
            field("access_token"),
            field("id_token").and_then(token::payload),
        ) else {
            return Err(app::ssr::Error::internal(
                "the code exchange gave no ID token",
            ));
        };
        let ttl = validity(&p.settings.access_token_validity, 3600);
        let value = sessions::create(
            &self.pool,
            &self.settings.secret_key,
            &sessions::NewSession {
                provider_id: p.provider_id,
                user_id: redeemed.user_id,
                session_id: redeemed.session_id,
                claims: &claims,
                token: access,
                ttl_secs: ttl,
            },
        )
        .await?;
        Ok(Some(NewCookie {
            value,
            max_age: ttl,
        }))
    }

    async fn sign_out(&self, cookie: &str) -> app::ssr::Result<()> {
        sessions::end(&self.pool, cookie).await?;
        // The session's cache entry goes with the notice the delete sends; this process's now.
        self.oauth2.clear();
        Ok(())
    }

    async fn record(&self, peer: SocketAddr, headers: &HeaderMap, notice: Notice<'_>) {
        let info = ClientInfo::from_request(peer, headers, &self.settings.trusted_proxies);
        let event = match notice {
            Notice::ConfigurationError(what) => NewEvent {
                action: action::CONFIGURATION_ERROR,
                user: None,
                client_ip: Some(info.ip),
                context: serde_json::json!({ "message": what, "source": "proxy outpost" }),
            },
            Notice::AccessDenied { p, checked } => {
                let username = checked
                    .session
                    .claims
                    .get("preferred_username")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                NewEvent {
                    action: action::ACCESS_DENIED,
                    user: Some((checked.session.user_id, username)),
                    client_ip: Some(info.ip),
                    context: serde_json::json!({
                        "application": p.app_slug,
                        "provider": p.name,
                        "message": "the application's policies refuse this user",
                    }),
                }
            }
        };
        if let Err(e) = events::record(&self.pool, event).await {
            tracing::error!(error = %e, "could not record event");
        }
    }
}
