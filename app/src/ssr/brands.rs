//! Brands: matched on the request's Host, edited by admins. Every change is audited.
use crate::ssr::Result;
use crate::ssr::audit::{self, Actor};
use crate::types::brands::{Brand, BrandForm, FooterLink};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// Custom CSS is limited to this many bytes.
pub const MAX_CSS: usize = 64 * 1024;

const COLUMNS: &str = "id, domain::text as domain, is_default, title, logo, favicon, background,
    custom_css, primary_color, flow_authentication, flow_invalidation, flow_recovery,
    flow_user_settings, flow_device_code, default_application, footer_links";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    domain: String,
    is_default: bool,
    title: String,
    logo: Option<String>,
    favicon: Option<String>,
    background: Option<String>,
    custom_css: String,
    primary_color: String,
    flow_authentication: Option<String>,
    flow_invalidation: Option<String>,
    flow_recovery: Option<String>,
    flow_user_settings: Option<String>,
    flow_device_code: Option<String>,
    default_application: String,
    footer_links: Value,
}

impl From<Row> for Brand {
    fn from(r: Row) -> Self {
        Brand {
            id: r.id.to_string(),
            form: BrandForm {
                domain: r.domain,
                is_default: r.is_default,
                title: r.title,
                custom_css: r.custom_css,
                primary_color: r.primary_color,
                flow_authentication: r.flow_authentication.unwrap_or_default(),
                flow_invalidation: r.flow_invalidation.unwrap_or_default(),
                flow_recovery: r.flow_recovery.unwrap_or_default(),
                flow_user_settings: r.flow_user_settings.unwrap_or_default(),
                flow_device_code: r.flow_device_code.unwrap_or_default(),
                default_application: r.default_application,
                footer_links: serde_json::from_value(r.footer_links).unwrap_or_default(),
            },
            logo: r.logo.unwrap_or_default(),
            favicon: r.favicon.unwrap_or_default(),
            background: r.background.unwrap_or_default(),
        }
    }
}

/// The host name of a Host header: lowercased, without the port (IPv6 literals keep brackets).
pub fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The brand for a request's Host: an exact domain match, else the longest domain the host
/// ends with as `.domain`, else the default brand (else Ward's built-in look).
pub async fn resolve(pool: &PgPool, host: &str) -> Result<Brand> {
    let host = host_name(host);
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from brands
          where lower(domain::text) = $1
             or right($1, length(domain::text) + 1) = '.' || lower(domain::text)
             or is_default
          order by case when lower(domain::text) = $1 then 0 when is_default
                        and right($1, length(domain::text) + 1) <> '.' || lower(domain::text)
                        then 2 else 1 end,
                   length(domain::text) desc
          limit 1"
    ))
    .bind(&host)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Brand::from).unwrap_or_default())
}

