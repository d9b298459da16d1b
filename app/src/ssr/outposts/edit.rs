//! Admin edits of outposts (the REST API, the admin screen and blueprints come through here):
//! the checks authentik's serializer makes, the providers each serves, and a remote outpost's
//! service account and API token, which it authenticates with.
use super::{EMBEDDED, config};
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::{sealed, secret};
use crate::ssr::providers::by_kind;
use crate::ssr::typed::{check_name, field_error};
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use crate::types::validated::{NUL_REFUSED, has_nul};
use serde_json::{Map, Value, json};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub const MODEL: &str = "outpost";
/// authentik's `OutpostType`.
pub const KINDS: [&str; 4] = ["proxy", "ldap", "radius", "rac"];
/// authentik's name of the embedded outpost, which cannot change.
pub const EMBEDDED_NAME: &str = "authentik Embedded Outpost";

#[derive(Clone, Debug, PartialEq)]
pub struct OutpostRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub managed: Option<String>,
    pub config: Value,
    /// The providers it serves, by their names.
    pub providers: Vec<Uuid>,
}

impl OutpostRow {
    pub fn is_embedded(&self) -> bool {
        self.managed.as_deref() == Some(EMBEDDED)
    }

    /// What the form shows for it (a PATCH or a blueprint starts from this).
    pub fn form(&self) -> OutpostForm {
        OutpostForm {
            name: self.name.clone(),
            kind: self.kind.clone(),
            providers: self.providers.iter().map(Uuid::to_string).collect(),
            config: self.config.clone(),
            managed: self.managed.clone(),
        }
    }
}

/// What an outpost is saved from. `providers` are pks as given (checked when saved).
#[derive(Clone, Debug, PartialEq)]
pub struct OutpostForm {
    pub name: String,
    pub kind: String,
    pub providers: Vec<String>,
    pub config: Value,
    pub managed: Option<String>,
}

impl Default for OutpostForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            kind: "proxy".into(),
            providers: Vec::new(),
            config: config::defaults(""),
            managed: None,
        }
    }
}

/// authentik's `token_identifier`: the identifier of the outpost's API token.
pub fn token_identifier(id: Uuid) -> String {
    format!("ak-outpost-{id}-api")
}

/// authentik's `user_identifier`: the username of the outpost's service account.
pub fn service_account(id: Uuid) -> String {
    format!("ak-outpost-{}", id.simple())
}

type Raw = (Uuid, String, String, Option<String>, Value, Vec<Uuid>);

/// Every outpost, by name.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<OutpostRow>> {
    select(db, None).await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<OutpostRow>> {
    Ok(select(db, Some(id)).await?.pop())
}

async fn select(db: impl PgExecutor<'_>, only: Option<Uuid>) -> Result<Vec<OutpostRow>> {
    let rows = sqlx::query_as::<_, Raw>(
        "select o.id, o.name, o.kind, o.managed, o.config,
                coalesce(array_agg(p.id order by p.name, p.id) filter (where p.id is not null),
                         '{}') as providers
           from outposts o
           left join outpost_providers op on op.outpost_id = o.id
           left join providers p on p.id = op.provider_id
          where $1::uuid is null or o.id = $1
          group by o.id
          order by o.name",
    )
    .bind(only)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, kind, managed, config, providers)| OutpostRow {
            id,
            name,
            kind,
            managed,
            config,
            providers,
        })
        .collect())
}

/// The outpost whose service account `user` is, if it is one (what its token may read).
pub async fn of_service_account(db: impl PgExecutor<'_>, user: Uuid) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar::<_, Uuid>(
        "select o.id from outposts o
           join users u on u.username::text = 'ak-outpost-' || replace(o.id::text, '-', '')
          where u.id = $1 and u.kind = 'service_account'",
    )
    .bind(user)
    .fetch_optional(db)
    .await?)
}

/// (provider, outpost name) for each of `providers` that an outpost serves, by name:
/// a proxy provider's `outpost_set`.
pub async fn serving(db: impl PgExecutor<'_>, providers: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    Ok(sqlx::query_as::<_, (Uuid, String)>(
        "select op.provider_id, o.name from outpost_providers op
           join outposts o on o.id = op.outpost_id
          where op.provider_id = any($1)
          order by o.name",
    )
    .bind(providers)
    .fetch_all(db)
    .await?)
}

