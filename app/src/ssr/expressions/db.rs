//! What expressions read from Ward's database: users as [`UserView`]s, and the [`Host`] that
//! answers `ak_user_by` and `ak_call_policy` over the pool.
use super::{Context, GroupView, Host, PolicyCall, UserView};
use crate::ssr::Result;
use crate::ssr::policies::{self, engine};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// `ak_call_policy` calls nested deeper than this fail: a policy calling itself ends.
const MAX_CALL_DEPTH: u8 = 4;

/// The user with their groups (direct memberships, as authentik's `ak_groups`).
pub async fn user_view(pool: &PgPool, id: Uuid) -> Result<Option<UserView>> {
    let Some(u) = sqlx::query!(
        r#"select id, username::text as "username!", coalesce(email::text, '') as "email!", name,
                  is_active, kind, attributes
             from users where id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let groups = sqlx::query!(
        r#"select g.id, g.name::text as "name!", g.attributes,
                  exists(select 1 from superuser_groups s where s.id = g.id) as "is_superuser!"
             from groups g join group_members m on m.group_id = g.id
            where m.user_id = $1 order by g.name"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let install_id = crate::ssr::providers::clients::install_id(pool).await?;
    Ok(Some(UserView {
        pk: Value::String(u.id.to_string()),
        // authentik's `uid`: a digest of the id and the installation, as `hashed_user_id` subjects.
        uid: hex::encode(Sha256::digest(format!("{}-{install_id}", u.id))),
        uuid: u.id.to_string(),
        username: u.username,
        email: u.email,
        name: u.name,
        is_active: u.is_active,
        is_superuser: groups.iter().any(|g| g.is_superuser),
        user_type: u.kind,
        attributes: u.attributes,
        groups: groups
            .into_iter()
            .map(|g| GroupView {
                pk: Value::String(g.id.to_string()),
                name: g.name,
                is_superuser: g.is_superuser,
                attributes: g.attributes,
            })
            .collect(),
    }))
}

/// Expressions' window on the database, for one policy request.
pub struct DbHost<'a> {
    pub pool: &'a PgPool,
    pub request: &'a policies::Request,
}

#[async_trait::async_trait]
impl Host for DbHost<'_> {
    async fn user_by(&self, filters: &Map<String, Value>) -> Result<Option<UserView>, String> {
        let text = |key: &str| filters.get(key).and_then(Value::as_str);
        let id = match (text("pk").or(text("uuid")), text("username"), text("email")) {
            (Some(pk), ..) => Uuid::parse_str(pk).ok(),
            (None, Some(username), _) => self.id_where("username", username).await?,
            (None, None, Some(email)) => self.id_where("email", email).await?,
            _ => {
                return Err("ak_user_by takes pk=, uuid=, username= or email=.".into());
            }
        };
        let Some(id) = id else { return Ok(None) };
        let user = user_view(self.pool, id).await.map_err(|e| e.to_string())?;
        // Every other filter given must hold too.
        Ok(user.filter(|u| {
            [
                ("username", &u.username),
                ("email", &u.email),
                ("name", &u.name),
            ]
            .iter()
            .all(|(key, have)| text(key).is_none_or(|want| want == have.as_str()))
        }))
    }

    async fn call_policy(
        &self,
        name: &str,
        kwargs: &Map<String, Value>,
    ) -> Result<PolicyCall, String> {
        if self.request.depth >= MAX_CALL_DEPTH {
            return Err(format!(
                "ak_call_policy nested more than {MAX_CALL_DEPTH} deep."
            ));
        }
        let stored = sqlx::query!(
            "select name, kind, config from policies where name = $1",
            name
        )
        .fetch_optional(self.pool)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("No policy named {name:?}."))?;
        let mut request = self.request.clone();
        request.depth += 1;
        // authentik passes the keyword arguments into the called policy's request context.
        request
            .context
            .extend(kwargs.iter().map(|(k, v)| (k.clone(), v.clone())));
        let policy = engine::Stored {
            name: &stored.name,
            kind: &stored.kind,
            config: &stored.config,
        };
        let verdict = Box::pin(engine::run_policy(self.pool, &policy, &request, 30, false))
            .await
            .map_err(|e| e.to_string())?;
        Ok(PolicyCall {
            passing: verdict.passing,
            messages: verdict.messages,
        })
    }
}

impl DbHost<'_> {
    async fn id_where(&self, column: &str, value: &str) -> Result<Option<Uuid>, String> {
        let found = if column == "username" {
            sqlx::query_scalar!("select id from users where username = $1", value)
                .fetch_optional(self.pool)
                .await
        } else {
            sqlx::query_scalar!("select id from users where email = $1", value)
                .fetch_optional(self.pool)
                .await
        };
        found.map_err(|e| e.to_string())
    }
}

/// What an expression sees of a request (a policy's; a property mapping's).
pub async fn context(pool: &PgPool, request: &policies::Request) -> Result<Context> {
    let user = match request.user {
        Some(id) => user_view(pool, id).await?,
        None => None,
    };
    let mut http = request.http.clone();
    http.remote_addr = request.client_ip.map(|ip| ip.to_string());
    let mut context = request.context.clone();
    if !request.values.is_empty() {
        context.insert("prompt_data".into(), json!(request.values));
    }
    let application = match request.application {
        Some(id) => application(pool, id).await?,
        None => None,
    };
    Ok(Context {
        // In a flow (no application) the user decided about is the flow's pending user.
        pending_user: user.clone().filter(|_| request.application.is_none()),
        user,
        http,
        obj: application.clone(),
        context,
        application,
        ..Context::default()
    })
}

/// The application as `request.obj` shows it: authentik's field names.
async fn application(pool: &PgPool, id: uuid::Uuid) -> Result<Option<Value>> {
    let app = sqlx::query!(
        "select id, slug, name, group_name, meta_launch_url, meta_description, meta_publisher,
                open_in_new_tab, policy_engine_mode
           from applications where id = $1",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(app.map(|a| {
        json!({
            "pk": a.id.to_string(),
            "slug": a.slug,
            "name": a.name,
            "group": a.group_name,
            "meta_launch_url": a.meta_launch_url,
            "meta_description": a.meta_description,
            "meta_publisher": a.meta_publisher,
            "open_in_new_tab": a.open_in_new_tab,
            "policy_engine_mode": a.policy_engine_mode,
        })
    }))
}
