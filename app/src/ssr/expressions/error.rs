//! What compiling or evaluating an expression can fail with. Messages name the user's line, never
//! Ward's prelude, so they can be shown to the admin who wrote the expression.
use std::fmt;

/// A syntax error or a refused import, at a 1-based line and column of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for CompileError {}

/// Why an evaluation produced no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The interpreter's time budget or the wall-clock guard ran out (an endless loop, a slow host).
    #[error("the expression took too long: {0}")]
    Timeout(String),
    /// A value grew past the memory or result-size bound.
    #[error("the expression used too much memory: {0}")]
    TooLarge(String),
    /// The expression raised: `line` is the expression's own line when known.
    #[error("{}", exception_text(.kind, .message, *.line))]
    Exception {
        kind: String,
        message: String,
        line: Option<u32>,
    },
    /// The expression reached for something the sandbox does not offer (files, environment).
    #[error("not allowed in an expression: {0}")]
    Forbidden(String),
    /// The host (the database behind `ak_user_by`, `ak_call_policy`) failed.
    #[error("host error: {0}")]
    Host(String),
}

fn exception_text(kind: &str, message: &str, line: Option<u32>) -> String {
    match line {
        Some(line) => format!("line {line}: {kind}: {message}"),
        None => format!("{kind}: {message}"),
    }
}
