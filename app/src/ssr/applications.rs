//! Applications (authentik's core Application): what users sign in to, looked up by slug.
//! Superusers edit them through the REST API and blueprints; every change is an audit event
//! with the fields that changed. Validation lives in `form`.
mod form;

pub use form::{
    ApplicationForm, NO_BACKCHANNEL, NO_SUCH_PROVIDER, RESERVED_SLUGS, ValidApplication,
    check_slug, validate,
};

use crate::ssr::audit::{self, Actor};
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::Map;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

/// The model name in audit events.
pub const MODEL: &str = "application";
/// The launch URL that hides an application from the portal (authentik's).
pub const HIDDEN_LAUNCH_URL: &str = "blank://blank";

/// A stored application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub group: String,
    pub provider_id: Option<Uuid>,
    /// The provider's first redirect URI when it is matched strictly (the launch URL's origin
    /// comes from it when none is set, as authentik's).
    pub provider_redirect: Option<String>,
    pub open_in_new_tab: bool,
    pub meta_launch_url: String,
    pub meta_description: String,
    pub meta_publisher: String,
    pub policy_engine_mode: String,
    /// Whether any enabled policy binding targets it (else access needs no evaluation).
    pub has_policies: bool,
}

impl Application {
    /// The form an edit starts from (a PATCH, a blueprint update).
    pub fn form(&self) -> ApplicationForm {
        ApplicationForm {
            name: self.name.clone(),
            slug: self.slug.clone(),
            group: self.group.clone(),
            provider: self.provider_id.map(|p| p.to_string()),
            open_in_new_tab: self.open_in_new_tab,
            meta_launch_url: self.meta_launch_url.clone(),
            meta_description: self.meta_description.clone(),
            meta_publisher: self.meta_publisher.clone(),
            policy_engine_mode: self.policy_engine_mode.clone(),
        }
    }

    /// Where the portal sends users: the launch URL when one is set, else the origin of the
    /// provider's first redirect URI. `blank://blank` (authentik's) hides the application.
    pub fn launch_url(&self) -> Option<String> {
        if !self.meta_launch_url.is_empty() {
            return Some(self.meta_launch_url.clone());
        }
        let url = url::Url::parse(self.provider_redirect.as_deref()?).ok()?;
        matches!(url.scheme(), "http" | "https")
            .then(|| url.origin().ascii_serialization())
            .filter(|o| o != "null")
    }

    /// Whether the portal lists it (`blank://blank` as launch URL hides it, as in authentik).
    pub fn is_listed(&self) -> bool {
        self.meta_launch_url != HIDDEN_LAUNCH_URL
    }

    fn valid(&self) -> ValidApplication {
        ValidApplication {
            name: self.name.clone(),
            slug: self.slug.clone(),
            group: self.group.clone(),
            provider: self.provider_id,
            open_in_new_tab: self.open_in_new_tab,
            meta_launch_url: self.meta_launch_url.clone(),
            meta_description: self.meta_description.clone(),
            meta_publisher: self.meta_publisher.clone(),
            policy_engine_mode: self.policy_engine_mode.clone(),
        }
    }
}

/// What a save did: the application's id, and whether anything was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub id: Uuid,
    pub changed: bool,
}

/// Every application, by name then slug. For superusers (the REST list filters and pages it:
/// installations have tens of applications, not thousands).
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Application>> {
    select(db, None, None).await
}

/// The application with this slug. A slug that cannot exist (odd characters, NUL) finds
/// nothing without asking the database. For superusers.
pub async fn get_by_slug(db: impl PgExecutor<'_>, slug: &str) -> Result<Option<Application>> {
    if check_slug(slug).is_err() {
        return Ok(None);
    }
    Ok(select(db, None, Some(slug)).await?.pop())
}

/// The application with this id. For superusers.
pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Application>> {
    Ok(select(db, Some(id), None).await?.pop())
}

/// The application with this id, locked for an update in the caller's transaction.
async fn get_for_update(tx: &mut PgConnection, id: Uuid) -> Result<Option<Application>> {
    sqlx::query!("select id from applications where id = $1 for update", id)
        .fetch_optional(&mut *tx)
        .await?;
    get(&mut *tx, id).await
}

/// Applications (all, or the one with this id or slug) with their provider's first strict
/// redirect URI.
async fn select(
    db: impl PgExecutor<'_>,
    id: Option<Uuid>,
    slug: Option<&str>,
) -> Result<Vec<Application>> {
    Ok(sqlx::query_as!(
        Application,
        r#"select a.id, a.slug, a.name, a.group_name as "group", a.provider_id,
                  (select r->>'url' from jsonb_array_elements(
                       case when jsonb_typeof(p.config->'redirect_uris') = 'array'
                            then p.config->'redirect_uris' else '[]' end) with ordinality e(r, n)
                    where coalesce(r->>'matching_mode', 'strict') = 'strict'
                      and coalesce(r->>'redirect_uri_type', 'authorization') = 'authorization'
                    order by n limit 1)
                    as provider_redirect,
                  a.open_in_new_tab, a.meta_launch_url, a.meta_description, a.meta_publisher,
                  a.policy_engine_mode,
                  exists (select 1 from policy_bindings b where b.target = a.id and b.enabled)
                    as "has_policies!"
             from applications a left join providers p on p.id = a.provider_id
            where ($1::uuid is null or a.id = $1) and ($2::text is null or a.slug = $2)
            order by a.name, a.slug"#,
        id,
        slug
    )
    .fetch_all(db)
    .await?)
}

