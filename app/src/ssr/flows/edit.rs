//! Admin edits of flows: slug, name, title and designation. Their stages are bound in
//! [`super::bindings`]. The REST API and blueprints both come through here.
use crate::ssr::audit::{self, Actor};
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value as Json, json};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub const DESIGNATIONS: [&str; 7] = [
    "authentication",
    "authorization",
    "enrollment",
    "invalidation",
    "recovery",
    "stage_configuration",
    "unenrollment",
];

/// Who may start a flow (authentik's `authentication`). authentik's `require_redirect` and
/// `require_outpost` have no meaning in Ward yet and are refused.
pub const AUTHENTICATION: [&str; 4] = [
    "none",
    "require_authenticated",
    "require_unauthenticated",
    "require_superuser",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowForm {
    pub slug: String,
    pub name: String,
    pub title: String,
    pub designation: String,
    /// How the flow's policy bindings combine: `any` or `all`.
    pub policy_engine_mode: String,
    /// Who may start it: one of [`AUTHENTICATION`].
    pub authentication: String,
}

impl Default for FlowForm {
    fn default() -> Self {
        FlowForm {
            slug: String::new(),
            name: String::new(),
            title: String::new(),
            designation: String::new(),
            policy_engine_mode: "any".into(),
            authentication: "none".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowRow {
    pub id: Uuid,
    pub form: FlowForm,
    /// Stage pks in binding order.
    pub stages: Vec<Uuid>,
}

/// authentik's slug rule: letters, digits, `-` and `_`, 1 to 50 of them.
pub fn check_slug(slug: &str) -> Option<&'static str> {
    let ok = !slug.is_empty()
        && slug.len() <= 50
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!ok).then_some("Use 1 to 50 letters, digits, - and _.")
}

fn validate(form: &FlowForm) -> Result<FlowForm, FieldErrors> {
    let mut errors = FieldErrors::new();
    let slug = form.slug.trim().to_string();
    if let Some(msg) = check_slug(&slug) {
        errors.insert("slug".into(), msg.into());
    }
    let mut text = |field: &str, value: &str| {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > 200 {
            errors.insert(field.into(), "Write 1 to 200 characters.".into());
        } else if crate::types::validated::has_nul(v) {
            errors.insert(field.into(), crate::types::validated::NUL_REFUSED.into());
        }
        v.to_string()
    };
    let name = text("name", &form.name);
    let title = text("title", &form.title);
    if !DESIGNATIONS.contains(&form.designation.as_str()) {
        errors.insert(
            "designation".into(),
            format!("Choose one of: {}.", DESIGNATIONS.join(", ")),
        );
    }
    if let Some(msg) = crate::ssr::policies::check_engine_mode(&form.policy_engine_mode) {
        errors.insert("policy_engine_mode".into(), msg);
    }
    if !AUTHENTICATION.contains(&form.authentication.as_str()) {
        errors.insert(
            "authentication".into(),
            format!("Choose one of: {}.", AUTHENTICATION.join(", ")),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(FlowForm {
        slug,
        name,
        title,
        designation: form.designation.clone(),
        policy_engine_mode: form.policy_engine_mode.clone(),
        authentication: form.authentication.clone(),
    })
}

fn fields(f: &FlowForm) -> Map<String, Json> {
    Map::from_iter([
        ("slug".to_string(), json!(f.slug)),
        ("name".to_string(), json!(f.name)),
        ("title".to_string(), json!(f.title)),
        ("designation".to_string(), json!(f.designation)),
        (
            "policy_engine_mode".to_string(),
            json!(f.policy_engine_mode),
        ),
    ])
}

/// Every flow, by slug, with its stages in order.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<FlowRow>> {
    let rows = sqlx::query!(
        r#"select f.id, f.slug, f.name, f.title, f.designation, f.policy_engine_mode, f.authentication,
                  coalesce(array_agg(b.stage_id order by b.position) filter (where b.stage_id is not null), '{}') as "stages!"
             from flows f left join flow_stage_bindings b on b.flow_id = f.id
            group by f.id
            order by f.slug"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| FlowRow {
            id: r.id,
            form: FlowForm {
                slug: r.slug,
                name: r.name,
                title: r.title,
                designation: r.designation,
                policy_engine_mode: r.policy_engine_mode,
                authentication: r.authentication,
            },
            stages: r.stages,
        })
        .collect())
}

pub async fn by_slug(db: impl PgExecutor<'_>, slug: &str) -> Result<Option<FlowRow>> {
    Ok(list(db).await?.into_iter().find(|f| f.form.slug == slug))
}

/// Creates (`id` None) or updates a flow.
pub async fn save_in(
    tx: &mut PgConnection,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &FlowForm,
) -> Result<Saved<Uuid>> {
    let valid = match validate(form) {
        Ok(v) => v,
        Err(e) => return Ok(Saved::Invalid(e)),
    };
    let (fid, action, before) = match id {
        None => {
            let fid = Uuid::new_v4();
            let r = sqlx::query!(
                "insert into flows (id, slug, name, title, designation, policy_engine_mode, authentication)
                 values ($1, $2, $3, $4, $5, $6, $7)",
                fid,
                valid.slug,
                valid.name,
                valid.title,
                valid.designation,
                valid.policy_engine_mode,
                valid.authentication
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_slug(e);
            }
            (fid, audit::MODEL_CREATED, Map::new())
        }
        Some(fid) => {
            let old = sqlx::query!(
                "select slug, name, title, designation, policy_engine_mode, authentication
                   from flows where id = $1 for update",
                fid
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
            let old = FlowForm {
                slug: old.slug,
                name: old.name,
                title: old.title,
                designation: old.designation,
                policy_engine_mode: old.policy_engine_mode,
                authentication: old.authentication,
            };
            if old == valid {
                return Ok(Saved::Ok(fid));
            }
            let r = sqlx::query!(
                "update flows set slug = $2, name = $3, title = $4, designation = $5,
                        policy_engine_mode = $6, authentication = $7
                  where id = $1",
                fid,
                valid.slug,
                valid.name,
                valid.title,
                valid.designation,
                valid.policy_engine_mode,
                valid.authentication
            )
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return unique_slug(e);
            }
            (fid, audit::MODEL_UPDATED, fields(&old))
        }
    };
    let changes = audit::diff(&before, &fields(&valid));
    audit::record(&mut *tx, actor, action, "flow", fid, &valid.name, changes).await?;
    Ok(Saved::Ok(fid))
}

fn unique_slug<T>(e: sqlx::Error) -> Result<Saved<T>> {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("flows_slug_key") => {
            Ok(Saved::Invalid(FieldErrors::from([(
                "slug".to_string(),
                "A flow with this slug already exists.".to_string(),
            )])))
        }
        _ => Err(Error::Database(e)),
    }
}

/// Deletes a flow and its bindings (its stages stay). NotFound when no flow has that id.
pub async fn delete_in(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let name = sqlx::query_scalar!("delete from flows where id = $1 returning name", id)
        .fetch_optional(&mut *tx)
        .await?;
    audit::record_delete(tx, actor, "flow", id, name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(slug: &str, designation: &str) -> FlowForm {
        FlowForm {
            slug: slug.into(),
            name: "A flow".into(),
            title: "Welcome".into(),
            designation: designation.into(),
            policy_engine_mode: "any".into(),
            authentication: "none".into(),
        }
    }

    #[test]
    fn flows_are_checked() {
        assert!(validate(&form("my-flow_2", "authentication")).is_ok());
        let e = validate(&form("my flow", "login")).expect_err("invalid");
        assert!(e.contains_key("slug") && e.contains_key("designation"));
        let mut f = form("ok", "recovery");
        f.title = "a\0b".into();
        assert!(validate(&f).expect_err("nul").contains_key("title"));
        let mut f = form("ok", "recovery");
        f.authentication = "require_outpost".into();
        assert!(
            validate(&f)
                .expect_err("outposts")
                .contains_key("authentication")
        );
    }
}