/// One running instance of an outpost, as it last reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub outpost_id: Uuid,
    pub uid: String,
    pub hostname: String,
    pub version: String,
    pub last_seen: OffsetDateTime,
}

/// The instances of `outpost` (of every outpost when None), most recently seen first.
pub async fn instances(db: impl PgExecutor<'_>, outpost: Option<Uuid>) -> Result<Vec<Instance>> {
    let rows = sqlx::query_as::<_, (Uuid, String, String, String, OffsetDateTime)>(
        "select outpost_id, uid, hostname, version, last_seen from outpost_states
          where $1::uuid is null or outpost_id = $1
          order by last_seen desc, uid",
    )
    .bind(outpost)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(outpost_id, uid, hostname, version, last_seen)| Instance {
            outpost_id,
            uid,
            hostname,
            version,
            last_seen,
        })
        .collect())
}

/// The checked providers (deduplicated), or the message for the `providers` field.
async fn check_providers(
    tx: &mut PgConnection,
    kind: &str,
    given: &[String],
    embedded: bool,
) -> Result<std::result::Result<Vec<Uuid>, String>> {
    let mut ids = Vec::new();
    for raw in given {
        let Ok(id) = Uuid::parse_str(raw.trim()) else {
            return Ok(Err(unknown_provider(raw)));
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let kinds =
        sqlx::query_as::<_, (Uuid, String)>("select id, kind from providers where id = any($1)")
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
    for id in &ids {
        let Some((_, found)) = kinds.iter().find(|(k, _)| k == id) else {
            return Ok(Err(unknown_provider(&id.to_string())));
        };
        if found != kind {
            // authentik's message, with the type's name instead of its class.
            let name = by_kind(found).map_or(found.as_str(), |k| k.verbose_name);
            let name = name.strip_suffix(" Provider").unwrap_or(name);
            return Ok(Err(format!(
                "Outpost type {kind} can't be used with {name} providers."
            )));
        }
    }
    if ids.is_empty() && !embedded {
        return Ok(Err("This list may not be empty.".into()));
    }
    Ok(Ok(ids))
}

fn unknown_provider(pk: &str) -> String {
    let pk: String = pk.chars().take(64).filter(|c| !c.is_control()).collect();
    format!("Invalid pk \"{pk}\" - object does not exist.")
}

/// Field errors in the form's own values (nothing read from the database).
fn check_form(form: &OutpostForm, current: Option<&OutpostRow>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let name = form.name.trim();
    if let Some(m) = check_name(name, "outpost") {
        errors.insert("name".into(), m);
    }
    if !KINDS.contains(&form.kind.as_str()) {
        let shown: String = form.kind.chars().take(64).collect();
        errors.insert("type".into(), format!("\"{shown}\" is not a valid choice."));
    }
    let managed = form.managed.as_deref();
    if managed.is_some_and(|m| m.chars().count() > 255) {
        errors.insert("managed".into(), "At most 255 characters.".into());
    } else if managed.is_some_and(has_nul) {
        errors.insert("managed".into(), NUL_REFUSED.into());
    }
    if current.is_some_and(OutpostRow::is_embedded) {
        if name != EMBEDDED_NAME {
            errors.insert(
                "name".into(),
                "Embedded outpost's name cannot be changed".into(),
            );
        }
        if form.kind != "proxy" {
            errors.insert(
                "type".into(),
                "The embedded outpost is a proxy outpost.".into(),
            );
        }
        if managed != Some(EMBEDDED) {
            errors.insert(
                "managed".into(),
                "The embedded outpost's managed id cannot be changed.".into(),
            );
        }
    } else if managed == Some(EMBEDDED) {
        errors.insert(
            "managed".into(),
            format!("Only the embedded outpost is managed as {EMBEDDED}."),
        );
    }
    if let Some(m) = config::problem(&form.config) {
        errors.insert("config".into(), m);
    }
    errors
}

/// Creates (`id` None) or updates an outpost. A remote (not embedded) outpost gets its
/// service account and API token when it has none.
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    secret_key: &str,
    id: Option<Uuid>,
    form: &OutpostForm,
) -> Result<Saved<Uuid>> {
    let current = match id {
        Some(id) => Some(get(&mut *tx, id).await?.ok_or(Error::NotFound)?),
        None => None,
    };
    let embedded = current.as_ref().is_some_and(OutpostRow::is_embedded);
    let mut errors = check_form(form, current.as_ref());
    let providers = if errors.contains_key("type") {
        Vec::new()
    } else {
        match check_providers(tx, &form.kind, &form.providers, embedded).await? {
            Ok(ids) => ids,
            Err(m) => {
                errors.insert("providers".into(), m);
                Vec::new()
            }
        }
    };
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let name = form.name.trim();
    let managed = form.managed.as_deref().filter(|m| !m.is_empty());
    let pid = current.as_ref().map_or_else(Uuid::new_v4, |c| c.id);
    let written = match &current {
        None => sqlx::query(
            "insert into outposts (id, name, kind, managed, config) values ($1, $2, $3, $4, $5)",
        )
        .bind(pid)
        .bind(name)
        .bind(&form.kind)
        .bind(managed)
        .bind(&form.config)
        .execute(&mut *tx)
        .await,
        Some(c) => {
            sqlx::query(
                "update outposts set name = $2, kind = $3, managed = $4, config = $5 where id = $1",
            )
            .bind(c.id)
            .bind(name)
            .bind(&form.kind)
            .bind(managed)
            .bind(&form.config)
            .execute(&mut *tx)
            .await
        }
    };
    if let Err(e) = written {
        return unique(e);
    }
    let before = current.as_ref().map(|c| &c.providers);
    let mut wanted = providers.clone();
    wanted.sort();
    let mut had = before.cloned().unwrap_or_default();
    had.sort();
    if wanted != had {
        sqlx::query(
            "delete from outpost_providers where outpost_id = $1 and provider_id <> all($2)",
        )
        .bind(pid)
        .bind(&providers)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into outpost_providers (outpost_id, provider_id)
             select $1, unnest($2::uuid[]) on conflict do nothing",
        )
        .bind(pid)
        .bind(&providers)
        .execute(&mut *tx)
        .await?;
    }
    if managed != Some(EMBEDDED) {
        ensure_credentials(tx, secret_key, pid, name).await?;
    }
    let snapshot = |name: &str, kind: &str, managed: Option<&str>, config: &Value, p: &[Uuid]| {
        Map::from_iter([
            ("name".to_string(), json!(name)),
            ("type".to_string(), json!(kind)),
            ("managed".to_string(), json!(managed)),
            ("config".to_string(), config.clone()),
            (
                "providers".to_string(),
                json!(p.iter().map(Uuid::to_string).collect::<Vec<_>>()),
            ),
        ])
    };
    let after = snapshot(name, &form.kind, managed, &form.config, &wanted);
    let (action, before) = match &current {
        None => (audit::MODEL_CREATED, Map::new()),
        Some(c) => (
            audit::MODEL_UPDATED,
            snapshot(&c.name, &c.kind, c.managed.as_deref(), &c.config, &had),
        ),
    };
    let changes = audit::diff(&before, &after);
    if current.is_none() || !changes.is_empty() {
        audit::record(&mut *tx, actor, action, MODEL, pid, name, changes).await?;
    }
    Ok(Saved::Ok(pid))
}

