//! `/application/o/<slug>/end-session/` (OIDC RP-Initiated Logout 1.0, Back-Channel Logout
//! 1.0): checks `id_token_hint` when given, tells every client of this login session that has
//! a back-channel logout URI, revokes this client's tokens of the session, runs the provider's
//! invalidation flow, and ends at `post_logout_redirect_uri` only when it is registered.
use super::claims::{self, sid};
use super::{Endpoint, issuer, keys, pages};
use app::ssr::AppState;
use app::ssr::flows::executor;
use app::ssr::flows::state::FlowContext;
use app::ssr::providers::clients::{self, OAuthClient};
use app::ssr::providers::redirect_uris;
use app::ssr::sessions;
use app::types::flow::Challenge;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tower_sessions::Session;

pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(slug): Path<String>,
    session: Session,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let mut query = req.uri().query().unwrap_or_default().to_string();
    if req.method() == axum::http::Method::POST {
        let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        query = String::from_utf8_lossy(&body).into_owned();
    }
    let ep = Endpoint::new(&state, peer, &headers, None);
    match run(&ep, &session, &slug, &query).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "end-session failed");
            pages::error(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server Error",
                "Ward could not sign you out of the application.",
            )
        }
    }
}

/// Whether `hint` is an ID token this client got from Ward (its signature, issuer and
/// audience; it may have expired).
fn hint_ok(
    signer_jwk: Option<&Value>,
    secret: &str,
    client: &OAuthClient,
    iss: &str,
    hint: &str,
) -> bool {
    let Ok(header) = jsonwebtoken::decode_header(hint) else {
        return false;
    };
    let key = match signer_jwk {
        None => DecodingKey::from_secret(secret.as_bytes()),
        Some(jwk) => match jwk["kty"].as_str() {
            Some("RSA") => match DecodingKey::from_rsa_components(
                jwk["n"].as_str().unwrap_or_default(),
                jwk["e"].as_str().unwrap_or_default(),
            ) {
                Ok(k) => k,
                Err(_) => return false,
            },
            Some("EC") => match DecodingKey::from_ec_components(
                jwk["x"].as_str().unwrap_or_default(),
                jwk["y"].as_str().unwrap_or_default(),
            ) {
                Ok(k) => k,
                Err(_) => return false,
            },
            _ => return false,
        },
    };
    let mut v = Validation::new(header.alg);
    v.validate_exp = false;
    v.set_audience(&[client.client_id.as_str()]);
    v.set_issuer(&[iss]);
    v.set_required_spec_claims(&["iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(hint, &key, &v).is_ok()
}

async fn run(
    ep: &Endpoint<'_>,
    session: &Session,
    slug: &str,
    query: &str,
) -> app::ssr::Result<Response> {
    let Some(client) = clients::by_application(ep.pool, ep.secret_key, slug).await? else {
        return Ok(pages::error(
            ep.state,
            StatusCode::NOT_FOUND,
            "Not Found",
            "No such application.",
        ));
    };
    let params: BTreeMap<String, String> = match super::authorize::params(query) {
        Ok(p) => p,
        Err(m) => {
            return Ok(pages::error(
                ep.state,
                StatusCode::BAD_REQUEST,
                "Logout Error",
                &m,
            ));
        }
    };
    let iss = issuer(&ep.origin, &client);
    let signer = keys::signer(ep.pool, ep.secret_key, &client).await?;
    if let Some(hint) = params.get("id_token_hint").filter(|h| !h.is_empty())
        && !hint_ok(
            signer.jwk.as_ref(),
            &client.client_secret,
            &client,
            &iss,
            hint,
        )
    {
        return Ok(pages::error(
            ep.state,
            StatusCode::BAD_REQUEST,
            "Logout Error",
            "The id_token_hint is not an ID token Ward issued to this application.",
        ));
    }
    // Only a registered logout URI is ever redirected to; any other is ignored.
    let after = params
        .get("post_logout_redirect_uri")
        .filter(|u| redirect_uris::allowed(&client.settings.redirect_uris, "logout", u))
        .map(|u| {
            let mut url = url::Url::parse(u).expect("allowed URIs parse");
            if let Some(state) = params.get("state") {
                url.query_pairs_mut().append_pair("state", state);
            }
            url.to_string()
        });
    let user = sessions::current_user(ep.pool, session).await?;
    let handle = sessions::handle(session).await?;
    if let (Some(user), Some(handle)) = (&user, handle) {
        back_channel(ep, handle, user).await?;
        sqlx::query!(
            "update oauth2_tokens set revoked_at = now()
              where session_id = $1 and provider_id = $2 and revoked_at is null",
            handle,
            client.provider_id
        )
        .execute(ep.pool)
        .await?;
        ep.state.oauth2.clear_tokens();
    }
    let done = after.clone().unwrap_or_else(|| "/if/user/".into());
    if user.is_none() {
        return Ok(match after {
            Some(to) => crate::guards::found(&to),
            None => pages::error(
                ep.state,
                StatusCode::OK,
                "Signed out",
                "You are signed out.",
            ),
        });
    }
    let flow = app::ssr::flows::plan::slug_of(
        &ep.state.oauth2,
        ep.pool,
        &client.settings.invalidation_flow,
    )
    .await?;
    let Some(flow) = flow else {
        return Ok(crate::guards::found(&done));
    };
    let env = ep.env(session);
    let view = executor::start(&env, &flow, FlowContext::default(), done.clone()).await?;
    Ok(match view.map(|v| v.challenge) {
        Some(Challenge::Redirect { to }) => crate::guards::found(&to),
        Some(_) => crate::guards::found(&format!("/if/flow/{flow}/")),
        None => crate::guards::found(&done),
    })
}

/// Sends a logout token (`typ: logout+jwt`) to every client of this session that registered a
/// back-channel logout URI. Best effort, in the background: a client that does not answer does
/// not keep the user signed in.
async fn back_channel(
    ep: &Endpoint<'_>,
    session: uuid::Uuid,
    user: &app::ssr::users::User,
) -> app::ssr::Result<()> {
    let ids = sqlx::query_scalar!(
        r#"select distinct p.client_id as "client_id!" from oauth2_tokens t
             join providers p on p.id = t.provider_id
            where t.session_id = $1 and p.client_id is not null"#,
        session
    )
    .fetch_all(ep.pool)
    .await?;
    let install = clients::install_id(ep.pool).await?;
    let person = claims::person(ep.pool, user.clone()).await?;
    for id in ids {
        let Some(c) = clients::by_client_id(ep.pool, ep.secret_key, &id).await? else {
            continue;
        };
        if c.settings.logout_uri.is_empty() || c.settings.logout_method != "backchannel" {
            continue;
        }
        let signer = keys::signer(ep.pool, ep.secret_key, &c).await?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let token = signer.sign_typed(
            &json!({
                "iss": issuer(&ep.origin, &c),
                "aud": c.client_id,
                "iat": now,
                "exp": now + 120,
                "jti": super::grants::new_secret(),
                "sub": claims::sub(&c, &person, install),
                "sid": sid(session),
                "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
            }),
            "logout+jwt",
        )?;
        let uri = c.settings.logout_uri.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
                .build();
            if let Ok(http) = http
                && let Err(e) = http
                    .post(&uri)
                    .form(&[("logout_token", token)])
                    .send()
                    .await
            {
                tracing::warn!(error = %e, uri, "back-channel logout failed");
            }
        });
    }
    Ok(())
}
