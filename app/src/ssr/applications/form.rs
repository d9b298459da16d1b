//! An application as entered (REST body, blueprint entry) and its validation into the values
//! that are stored.
use crate::types::flow::FieldErrors;
use crate::types::validated::{NUL_REFUSED, has_nul};
use serde_json::{Map, Value, json};

pub const SLUG_MAX: usize = 50;
pub const NAME_MAX: usize = 200;
pub const GROUP_MAX: usize = 200;
pub const PUBLISHER_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 4000;
pub const LAUNCH_URL_MAX: usize = 2000;

/// Why backchannel providers are refused (the REST API and blueprints show it on the field).
pub const NO_BACKCHANNEL: &str =
    "Ward has no backchannel providers yet: leave backchannel_providers empty.";

/// Slugs the OAuth2 endpoints use under `/application/o/` (as authentik refuses them).
/// A provider pk that names no provider.
pub const NO_SUCH_PROVIDER: &str = "No provider has this pk.";

pub const RESERVED_SLUGS: &[&str] = &[
    "authorize",
    "token",
    "device",
    "userinfo",
    "introspect",
    "revoke",
];

/// The fields of an application as given; `validate` turns it into what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationForm {
    pub name: String,
    pub slug: String,
    pub group: String,
    /// The provider's pk as given (None = null).
    pub provider: Option<String>,
    pub open_in_new_tab: bool,
    pub meta_launch_url: String,
    pub meta_description: String,
    pub meta_publisher: String,
    /// `any` or `all`.
    pub policy_engine_mode: String,
}

impl Default for ApplicationForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            slug: String::new(),
            group: String::new(),
            provider: None,
            open_in_new_tab: false,
            meta_launch_url: String::new(),
            meta_description: String::new(),
            meta_publisher: String::new(),
            policy_engine_mode: "any".into(),
        }
    }
}

/// A checked application: what the table holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidApplication {
    pub name: String,
    pub slug: String,
    pub group: String,
    pub provider: Option<uuid::Uuid>,
    pub open_in_new_tab: bool,
    pub meta_launch_url: String,
    pub meta_description: String,
    pub meta_publisher: String,
    pub policy_engine_mode: String,
}

impl ValidApplication {
    /// The fields an audit event compares.
    pub fn fields(&self) -> Map<String, Value> {
        Map::from_iter([
            ("name".to_string(), json!(self.name)),
            ("slug".to_string(), json!(self.slug)),
            ("group".to_string(), json!(self.group)),
            ("provider".to_string(), json!(self.provider)),
            ("open_in_new_tab".to_string(), json!(self.open_in_new_tab)),
            ("meta_launch_url".to_string(), json!(self.meta_launch_url)),
            ("meta_description".to_string(), json!(self.meta_description)),
            ("meta_publisher".to_string(), json!(self.meta_publisher)),
            (
                "policy_engine_mode".to_string(),
                json!(self.policy_engine_mode),
            ),
        ])
    }
}

/// Lowercase letters, digits, `-` and `_`, 1 to 50 of them.
pub fn check_slug(slug: &str) -> Result<(), String> {
    let ok = !slug.is_empty()
        && slug.len() <= SLUG_MAX
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Use 1 to {SLUG_MAX} lowercase letters, digits, hyphens (-) and underscores (_)."
        ))
    }
}

/// An http or https URL with a host, `blank://blank`, or empty.
pub fn check_launch_url(raw: &str) -> Result<(), String> {
    // `blank://blank` hides the application from the portal (authentik's convention).
    if raw.is_empty() || raw == "blank://blank" {
        return Ok(());
    }
    let bad = || "Enter an http:// or https:// URL, or leave it empty.".to_string();
    if raw.chars().count() > LAUNCH_URL_MAX {
        return Err(format!("URLs have at most {LAUNCH_URL_MAX} characters."));
    }
    // Stored as typed, so it must not need escaping to be a URL.
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(bad()),
    }
}

/// Text of at most `max` characters without NUL.
fn bounded(errors: &mut FieldErrors, field: &str, value: &str, max: usize) {
    if has_nul(value) {
        errors.insert(field.into(), NUL_REFUSED.into());
    } else if value.chars().count() > max {
        errors.insert(field.into(), format!("Use at most {max} characters."));
    }
}

