//! The admin screen's side of property mappings: rows with the form that edits them, and
//! saving and deleting through `edit` (validated and audited there). Built-in (managed)
//! mappings are listed but neither changed nor deleted here: Ward computes their claims itself
//! and its default blueprint owns them.
use super::{by_kind, edit};
use crate::ssr::audit::Actor;
use crate::ssr::{Error, Result};
use crate::types::directory::Saved;
use crate::types::property_mappings::{PropertyMappingRow, ScopeMappingForm};
use serde_json::{Value as Json, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Why a built-in mapping is refused here.
pub const BUILT_IN: &str =
    "Built-in mappings are kept by Ward and cannot be changed or deleted here.";

fn text(config: &Json, key: &str) -> String {
    config
        .get(key)
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string()
}

fn row_of(m: edit::MappingRow) -> PropertyMappingRow {
    let c = &m.config;
    let claims: Vec<String> = c
        .get("attribute_claims")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    PropertyMappingRow {
        id: m.id.to_string(),
        verbose_name: m.kind.verbose_name.into(),
        managed: m.managed.is_some(),
        expression: text(c, "expression"),
        form: ScopeMappingForm {
            name: m.name.clone(),
            scope_name: text(c, "scope_name"),
            description: text(c, "description"),
            attribute_claims: claims.join("\n"),
            expression: text(c, "expression"),
        },
        name: m.name,
    }
}

/// The attribute keys of the form's text: one a line, trimmed, blank lines skipped.
pub fn attribute_claims(lines: &str) -> Vec<String> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every property mapping, by name.
pub async fn rows(pool: &PgPool) -> Result<Vec<PropertyMappingRow>> {
    Ok(edit::list(pool, None)
        .await?
        .into_iter()
        .map(row_of)
        .collect())
}

/// Creates (`id` None) or updates a custom scope mapping from the form; field errors from the
/// type's checks. A built-in mapping is refused.
pub async fn save_scope(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &ScopeMappingForm,
) -> Result<Saved<Uuid>> {
    let kind = by_kind("scope").ok_or_else(|| Error::internal("no scope mapping kind"))?;
    let mut tx = pool.begin().await?;
    let mut config = match id {
        Some(pid) => {
            let current = edit::get(&mut *tx, pid).await?.ok_or(Error::NotFound)?;
            if current.kind.kind != kind.kind {
                return Err(Error::NotFound);
            }
            if current.managed.is_some() {
                return Err(Error::Invalid(BUILT_IN.into()));
            }
            match current.config {
                Json::Object(m) => m,
                _ => serde_json::Map::new(),
            }
        }
        None => serde_json::Map::new(),
    };
    config.insert("scope_name".into(), json!(form.scope_name.trim()));
    config.insert("description".into(), json!(form.description.trim()));
    config.insert(
        "attribute_claims".into(),
        json!(attribute_claims(&form.attribute_claims)),
    );
    config.insert("expression".into(), json!(form.expression));
    let saved = edit::save_in(
        &mut tx,
        actor,
        id,
        kind,
        &form.name,
        None,
        &Json::Object(config),
    )
    .await?;
    if matches!(saved, Saved::Ok(_)) {
        tx.commit().await?;
    }
    Ok(saved)
}

/// Deletes a custom mapping (audited); providers that listed it stop offering its scope.
pub async fn delete(pool: &PgPool, actor: &Actor<'_>, id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    let current = edit::get(&mut *tx, id).await?.ok_or(Error::NotFound)?;
    if current.managed.is_some() {
        return Err(Error::Invalid(BUILT_IN.into()));
    }
    edit::delete_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::attribute_claims;

    #[test]
    fn attribute_claims_are_one_a_line() {
        assert_eq!(
            attribute_claims(" department\r\n\n cost center \nlocale"),
            ["department", "cost center", "locale"]
        );
        assert!(attribute_claims("\n  \n").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_text_gives_trimmed_non_empty_keys(raw in proptest::prelude::any::<String>()) {
            for key in attribute_claims(&raw) {
                proptest::prop_assert!(!key.is_empty() && key.trim() == key && !key.contains('\n'));
            }
        }
    }
}
