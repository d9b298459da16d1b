//! What tokens say: `sub` by the provider's sub mode, the standard claims of ID and access
//! tokens (authentik's set and order), and the claims of the granted scopes.
use super::grants::LoginSession;
use app::ssr::Result;
use app::ssr::client::ClientInfo;
use app::ssr::events::{self, NewEvent, action};
use app::ssr::oauth2::scopes::{self, Subject};
use app::ssr::policies;
use app::ssr::property_mappings::run;
use app::ssr::providers::clients::OAuthClient;
use app::ssr::users::User;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// authentik's `acr`: the only one it knows.
pub const ACR: &str = "goauthentik.io/providers/oauth2/default";

/// What the claims are about: the user, with their groups, UPN and attributes.
pub struct Person {
    pub user: User,
    pub groups: Vec<String>,
    pub upn: Option<String>,
    /// The user's attributes merged over their groups' (and those groups' ancestors'), as
    /// authentik's `user.group_attributes()`: what attribute claims read.
    pub attributes: Map<String, Value>,
    /// In a superuser group (authentik's `is_superuser`, for the `ak_proxy` scope).
    pub is_superuser: bool,
}

/// `groups` is the attributes of the user's groups and of their ancestors, in group name order
/// (a JSON array: `group_attributes` in the queries below, groups without attributes left out).
fn merged(groups: Value, user: Value) -> Map<String, Value> {
    let groups = match groups {
        Value::Array(a) => a,
        _ => Vec::new(),
    };
    app::ssr::users::attributes::merged(groups, user)
}

pub async fn person(pool: &PgPool, user: User) -> Result<Person> {
    let row = sqlx::query!(
        r#"select coalesce(array(select g.name from groups g join group_members m on m.group_id = g.id
                                  where m.user_id = u.id order by g.name), '{}') as "groups!",
                  exists(select 1 from group_members m join superuser_groups s on s.id = m.group_id
                          where m.user_id = u.id) as "is_superuser!",
                  u.attributes->>'upn' as upn, u.attributes,
                  coalesce((with recursive up(id, parent_id, depth) as (
                      select g.id, g.parent_id, 0 from groups g join group_members m on m.group_id = g.id
                       where m.user_id = u.id
                      union all
                      select g.id, g.parent_id, up.depth + 1 from groups g join up on g.id = up.parent_id
                       where up.depth < 64)
                    select jsonb_agg(g.attributes order by g.name) from groups g
                     where g.id in (select id from up) and g.attributes <> '{}'), '[]') as "group_attributes!"
             from users u where u.id = $1"#,
        user.id
    )
    .fetch_one(pool)
    .await?;
    Ok(Person {
        user,
        groups: row.groups,
        is_superuser: row.is_superuser,
        upn: row.upn,
        attributes: merged(row.group_attributes, row.attributes),
    })
}

/// The user with this id, with their groups, UPN and attributes, if they exist and are active
/// (one query: every grant reads it).
pub async fn active_person(pool: &PgPool, id: uuid::Uuid) -> Result<Option<Person>> {
    let row = sqlx::query!(
        r#"select u.id, u.username::text as "username!", u.email::text as email, u.name,
                  coalesce(array(select g.name from groups g join group_members m on m.group_id = g.id
                                  where m.user_id = u.id order by g.name), '{}') as "groups!",
                  exists(select 1 from group_members m join superuser_groups s on s.id = m.group_id
                          where m.user_id = u.id) as "is_superuser!",
                  u.attributes->>'upn' as upn, u.attributes,
                  coalesce((with recursive up(id, parent_id, depth) as (
                      select g.id, g.parent_id, 0 from groups g join group_members m on m.group_id = g.id
                       where m.user_id = u.id
                      union all
                      select g.id, g.parent_id, up.depth + 1 from groups g join up on g.id = up.parent_id
                       where up.depth < 64)
                    select jsonb_agg(g.attributes order by g.name) from groups g
                     where g.id in (select id from up) and g.attributes <> '{}'), '[]') as "group_attributes!"
             from users u where u.id = $1 and u.is_active"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Person {
        user: User {
            id: r.id,
            username: r.username,
            email: r.email,
            name: r.name,
            is_active: true,
        },
        groups: r.groups,
        is_superuser: r.is_superuser,
        upn: r.upn,
        attributes: merged(r.group_attributes, r.attributes),
    }))
}

/// The user's id for this client, by its `sub_mode` (default: a digest of the user and this
/// installation, different from every other installation's).
pub fn sub(client: &OAuthClient, person: &Person, install_id: Uuid) -> String {
    let user = &person.user;
    let hashed = || hex::encode(Sha256::digest(format!("{}-{install_id}", user.id)));
    match client.settings.sub_mode.as_str() {
        "user_id" | "user_uuid" => user.id.to_string(),
        "user_username" => user.username.clone(),
        "user_email" => user.email.clone().unwrap_or_default(),
        "user_upn" => person.upn.clone().unwrap_or_else(hashed),
        _ => hashed(),
    }
}