fn unique<T>(e: sqlx::Error) -> Result<Saved<T>> {
    let (field, message) = match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("outposts_name_key") => {
            ("name", "An outpost with this name already exists.")
        }
        sqlx::Error::Database(db) if db.constraint() == Some("outposts_managed_key") => {
            ("managed", "Another outpost has this managed id.")
        }
        _ => return Err(Error::Database(e)),
    };
    Ok(Saved::Invalid(field_error(field, message)))
}

/// The outpost's service account (authentik's `ak-outpost-<uuid hex>`, named after the
/// outpost) and its API token `ak-outpost-<pk>-api`, which never expires; made again when
/// the token is gone or has expired. The key is sealed so the audited token view can show it.
async fn ensure_credentials(
    tx: &mut PgConnection,
    secret_key: &str,
    id: Uuid,
    name: &str,
) -> Result<()> {
    let username = service_account(id);
    let display: String = format!("Outpost {name} Service-Account")
        .chars()
        .take(150)
        .collect();
    sqlx::query(
        "insert into users (id, username, name, is_active, kind)
         values ($1, $2, $3, true, 'service_account')
         on conflict (username) do update set name = excluded.name
          where users.kind = 'service_account' and users.name <> excluded.name",
    )
    .bind(Uuid::new_v4())
    .bind(&username)
    .bind(&display)
    .execute(&mut *tx)
    .await?;
    let user = sqlx::query_scalar::<_, Uuid>(
        "select id from users where username = $1::text and kind = 'service_account'",
    )
    .bind(&username)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::internal(format!("{username} exists and is not a service account")))?;
    let identifier = token_identifier(id);
    let token = sqlx::query_as::<_, (Uuid, bool)>(
        "select user_id, intent = 'api' and (expires_at is null or expires_at > now())
           from tokens where identifier = $1",
    )
    .bind(&identifier)
    .fetch_optional(&mut *tx)
    .await?;
    match token {
        Some((owner, true)) if owner == user => return Ok(()),
        Some(_) => {
            sqlx::query("delete from tokens where identifier = $1")
                .bind(&identifier)
                .execute(&mut *tx)
                .await?;
        }
        None => {}
    }
    let length = sqlx::query_scalar::<_, i32>("select default_token_length from settings")
        .fetch_one(&mut *tx)
        .await?;
    let key = secret::random_key(usize::try_from(length).unwrap_or(60));
    sqlx::query(
        "insert into tokens (id, identifier, user_id, intent, key_hash, expires_at, description, key_sealed)
         values ($1, $2, $3, 'api', $4, null, $5, $6)",
    )
    .bind(Uuid::new_v4())
    .bind(&identifier)
    .bind(user)
    .bind(secret::digest(&key))
    .bind(format!("Autogenerated for outpost {name}"))
    .bind(sealed::seal(
        secret_key,
        crate::ssr::token_admin::SEAL_PURPOSE,
        key.as_bytes(),
    ))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Deletes an outpost with its service account (and so its token). The embedded outpost
