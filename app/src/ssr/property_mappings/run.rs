//! Runs a custom mapping's expression for a request: what it returns is a dict of claims (or
//! attributes, for the protocols to come), as authentik's mappings return.
use crate::ssr::expressions::{self, Interpreter, Monty, Outcome, db};
use crate::ssr::policies::Request;
use serde_json::{Map, Value};
use sqlx::PgPool;

/// What the expression returned (its log lines with it), or why it could not run.
pub async fn evaluate(pool: &PgPool, source: &str, request: &Request) -> Result<Outcome, String> {
    let program = expressions::compiled(source).map_err(|e| e.to_string())?;
    let ctx = db::context(pool, request)
        .await
        .map_err(|e| e.to_string())?;
    let host = db::DbHost { pool, request };
    Monty::default()
        .evaluate(&program, &ctx, &host)
        .await
        .map_err(|e| e.to_string())
}

/// The claims a mapping's returned value gives: a dict's entries; `None` gives none.
pub fn as_claims(value: Value) -> Result<Map<String, Value>, String> {
    match value {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        other => Err(format!(
            "A scope mapping returns a dict of claims, not {}.",
            kind_of(&other)
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "None",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a dict",
    }
}

/// The admin's test of mapping `id` (None: no such mapping): what its expression returns for
/// the request, or why it could not run.
pub async fn trial(
    pool: &PgPool,
    id: uuid::Uuid,
    request: &Request,
) -> crate::ssr::Result<Option<Result<Outcome, String>>> {
    let Some(source) = sqlx::query_scalar!(
        r#"select coalesce(config->>'expression', '') as "expression!"
             from property_mappings where id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(evaluate(pool, &source, request).await))
}