/// The claims the granted scopes give (userinfo; the tokens when the provider includes them),
/// through the client's scope mappings: the built-in scopes' claims, then the attribute claims
/// of the granted mappings (never a protocol claim, never over a built-in one), then what the
/// granted custom mappings' expressions return, in scope order (never a protocol claim). A
/// mapping that fails gives nothing and is recorded as a `configuration_error` event.
pub async fn scope_claims(
    pool: &PgPool,
    client: &OAuthClient,
    scopes: &[String],
    person: &Person,
    from: Option<&ClientInfo>,
) -> Result<Map<String, Value>> {
    let mut out = fixed_scope_claims(client, scopes, person);
    let granted = client.scopes.iter().filter(|o| scopes.contains(&o.name));
    for offer in granted {
        let Some(source) = &offer.expression else {
            continue;
        };
        let mut request = policies::Request::for_user(Some(person.user.id))
            .for_application(client.application.id);
        if let Some(from) = from {
            request = request.from_client(from);
        }
        let claims = run::evaluate(pool, source, &request)
            .await
            .and_then(|outcome| run::as_claims(outcome.value));
        match claims {
            Ok(claims) => out.extend(
                claims
                    .into_iter()
                    .filter(|(k, _)| !scopes::is_protocol_claim(k)),
            ),
            Err(message) => {
                tracing::warn!(scope = %offer.name, "scope mapping failed: {message}");
                events::record(
                    pool,
                    NewEvent {
                        action: action::CONFIGURATION_ERROR,
                        user: Some((person.user.id, &person.user.username)),
                        client_ip: from.map(|c| c.ip),
                        context: json!({
                            "message": message,
                            "scope": offer.name,
                            "provider": client.provider_name,
                        }),
                    },
                )
                .await?;
            }
        }
    }
    Ok(out)
}

/// The claims of the built-in scopes and the attribute claims: no expression runs.
fn fixed_scope_claims(
    client: &OAuthClient,
    scopes: &[String],
    person: &Person,
) -> Map<String, Value> {
    let granted = || client.scopes.iter().filter(|o| scopes.contains(&o.name));
    let builtins: Vec<&str> = granted().filter_map(|o| o.builtin).collect();
    let attribute_claims: Vec<&str> = granted()
        .flat_map(|o| o.attribute_claims.iter().map(String::as_str))
        .collect();
    scopes::claims(
        &builtins,
        &attribute_claims,
        &Subject {
            user: &person.user,
            groups: &person.groups,
            entitlements: &[],
            attributes: &person.attributes,
            is_superuser: person.is_superuser,
        },
    )
}

/// `sid`: a digest of the login session, the same for every token of that session.
pub fn sid(session: Uuid) -> String {
    hex::encode(Sha256::digest(session.to_string()))
}

pub struct Standard<'a> {
    pub issuer: &'a str,
    pub sub: &'a str,
    pub client_id: &'a str,
    pub expires_in: i64,
    pub login: Option<&'a LoginSession>,
    pub session: Option<Uuid>,
    pub nonce: Option<&'a str>,
}

/// The ID token's claims (authentik's order), with the scope claims when `extra` is given.
pub fn id_token(std: &Standard<'_>, extra: Option<&Map<String, Value>>) -> Map<String, Value> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut c = Map::new();
    c.insert("iss".into(), json!(std.issuer));
    c.insert("sub".into(), json!(std.sub));
    c.insert("aud".into(), json!(std.client_id));
    c.insert("exp".into(), json!(now + std.expires_in));
    c.insert("iat".into(), json!(now));
    let auth_time = std.login.map_or(now, |l| l.auth_time.unix_timestamp());
    c.insert("auth_time".into(), json!(auth_time));
    c.insert("acr".into(), json!(ACR));
    if let Some(l) = std.login.filter(|l| !l.amr.is_empty()) {
        c.insert("amr".into(), json!(l.amr));
    }
    if let Some(n) = std.nonce {
        c.insert("nonce".into(), json!(n));
    }
    if let Some(s) = std.session {
        c.insert("sid".into(), json!(sid(s)));
    }
    c.insert("jti".into(), json!(super::grants::new_secret()));
    if let Some(extra) = extra {
        for (k, v) in extra {
            c.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    c
}

/// The access token's claims: the ID token's, with `azp`, a random `uid` and the `scope`.
pub fn access_token(
    mut id_claims: Map<String, Value>,
    client_id: &str,
    scopes: &[String],
) -> Value {
    id_claims.insert("azp".into(), json!(client_id));
    id_claims.insert("uid".into(), json!(super::grants::new_secret()));
    id_claims
        .entry("scope")
        .or_insert_with(|| json!(scopes.join(" ")));
    Value::Object(id_claims)
}

/// The left half of the SHA-256 of `value`, base64url (`at_hash`, `c_hash`).
pub fn half_hash(value: &str) -> String {
    use base64::Engine;
    let d = Sha256::digest(value.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&d[..16])
}