/// cannot be deleted. NotFound when there is none.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let row = get(&mut *tx, id).await?.ok_or(Error::NotFound)?;
    if row.is_embedded() {
        return Err(Error::Invalid(
            "The embedded outpost cannot be deleted.".into(),
        ));
    }
    let name = sqlx::query_scalar::<_, String>("delete from outposts where id = $1 returning name")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    sqlx::query("delete from users where username = $1::text and kind = 'service_account'")
        .bind(service_account(id))
        .execute(&mut *tx)
        .await?;
    audit::record_delete(tx, actor, MODEL, id, name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(extra: impl FnOnce(&mut OutpostForm)) -> OutpostForm {
        let mut f = OutpostForm {
            name: "Edge".into(),
            ..OutpostForm::default()
        };
        extra(&mut f);
        f
    }

    #[test]
    fn identifiers_are_authentiks() {
        let id = Uuid::parse_str("0b0e6a0c-9a39-4d0d-8a4c-2f5b8f3e1d2c").expect("uuid");
        assert_eq!(
            token_identifier(id),
            "ak-outpost-0b0e6a0c-9a39-4d0d-8a4c-2f5b8f3e1d2c-api"
        );
        assert_eq!(
            service_account(id),
            "ak-outpost-0b0e6a0c9a394d0d8a4c2f5b8f3e1d2c"
        );
    }

    #[test]
    fn the_form_is_checked_field_by_field() {
        assert!(check_form(&form(|_| {}), None).is_empty());
        let errors = check_form(
            &form(|f| {
                f.name = " ".into();
                f.kind = "carrier-pigeon".into();
                f.config = json!([]);
                f.managed = Some(EMBEDDED.into());
            }),
            None,
        );
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["config", "managed", "name", "type"]
        );
        assert_eq!(errors["type"], "\"carrier-pigeon\" is not a valid choice.");
    }

    #[test]
    fn the_embedded_outpost_keeps_its_name_type_and_managed_id() {
        let embedded = OutpostRow {
            id: Uuid::nil(),
            name: EMBEDDED_NAME.into(),
            kind: "proxy".into(),
            managed: Some(EMBEDDED.into()),
            config: json!({}),
            providers: vec![],
        };
        assert!(check_form(&embedded.form(), Some(&embedded)).is_empty());
        let errors = check_form(
            &form(|f| {
                f.kind = "ldap".into();
                f.managed = None;
            }),
            Some(&embedded),
        );
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["managed", "name", "type"]
        );
    }

    proptest::proptest! {
        /// Any text in any field: field errors or none, never a panic.
        #[test]
        fn form_checks_never_panic(
            name in proptest::prelude::any::<String>(),
            kind in proptest::prelude::any::<String>(),
            managed in proptest::option::of(proptest::prelude::any::<String>()),
        ) {
            let f = OutpostForm { name, kind, managed, ..OutpostForm::default() };
            let _ = check_form(&f, None);
        }
    }
}