/// Checks every field, trimming the one-line ones; all problems at once, by field.
pub fn validate(form: &ApplicationForm) -> Result<ValidApplication, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = form.name.trim().to_string();
    if has_nul(&name) {
        errors.insert("name".into(), NUL_REFUSED.into());
    } else if name.is_empty() || name.chars().count() > NAME_MAX {
        errors.insert(
            "name".into(),
            format!("Give the application a name of 1 to {NAME_MAX} characters."),
        );
    }
    let slug = form.slug.trim().to_string();
    if let Err(m) = check_slug(&slug) {
        errors.insert("slug".into(), m);
    } else if RESERVED_SLUGS.contains(&slug.as_str()) {
        errors.insert(
            "slug".into(),
            format!("The slug {slug} is reserved for Ward's OAuth2 endpoints; choose another."),
        );
    }
    let group = form.group.trim().to_string();
    bounded(&mut errors, "group", &group, GROUP_MAX);
    let publisher = form.meta_publisher.trim().to_string();
    bounded(&mut errors, "meta_publisher", &publisher, PUBLISHER_MAX);
    bounded(
        &mut errors,
        "meta_description",
        &form.meta_description,
        DESCRIPTION_MAX,
    );
    let launch_url = form.meta_launch_url.trim().to_string();
    if let Err(m) = check_launch_url(&launch_url) {
        errors.insert("meta_launch_url".into(), m);
    }
    let mode = form.policy_engine_mode.trim();
    if let Some(m) = crate::ssr::policies::check_engine_mode(mode) {
        errors.insert("policy_engine_mode".into(), m);
    }
    let provider = match form.provider.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match raw.parse::<uuid::Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert("provider".into(), NO_SUCH_PROVIDER.into());
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidApplication {
        name,
        slug,
        group,
        provider,
        open_in_new_tab: form.open_in_new_tab,
        meta_launch_url: launch_url,
        meta_description: form.meta_description.clone(),
        meta_publisher: publisher,
        policy_engine_mode: mode.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, slug: &str) -> ApplicationForm {
        ApplicationForm {
            name: name.into(),
            slug: slug.into(),
            ..Default::default()
        }
    }

    fn errors(f: &ApplicationForm) -> Vec<String> {
        validate(f)
            .err()
            .map(|e| e.into_keys().collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_plain_application_is_valid_and_trimmed() {
        let v = validate(&form("  Grafana ", " grafana_2-x ")).expect("valid");
        assert_eq!(
            (v.name.as_str(), v.slug.as_str()),
            ("Grafana", "grafana_2-x")
        );
        assert_eq!(v.policy_engine_mode, "any");
    }

    #[test]
    fn slugs_are_lowercase_letters_digits_hyphens_underscores() {
        let long = "a".repeat(51);
        for bad in [
            "",
            "Grafana",
            "a b",
            "a/b",
            "a.b",
            "é",
            "a\0",
            long.as_str(),
        ] {
            assert_eq!(errors(&form("x", bad)), ["slug"], "{bad:?}");
        }
        assert!(validate(&form("x", &"a".repeat(50))).is_ok());
    }

    #[test]
    fn names_are_one_to_two_hundred_characters_without_nul() {
        assert_eq!(errors(&form("  ", "a")), ["name"]);
        assert_eq!(errors(&form(&"n".repeat(201), "a")), ["name"]);
        assert_eq!(errors(&form("a\0b", "a")), ["name"]);
        assert!(validate(&form(&"é".repeat(200), "a")).is_ok());
    }

    #[test]
    fn launch_urls_are_http_or_https() {
        for ok in [
            "",
            "https://grafana.example.com/",
            "http://10.0.0.1:3000/x?y=1",
        ] {
            assert_eq!(check_launch_url(ok), Ok(()), "{ok}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2000));
        for bad in [
            "javascript:alert(1)",
            "ftp://example.com/",
            "example.com",
            "https://",
            "https://exa mple.com",
            "https://example.com/\0",
            long.as_str(),
        ] {
            assert!(check_launch_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn texts_are_capped_and_nul_free() {
        let mut f = form("x", "x");
        f.meta_description = "d".repeat(4001);
        f.meta_publisher = "p\0".into();
        f.group = "g".repeat(201);
        assert_eq!(errors(&f), ["group", "meta_description", "meta_publisher"]);
    }

    #[test]
    fn policy_engine_mode_and_provider() {
        let mut f = form("x", "x");
        f.policy_engine_mode = "all".into();
        assert_eq!(validate(&f).expect("valid").policy_engine_mode, "all");
        f.policy_engine_mode = "most".into();
        f.provider = Some("1".into());
        assert_eq!(errors(&f), ["policy_engine_mode", "provider"]);
        f.policy_engine_mode = "any".into();
        let id = uuid::Uuid::new_v4();
        f.provider = Some(format!(" {id} "));
        assert_eq!(validate(&f).expect("valid").provider, Some(id));
        f.provider = Some(String::new());
        assert_eq!(validate(&f).expect("valid").provider, None);
    }

    #[test]
    fn oauth2_endpoint_slugs_are_reserved() {
        for slug in RESERVED_SLUGS {
            assert_eq!(errors(&form("x", slug)), ["slug"], "{slug}");
        }
        assert!(validate(&form("x", "authorize-me")).is_ok());
    }
}
