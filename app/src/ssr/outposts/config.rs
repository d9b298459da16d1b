//! An outpost's `config`: authentik's `OutpostConfig` keys with their defaults, and the
//! checks its loader makes (every known key of its type; unknown keys are kept), plus Ward's
//! own: the hosts are http(s) URLs, the refresh interval a duration, the log level one the
//! outposts know.
use crate::ssr::stages::user_login::duration_secs;
use crate::types::validated::NUL_REFUSED;
use serde_json::{Value, json};

pub const LOG_LEVELS: [&str; 5] = ["trace", "debug", "info", "warning", "error"];
/// authentik's default `refresh_interval` (`minutes=5`), in seconds.
pub const DEFAULT_REFRESH_SECS: i64 = 300;
/// The most config text an outpost keeps.
const MAX_BYTES: usize = 64 * 1024;

/// authentik's `default_outpost_config(host)`: every key with its default.
pub fn defaults(host: &str) -> Value {
    json!({
        "authentik_host": host,
        "authentik_host_insecure": false,
        "authentik_host_browser": "",
        "log_level": "info",
        "object_naming_template": "ak-outpost-%(name)s",
        "refresh_interval": "minutes=5",
        "container_image": null,
        "docker_network": null,
        "docker_map_ports": true,
        "docker_labels": null,
        "kubernetes_replicas": 1,
        "kubernetes_namespace": "default",
        "kubernetes_ingress_annotations": {},
        "kubernetes_ingress_secret_name": "authentik-outpost-tls",
        "kubernetes_ingress_class_name": null,
        "kubernetes_ingress_path_type": null,
        "kubernetes_httproute_annotations": {},
        "kubernetes_httproute_parent_refs": [],
        "kubernetes_service_type": "ClusterIP",
        "kubernetes_disabled_components": [],
        "kubernetes_image_pull_secrets": [],
        "kubernetes_json_patches": null,
    })
}

/// The type authentik's `OutpostConfig` gives a key.
#[derive(Clone, Copy)]
enum Shape {
    Text,
    OptText,
    Flag,
    Count,
    TextMap,
    OptTextMap,
    TextList,
    MapList,
    OptObject,
}

