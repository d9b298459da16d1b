//! Expressions: authentik-compatible Python snippets (expression policies, property mappings)
//! run in a sandboxed interpreter. The body is wrapped as a function of the context names and
//! called, as authentik does; a policy passes when the returned value is truthy.
//!
//! Compile once per policy revision ([`compile`]), evaluate many times ([`Monty::evaluate`] via
//! [`Interpreter`]). The interpreter sees plain data ([`Context`]); what needs the database goes
//! through the caller's [`Host`]. Bounds: [`Limits`].
mod context;
mod convert;
pub mod db;
mod error;
mod input;
mod limits;
mod mentions;
mod monty_backend;
mod net;
mod pauses;
mod pool;
mod prelude;
mod program;
mod programs;
mod source;
#[cfg(test)]
mod tests;

pub use context::{Context, GroupView, Host, HttpView, NoHost, Outcome, PolicyCall, UserView};
pub use error::{CompileError, EvalError};
pub use limits::Limits;
pub use monty_backend::Monty;
pub use program::{Compiled, compile};
pub use programs::{MAX_EXPRESSION, compiled, expression_errors};

/// The seam between Ward and the Python interpreter, so the interpreter could be swapped.
#[async_trait::async_trait]
pub trait Interpreter: Send + Sync {
    /// A compiled expression, cheap to clone and share between evaluations.
    type Program: Clone + Send + Sync;

    /// Checks syntax and imports; errors name the body's line and column.
    fn compile(&self, source: &str) -> Result<Self::Program, CompileError>;

    /// Runs the program once against `ctx`, within the interpreter's limits.
    async fn evaluate(
        &self,
        program: &Self::Program,
        ctx: &Context,
        host: &dyn Host,
    ) -> Result<Outcome, EvalError>;
}