/// A constraint violation as a field error: the unique slug by its constraint name, and the
/// check constraints (which validation should have caught first) on their field.
fn constraint_field(e: sqlx::Error) -> Error {
    let field = match &e {
        sqlx::Error::Database(db) => match db.constraint() {
            Some("applications_slug_key") => {
                return Error::Field(
                    "slug".into(),
                    "An application with this slug already exists.".into(),
                );
            }
            Some("applications_slug_check") => "slug",
            Some("applications_name_check") => "name",
            Some("applications_group_check") => "group",
            Some("applications_launch_url_check") => "meta_launch_url",
            Some("applications_description_check") => "meta_description",
            Some("applications_publisher_check") => "meta_publisher",
            Some("applications_policy_engine_mode_check") => "policy_engine_mode",
            Some("applications_provider_key") => {
                return Error::Field(
                    "provider".into(),
                    "This provider already serves another application.".into(),
                );
            }
            Some("applications_provider_id_fkey") => {
                return Error::Field("provider".into(), form::NO_SUCH_PROVIDER.into());
            }
            _ => return Error::Database(e),
        },
        _ => return Error::Database(e),
    };
    Error::Field(field.into(), "This value is not allowed.".into())
}

/// Creates (`id` None) or updates an application in one transaction. For superusers.
pub async fn save(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &ApplicationForm,
) -> Result<Saved<Change>> {
    let mut tx = pool.begin().await?;
    let saved = save_in(&mut tx, actor, id, form).await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// `save` inside the caller's transaction (blueprints apply many changes in one). An update
/// that changes nothing writes nothing and no event. A field error leaves the transaction
/// unusable when it came from the database: the caller drops it.
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &ApplicationForm,
) -> Result<Saved<Change>> {
    let valid = match validate(form) {
        Ok(v) => v,
        Err(errors) => return Ok(Saved::Invalid(errors)),
    };
    let (id, action, before) = match id {
        None => {
            let id = Uuid::new_v4();
            let r = sqlx::query!(
                "insert into applications (id, slug, name, group_name, open_in_new_tab, meta_launch_url,
                                           meta_description, meta_publisher, policy_engine_mode,
                                           provider_id)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                id,
                valid.slug,
                valid.name,
                valid.group,
                valid.open_in_new_tab,
                valid.meta_launch_url,
                valid.meta_description,
                valid.meta_publisher,
                valid.policy_engine_mode,
                valid.provider
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return field_or(constraint_field(e));
            }
            (id, audit::MODEL_CREATED, Map::new())
        }
        Some(id) => {
            let old = get_for_update(tx, id)
                .await?
                .ok_or(Error::NotFound)?
                .valid();
            if old == valid {
                return Ok(Saved::Ok(Change { id, changed: false }));
            }
            let r = sqlx::query!(
                "update applications set slug = $2, name = $3, group_name = $4, open_in_new_tab = $5,
                        meta_launch_url = $6, meta_description = $7, meta_publisher = $8,
                        policy_engine_mode = $9, provider_id = $10
                  where id = $1",
                id,
                valid.slug,
                valid.name,
                valid.group,
                valid.open_in_new_tab,
                valid.meta_launch_url,
                valid.meta_description,
                valid.meta_publisher,
                valid.policy_engine_mode,
                valid.provider
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return field_or(constraint_field(e));
            }
            (id, audit::MODEL_UPDATED, old.fields())
        }
    };
    let changes = audit::diff(&before, &valid.fields());
    audit::record(&mut *tx, actor, action, MODEL, id, &valid.name, changes).await?;
    Ok(Saved::Ok(Change { id, changed: true }))
}

fn field_or<T>(e: Error) -> Result<Saved<T>> {
    match e {
        Error::Field(f, m) => Ok(Saved::Invalid(FieldErrors::from([(f, m)]))),
        other => Err(other),
    }
}

/// Deletes an application in one transaction. For superusers.
pub async fn delete(pool: &PgPool, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    delete_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(())
}

/// `delete` inside the caller's transaction; an unknown id is `NotFound`.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!("delete from applications where id = $1 returning name", id)
        .fetch_optional(&mut *tx)
        .await?;
    audit::record_delete(tx, actor, MODEL, id, name).await
}

/// "My applications": the listed applications with a launch URL that `user` may use (their
/// policies apply), by group then name.
pub async fn library(pool: &PgPool, user: Uuid) -> Result<Vec<crate::types::library::LibraryApp>> {
    let mut out = Vec::new();
    for app in list(pool).await? {
        if !app.is_listed() {
            continue;
        }
        let Some(launch_url) = app.launch_url() else {
            continue;
        };
        if !check_access(pool, &app, Some(user), None).await?.passing {
            continue;
        }
        out.push(crate::types::library::LibraryApp {
            slug: app.slug,
            name: app.name,
            group: app.group,
            description: app.meta_description,
            publisher: app.meta_publisher,
            launch_url,
            open_in_new_tab: app.open_in_new_tab,
        });
    }
    out.sort_by(|a, b| {
        (a.group.to_lowercase(), a.name.to_lowercase())
            .cmp(&(b.group.to_lowercase(), b.name.to_lowercase()))
    });
    Ok(out)
}

/// Whether `user` (None: nobody signed in) may use the application: its policy bindings,
/// combined by its policy engine mode.
pub async fn check_access(
    pool: &PgPool,
    app: &Application,
    user: Option<Uuid>,
    client: Option<&crate::ssr::client::ClientInfo>,
) -> Result<crate::ssr::policies::Verdict> {
    use crate::ssr::policies::{Request, Verdict, engine};
    // Most applications bind no policy: then everyone may use them, without a round trip.
    if !app.has_policies {
        return Ok(Verdict::pass());
    }
    let mut request = Request::for_user(user).for_application(app.id);
    if let Some(client) = client {
        request = request.from_client(client);
    }
    engine::evaluate(pool, app.id, &app.policy_engine_mode, &request).await
}
