//! The OpenAPI document (`/api/v3/schema/`) and a browsable page built from it (`/api/v3/`),
//! served by Ward itself: no viewer from a CDN.
use axum::Json;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::fmt::Write;
use std::sync::LazyLock;

static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(super::openapi()).unwrap_or(Value::Null));

static PAGE: LazyLock<String> = LazyLock::new(|| render(&DOCUMENT));

/// OpenAPI 3.1 as JSON.
pub async fn schema() -> Response {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(DOCUMENT.clone()),
    )
        .into_response()
}

pub async fn page() -> Html<&'static str> {
    Html(PAGE.as_str())
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn render(doc: &Value) -> String {
    let mut html = String::from(concat!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>Ward API</title><style>",
        ":root{color-scheme:light dark;font-family:system-ui,sans-serif}",
        "body{max-width:60rem;margin:0 auto;padding:1rem;line-height:1.5}",
        "details{border:1px solid #8884;border-radius:.5rem;margin:.5rem 0;padding:.5rem .75rem}",
        "summary{cursor:pointer;overflow-wrap:anywhere}code{font-size:.9em}",
        ".m{display:inline-block;min-width:4rem;font-weight:600;text-transform:uppercase}",
        "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .5rem;border-top:1px solid #8883;vertical-align:top}",
        "</style></head><body>"
    ));
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let version = doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("");
    let _ = write!(
        html,
        "<h1>{} API <small>{}</small></h1><p>{}</p>\
         <p>Base path <code>/api/v3</code>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>. \
         The machine-readable document: <a href=\"/api/v3/schema/\">/api/v3/schema/</a> (OpenAPI {}).</p>",
        esc(title),
        esc(version),
        esc(doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or("")),
        esc(doc.get("openapi").and_then(Value::as_str).unwrap_or("")),
    );
    html.push_str("<h2>Operations</h2>");
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    operation(&mut html, method, path, op);
                }
            }
        }
    }
    html.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            let _ = write!(
                html,
                "<details id=\"schema-{0}\"><summary><code>{0}</code></summary>",
                esc(name)
            );
            properties(&mut html, schema);
            html.push_str("</details>");
        }
    }
    html.push_str("</body></html>");
    html
}

fn operation(html: &mut String, method: &str, path: &str, op: &Value) {
    let text = |key: &str| op.get(key).and_then(Value::as_str).unwrap_or("");
    let _ = write!(
        html,
        "<details><summary><span class=\"m\">{}</span> <code>{}</code> {}</summary>",
        method,
        esc(path),
        esc(text("summary"))
    );
    if !text("description").is_empty() {
        let _ = write!(html, "<p>{}</p>", esc(text("description")));
    }
    if let Some(params) = op.get("parameters").and_then(Value::as_array) {
        html.push_str("<table><tr><th>Parameter</th><th>In</th><th>Description</th></tr>");
        for p in params {
            let field = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("");
            let _ = write!(
                html,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                esc(field("name")),
                if p.get("required").and_then(Value::as_bool) == Some(true) {
                    " *"
                } else {
                    ""
                },
                esc(field("in")),
                esc(field("description"))
            );
        }
        html.push_str("</table>");
    }
    if let Some(body) = op.pointer("/requestBody/content/application~1json/schema") {
        let _ = write!(html, "<p>Body: {}</p>", schema_link(body));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        html.push_str("<p>Responses:");
        for (status, r) in responses {
            let body = r
                .pointer("/content/application~1json/schema")
                .map(schema_link)
                .unwrap_or_default();
            let _ = write!(html, " <code>{}</code> {}", esc(status), body);
        }
        html.push_str("</p>");
    }
    html.push_str("</details>");
}

fn properties(html: &mut String, schema: &Value) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    html.push_str("<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>");
    for (name, p) in props {
        let _ = write!(
            html,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            if required.contains(&name.as_str()) {
                " *"
            } else {
                ""
            },
            schema_link(p),
            esc(p.get("description").and_then(Value::as_str).unwrap_or(""))
        );
    }
    html.push_str("</table>");
}

/// A schema as a short type name, linked when it refers to a component.
fn schema_link(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\"><code>{0}</code></a>", esc(name));
    }
    match schema.get("type") {
        Some(Value::String(t)) if t == "array" => {
            format!(
                "array of {}",
                schema.get("items").map(schema_link).unwrap_or_default()
            )
        }
        Some(Value::String(t)) => format!("<code>{}</code>", esc(t)),
        Some(Value::Array(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            format!("<code>{}</code>", esc(&names.join(" | ")))
        }
        _ => match schema
            .get("oneOf")
            .or_else(|| schema.get("allOf"))
            .and_then(Value::as_array)
        {
            Some(parts) => parts
                .iter()
                .map(schema_link)
                .collect::<Vec<_>>()
                .join(" | "),
            None => "<code>any</code>".into(),
        },
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_lists_operations_and_escapes() {
        let doc = serde_json::json!({
            "openapi": "3.1.0",
            "info": { "title": "T<", "version": "1" },
            "paths": { "/a/": { "get": { "summary": "List <a>", "responses": { "200": {} } } } },
        });
        let html = super::render(&doc);
        assert!(html.contains("<code>/a/</code> List &lt;a&gt;"), "{html}");
        assert!(html.contains("T&lt; API"));
    }
}
