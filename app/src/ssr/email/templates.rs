//! Email templates: built in, overridable by files in the data dir. `{{ name }}` is replaced
//! by a variable; in HTML the value is escaped.
use std::path::Path;

const BUILT_IN: &[(&str, &str, &str)] = &[
    (
        "test",
        include_str!("templates/test.html"),
        include_str!("templates/test.txt"),
    ),
    (
        "email_otp",
        include_str!("templates/email_otp.html"),
        include_str!("templates/email_otp.txt"),
    ),
];

/// (html, text) of a template, the data dir's copy first. None if the name is unknown.
pub fn load(dir: &Path, name: &str) -> Option<(String, String)> {
    // Names come from code, but a path must never be built from anything but a plain word.
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let built_in = BUILT_IN.iter().find(|(n, _, _)| *n == name);
    let read = |ext: &str, fallback: Option<&str>| {
        std::fs::read_to_string(dir.join(format!("{name}.{ext}")))
            .ok()
            .or_else(|| fallback.map(str::to_owned))
    };
    let html = read("html", built_in.map(|t| t.1))?;
    let text = read("txt", built_in.map(|t| t.2))?;
    Some((html, text))
}

/// Replaces `{{ key }}` (spaces optional) with `vars[key]`; unknown keys become empty.
pub fn render(
    template: &str,
    vars: &serde_json::Map<String, serde_json::Value>,
    html: bool,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let key = rest[start + 2..start + len].trim();
        let value = match vars.get(key) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        if html {
            out.push_str(&escape(&value));
        } else {
            out.push_str(&value);
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variables_are_filled_and_escaped_in_html() {
        let vars = json!({ "name": "<b>Jo & co</b>", "n": 3 });
        let vars = vars.as_object().expect("object");
        assert_eq!(
            render("Hi {{name}}, {{ n }}{{ missing }}!", vars, false),
            "Hi <b>Jo & co</b>, 3!"
        );
        assert_eq!(
            render("<p>{{ name }}</p>", vars, true),
            "<p>&lt;b&gt;Jo &amp; co&lt;/b&gt;</p>"
        );
        assert_eq!(render("unclosed {{ name", vars, false), "unclosed {{ name");
    }

    #[test]
    fn data_dir_overrides_and_names_are_plain() {
        let dir = std::env::temp_dir().join(format!("ward-tpl-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        assert!(
            load(&dir, "test")
                .expect("built in")
                .1
                .contains("test email")
        );
        std::fs::write(dir.join("test.txt"), "custom {{ site }}").expect("write");
        assert_eq!(load(&dir, "test").expect("override").1, "custom {{ site }}");
        assert!(load(&dir, "../etc/passwd").is_none());
        assert!(load(&dir, "unknown").is_none());
        std::fs::remove_dir_all(&dir).ok();
    }
}
