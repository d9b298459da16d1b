//! What a piece of Python mentions: the names it reads or binds, whether it may pause for the
//! host (the clock, files), and the string literals it passes to `ip_address`/`ip_network`.
//! The prelude is cut down to what a body mentions, and literal addresses are parsed once at
//! compile time instead of at every evaluation.
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, Stmt};
use std::collections::BTreeSet;

#[derive(Default)]
pub struct Mentions {
    pub names: BTreeSet<String>,
    /// Imports `datetime` or calls `open`: these pause for the OS (the clock, the refusal).
    pub os_calls: bool,
    /// `(function, literal)` for `ip_address("…")` and `ip_network("…")` with one argument.
    pub ip_literals: BTreeSet<(String, String)>,
}

impl Mentions {
    pub fn of_body(body: &[Stmt]) -> Self {
        let mut found = Self::default();
        found.visit_body(body);
        found
    }

    pub fn of_stmt(stmt: &Stmt) -> Self {
        let mut found = Self::default();
        found.visit_stmt(stmt);
        found
    }
}

impl<'a> Visitor<'a> for Mentions {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                self.os_calls |= import.names.iter().any(|a| a.name.as_str() == "datetime");
            }
            Stmt::ImportFrom(import) => {
                self.os_calls |= import.module.as_ref().is_some_and(|m| m == "datetime");
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) => {
                self.os_calls |= name.id.as_str() == "open";
                self.names.insert(name.id.to_string());
            }
            Expr::Call(call) => {
                if let (Expr::Name(function), [Expr::StringLiteral(text)], []) = (
                    &*call.func,
                    &*call.arguments.args,
                    &*call.arguments.keywords,
                ) && matches!(function.id.as_str(), "ip_address" | "ip_network")
                {
                    self.ip_literals
                        .insert((function.id.to_string(), text.value.to_str().to_owned()));
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}