impl Shape {
    fn fits(self, v: &Value) -> bool {
        let text_map = |v: &Value| {
            v.as_object()
                .is_some_and(|m| m.values().all(Value::is_string))
        };
        match self {
            Self::Text => v.is_string(),
            Self::OptText => v.is_string() || v.is_null(),
            Self::Flag => v.is_boolean(),
            Self::Count => v.as_i64().is_some_and(|n| (0..=10_000).contains(&n)),
            Self::TextMap => text_map(v),
            Self::OptTextMap => v.is_null() || text_map(v),
            Self::TextList => v.as_array().is_some_and(|l| l.iter().all(Value::is_string)),
            Self::MapList => v.as_array().is_some_and(|l| l.iter().all(text_map)),
            Self::OptObject => v.is_null() || v.is_object(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::OptText => "text or null",
            Self::Flag => "true or false",
            Self::Count => "a whole number from 0 to 10000",
            Self::TextMap => "an object of texts",
            Self::OptTextMap => "an object of texts, or null",
            Self::TextList => "a list of texts",
            Self::MapList => "a list of objects of texts",
            Self::OptObject => "an object, or null",
        }
    }
}

const KEYS: [(&str, Shape); 22] = [
    ("authentik_host", Shape::Text),
    ("authentik_host_insecure", Shape::Flag),
    ("authentik_host_browser", Shape::Text),
    ("log_level", Shape::Text),
    ("object_naming_template", Shape::Text),
    ("refresh_interval", Shape::Text),
    ("container_image", Shape::OptText),
    ("docker_network", Shape::OptText),
    ("docker_map_ports", Shape::Flag),
    ("docker_labels", Shape::OptTextMap),
    ("kubernetes_replicas", Shape::Count),
    ("kubernetes_namespace", Shape::Text),
    ("kubernetes_ingress_annotations", Shape::TextMap),
    ("kubernetes_ingress_secret_name", Shape::Text),
    ("kubernetes_ingress_class_name", Shape::OptText),
    ("kubernetes_ingress_path_type", Shape::OptText),
    ("kubernetes_httproute_annotations", Shape::TextMap),
    ("kubernetes_httproute_parent_refs", Shape::MapList),
    ("kubernetes_service_type", Shape::Text),
    ("kubernetes_disabled_components", Shape::TextList),
    ("kubernetes_image_pull_secrets", Shape::TextList),
    ("kubernetes_json_patches", Shape::OptObject),
];

fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(l) => l.iter().any(has_nul),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Empty, or an absolute http(s) URL with a host and no user, query or fragment.
fn host_ok(text: &str) -> bool {
    let text = text.trim();
    text.is_empty()
        || url::Url::parse(text).is_ok_and(|u| {
            ["http", "https"].contains(&u.scheme())
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
                && u.query().is_none()
                && u.fragment().is_none()
        })
}

/// Why `config` cannot be an outpost's config, if it cannot (the message for its field).
pub fn problem(config: &Value) -> Option<String> {
    let Some(map) = config.as_object() else {
        return Some("Give the config as a JSON object.".into());
    };
    if has_nul(config) {
        return Some(NUL_REFUSED.into());
    }
    if config.to_string().len() > MAX_BYTES {
        return Some("The config can be at most 64 KiB.".into());
    }
    let fail = |what: String| Some(format!("Failed to validate config: {what}"));
    for (key, shape) in KEYS {
        if let Some(v) = map.get(key)
            && !shape.fits(v)
        {
            return fail(format!("{key} must be {}.", shape.describe()));
        }
    }
    let text = |key: &str| map.get(key).and_then(Value::as_str);
    for key in ["authentik_host", "authentik_host_browser"] {
        if text(key).is_some_and(|h| !host_ok(h)) {
            return fail(format!(
                "{key} must be an http or https URL such as https://ward.example.com/ (or empty)."
            ));
        }
    }
    if let Some(level) = text("log_level")
        && !LOG_LEVELS.contains(&level)
    {
        return fail(format!(
            "log_level must be one of {}.",
            LOG_LEVELS.join(", ")
        ));
    }
    if let Some(interval) = text("refresh_interval")
        && !matches!(duration_secs(interval), Ok(Some(_)))
    {
        return fail("refresh_interval must be a duration such as minutes=5.".into());
    }
    None
}

/// How often the outpost reloads its configuration, in seconds (authentik's
/// `refresh_interval_s`): `refresh_interval`, else the default.
pub fn refresh_interval_secs(config: &Value) -> i64 {
    config
        .get("refresh_interval")
        .and_then(Value::as_str)
        .and_then(|t| duration_secs(t).ok().flatten())
        .unwrap_or(DEFAULT_REFRESH_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_give_five_minutes() {
        let d = defaults("https://ward.example.com/");
        assert_eq!(problem(&d), None);
        assert_eq!(refresh_interval_secs(&d), 300);
        assert_eq!(problem(&json!({})), None, "every key is optional");
        assert_eq!(
            problem(&json!({ "something_else": [1, {"x": null}] })),
            None,
            "unknown keys are kept, as authentik does"
        );
        assert_eq!(
            refresh_interval_secs(&json!({ "refresh_interval": "hours=1;minutes=30" })),
            5400
        );
        assert_eq!(
            refresh_interval_secs(&json!({ "refresh_interval": 3 })),
            300
        );
    }

    #[test]
    fn wrong_values_are_named() {
        for (config, needle) in [
            (json!([]), "JSON object"),
            (json!("x"), "JSON object"),
            (
                json!({ "authentik_host": 1 }),
                "authentik_host must be text",
            ),
            (
                json!({ "authentik_host": "ward.example.com" }),
                "http or https",
            ),
            (
                json!({ "authentik_host": "javascript:alert(1)" }),
                "http or https",
            ),
            (
                json!({ "authentik_host_browser": "https://u:p@h/" }),
                "authentik_host_browser",
            ),
            (json!({ "authentik_host_insecure": "no" }), "true or false"),
            (json!({ "log_level": "loud" }), "log_level"),
            (json!({ "refresh_interval": "soon" }), "refresh_interval"),
            (
                json!({ "refresh_interval": "minutes=0" }),
                "refresh_interval",
            ),
            (json!({ "kubernetes_replicas": -1 }), "kubernetes_replicas"),
            (json!({ "kubernetes_replicas": 1.5 }), "kubernetes_replicas"),
            (json!({ "docker_labels": { "a": 1 } }), "docker_labels"),
            (
                json!({ "kubernetes_disabled_components": "service" }),
                "list",
            ),
            (json!({ "x": "a\u{0}b" }), "NUL"),
            (json!({ "x": "a".repeat(70_000) }), "64 KiB"),
        ] {
            let p = problem(&config).unwrap_or_default();
            assert!(p.contains(needle), "{config}: {p}");
        }
    }

    proptest::proptest! {
        /// Any JSON-ish input: a message or None, never a panic; an accepted config always
        /// gives a positive refresh interval.
        #[test]
        fn config_checks_never_panic(
            key in proptest::sample::select(KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>()),
            text in proptest::prelude::any::<String>(),
            n in proptest::prelude::any::<i64>(),
            f in proptest::prelude::any::<f64>(),
            b in proptest::prelude::any::<bool>(),
        ) {
            for v in [json!(text), json!(n), json!(f), json!(b), json!([text]), json!({ "k": text }), Value::Null] {
                let mut config = serde_json::Map::new();
                config.insert(key.to_string(), v);
                let config = Value::Object(config);
                if problem(&config).is_none() {
                    proptest::prop_assert!(refresh_interval_secs(&config) > 0);
                }
            }
        }
    }
}