pub async fn list(pool: &PgPool) -> Result<Vec<Brand>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from brands order by is_default desc, domain"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Brand::from).collect())
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Brand>> {
    let row: Option<Row> = sqlx::query_as(&format!("select {COLUMNS} from brands where id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(Brand::from))
}

/// The brand the server attached to this request (see the server's brand middleware), when
/// rendering or answering a server fn; the built-in look otherwise.
pub fn from_context() -> Brand {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Brand>().cloned())
        .unwrap_or_default()
}

/// A DNS host name: dot-separated labels of letters, digits and inner hyphens.
pub fn valid_host(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub fn valid_color(color: &str) -> bool {
    color.len() == 7 && color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn valid_href(href: &str) -> bool {
    url::Url::parse(href.trim())
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false)
}

/// The checks that need no database.
pub fn validate(form: &BrandForm) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if !valid_host(&form.domain) {
        errors.insert(
            "domain".into(),
            "Enter a host name such as login.example.com.".into(),
        );
    }
    if form.title.trim().is_empty() || form.title.chars().count() > 200 {
        errors.insert(
            "title".into(),
            "Enter a title of 1 to 200 characters.".into(),
        );
    }
    if !valid_color(&form.primary_color) {
        errors.insert("primary_color".into(), "Enter a colour as #rrggbb.".into());
    }
    if form.custom_css.len() > MAX_CSS {
        errors.insert("custom_css".into(), "At most 64 KiB of CSS.".into());
    } else if form.custom_css.to_ascii_lowercase().contains("</style") {
        errors.insert(
            "custom_css".into(),
            "The CSS must not contain \"</style\".".into(),
        );
    }
    if form.footer_links.len() > 20 {
        errors.insert("footer_links".into(), "At most 20 links.".into());
    } else if form
        .footer_links
        .iter()
        .any(|l| l.name.trim().is_empty() || !valid_href(&l.href))
    {
        errors.insert(
            "footer_links".into(),
            "Every link needs a name and an http(s) address.".into(),
        );
    }
    let texts = [&form.title, &form.custom_css, &form.default_application];
    if texts.iter().any(|t| crate::types::validated::has_nul(t))
        || form
            .footer_links
            .iter()
            .any(|l| crate::types::validated::has_nul(&l.name))
    {
        errors.insert("title".into(), crate::types::validated::NUL_REFUSED.into());
    }
    if form.default_application.chars().count() > 200 {
        errors.insert(
            "default_application".into(),
            "At most 200 characters.".into(),
        );
    }
    errors
}

fn normalized(form: BrandForm) -> BrandForm {
    BrandForm {
        domain: form
            .domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase(),
        title: form.title.trim().to_string(),
        primary_color: form.primary_color.trim().to_ascii_lowercase(),
        flow_authentication: form.flow_authentication.trim().to_string(),
        flow_invalidation: form.flow_invalidation.trim().to_string(),
        flow_recovery: form.flow_recovery.trim().to_string(),
        flow_user_settings: form.flow_user_settings.trim().to_string(),
        flow_device_code: form.flow_device_code.trim().to_string(),
        default_application: form.default_application.trim().to_string(),
        footer_links: form
            .footer_links
            .into_iter()
            .map(|l| FooterLink {
                name: l.name.trim().to_string(),
                href: l.href.trim().to_string(),
            })
            .collect(),
        ..form
    }
}

fn flow_fields(form: &BrandForm) -> [(&'static str, &str); 5] {
    [
        ("flow_authentication", form.flow_authentication.as_str()),
        ("flow_invalidation", form.flow_invalidation.as_str()),
        ("flow_recovery", form.flow_recovery.as_str()),
        ("flow_user_settings", form.flow_user_settings.as_str()),
        ("flow_device_code", form.flow_device_code.as_str()),
    ]
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn fields(form: &BrandForm) -> Map<String, Value> {
    match json!(form) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Creates (`id` None) or updates a brand. Setting `is_default` takes it from the old default.
pub async fn save(
    pool: &PgPool,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: BrandForm,
) -> Result<Saved<Brand>> {
    let form = normalized(form);
    let mut errors = validate(&form);
    for (field, slug) in flow_fields(&form) {
        if slug.is_empty() {
            continue;
        }
        let exists: bool =
            sqlx::query_scalar("select exists (select 1 from flows where slug = $1)")
                .bind(slug)
                .fetch_one(pool)
                .await?;
        if !exists {
            errors.insert(field.into(), "No flow with this slug.".into());
        }
    }
    let duplicate: bool = sqlx::query_scalar(
        "select exists (select 1 from brands where domain = $1::citext and id <> $2)",
    )
    .bind(&form.domain)
    .bind(id.unwrap_or(Uuid::nil()))
    .fetch_one(pool)
    .await?;
    if duplicate {
        errors.insert(
            "domain".into(),
            "A brand for this domain already exists.".into(),
        );
    }
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let mut tx = pool.begin().await?;
    let before = match id {
        Some(id) => {
            let row: Option<Row> = sqlx::query_as(&format!(
                "select {COLUMNS} from brands where id = $1 for update"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Err(crate::ssr::Error::NotFound);
            };
            Some(Brand::from(row))
        }
        None => None,
    };
    if before.as_ref().is_some_and(|b| b.form.is_default) && !form.is_default {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "is_default".into(),
            "Make another brand the default instead.".into(),
        )])));
    }
    if form.is_default {
        sqlx::query("update brands set is_default = false where is_default and id <> $1")
            .bind(id.unwrap_or(Uuid::nil()))
            .execute(&mut *tx)
            .await?;
    }
    let pk = id.unwrap_or_else(Uuid::new_v4);
    let links = json!(form.footer_links);
    let written = sqlx::query(
        "insert into brands (id, domain, is_default, title, custom_css, primary_color,
                flow_authentication, flow_invalidation, flow_recovery, flow_user_settings,
                flow_device_code, default_application, footer_links)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         on conflict (id) do update set domain = excluded.domain,
                is_default = excluded.is_default, title = excluded.title,
                custom_css = excluded.custom_css, primary_color = excluded.primary_color,
                flow_authentication = excluded.flow_authentication,
                flow_invalidation = excluded.flow_invalidation,
                flow_recovery = excluded.flow_recovery,
                flow_user_settings = excluded.flow_user_settings,
                flow_device_code = excluded.flow_device_code,
                default_application = excluded.default_application,
                footer_links = excluded.footer_links",
    )
    .bind(pk)
    .bind(&form.domain)
    .bind(form.is_default)
    .bind(&form.title)
    .bind(&form.custom_css)
    .bind(&form.primary_color)
    .bind(opt(&form.flow_authentication))
    .bind(opt(&form.flow_invalidation))
    .bind(opt(&form.flow_recovery))
    .bind(opt(&form.flow_user_settings))
    .bind(opt(&form.flow_device_code))
    .bind(&form.default_application)
    .bind(&links)
    .execute(&mut *tx)
    .await;
    if let Err(sqlx::Error::Database(db)) = &written
        && db.constraint() == Some("brands_domain_key")
    {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "domain".into(),
            "A brand for this domain already exists.".into(),
        )])));
    }
    written?;
    let (action, changes) = match &before {
        Some(b) => (
            audit::MODEL_UPDATED,
            audit::diff(&fields(&b.form), &fields(&form)),
        ),
        None => (audit::MODEL_CREATED, fields(&form)),
    };
    if before.is_none() || !changes.is_empty() {
        audit::record(&mut *tx, actor, action, "brand", pk, &form.domain, changes).await?;
    }
    tx.commit().await?;
    let saved = get(pool, pk).await?.ok_or(crate::ssr::Error::NotFound)?;
    Ok(Saved::Ok(saved))
}

