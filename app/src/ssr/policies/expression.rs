//! `expression`: authentik's Python body, run by the expression engine; passes on a truthy
//! return. Saving compiles it, so a syntax error or a forbidden import is a field error naming
//! the line and column.
use super::{Policy, Request, Verdict};
use crate::ssr::expressions::{self, Interpreter, Monty, db};
use crate::ssr::typed::Settings;
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpressionPolicy {
    /// The Python body; `return` a truthy value to pass.
    pub expression: String,
}

impl Settings for ExpressionPolicy {
    fn check(&self) -> FieldErrors {
        expressions::expression_errors(&self.expression)
    }
}

#[async_trait::async_trait]
impl Policy for ExpressionPolicy {
    async fn evaluate(&self, pool: &PgPool, request: &Request) -> Result<Verdict, String> {
        let program = expressions::compiled(&self.expression).map_err(|e| e.to_string())?;
        let ctx = db::context(pool, request)
            .await
            .map_err(|e| e.to_string())?;
        let host = db::DbHost { pool, request };
        let outcome = Monty::default()
            .evaluate(&program, &ctx, &host)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Verdict {
            passing: outcome.truthy,
            messages: outcome.messages,
            logs: outcome.logs,
        })
    }
}