/// What a deletion returns: the domain and the image paths.
type Deleted = (String, Option<String>, Option<String>, Option<String>);

/// Deletes a brand (never the default one) and then its images.
pub async fn delete(
    pool: &PgPool,
    actor: &Actor<'_>,
    media_dir: &std::path::Path,
    id: Uuid,
) -> Result<Saved<()>> {
    let mut tx = pool.begin().await?;
    let is_default: Option<bool> =
        sqlx::query_scalar("select is_default from brands where id = $1 for update")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if is_default == Some(true) {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "is_default".into(),
            "The default brand cannot be deleted.".into(),
        )])));
    }
    let deleted: Option<Deleted> = sqlx::query_as(
        "delete from brands where id = $1 and not is_default
             returning domain::text, logo, favicon, background",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let name = deleted.as_ref().map(|d| d.0.clone());
    audit::commit_delete(tx, actor, "brand", id, name).await?;
    if let Some((_, logo, favicon, background)) = deleted {
        for path in [logo, favicon, background].into_iter().flatten() {
            crate::ssr::media::remove(media_dir, &path).await;
        }
    }
    Ok(Saved::Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_lose_port_and_case() {
        assert_eq!(host_name("B.Example:8080"), "b.example");
        assert_eq!(host_name("localhost"), "localhost");
        assert_eq!(host_name("[::1]:9000"), "[::1]");
    }

    #[test]
    fn validation() {
        let ok = BrandForm {
            domain: "login.example.com".into(),
            footer_links: vec![FooterLink {
                name: "Help".into(),
                href: "https://example.com/help".into(),
            }],
            ..BrandForm::default()
        };
        assert!(validate(&ok).is_empty(), "{:?}", validate(&ok));
        let bad = BrandForm {
            domain: "bad domain".into(),
            primary_color: "red".into(),
            custom_css: "a{}</STYLE><script>".into(),
            footer_links: vec![FooterLink {
                name: "x".into(),
                href: "javascript:alert(1)".into(),
            }],
            ..BrandForm::default()
        };
        let errors = validate(&bad);
        for field in ["domain", "primary_color", "custom_css", "footer_links"] {
            assert!(errors.contains_key(field), "{field}");
        }
    }
}
