//! Turns an expression body into the program the sandbox runs: authentik's wrapping (the body
//! becomes a function of the context names, then is called), with imports checked and
//! `ipaddress` pointed at the prelude's stand-in.
use super::error::CompileError;
use ruff_python_ast::statement_visitor::{StatementVisitor, walk_stmt};
use ruff_python_ast::{Alias, Stmt, StmtImport, StmtImportFrom};

/// Names an expression receives, as authentik passes them (parameters of the wrapping function).
pub use crate::types::expressions::NAMES as PARAMS;

/// Modules an expression may import; the sandbox implements `datetime` and `re` natively.
use crate::types::expressions::MODULES;
/// What `from ipaddress import …` may take.
const IPADDRESS_NAMES: &[&str] = &["ip_address", "ip_network"];
/// The prefix that shifts the body into the function; columns come back by subtracting it.
const INDENT: &str = "    ";

/// The wrapped function, ready to follow the prelude. Line 1 is the `def`; the body's line `n`
/// is line `n + 1`, so errors map back by subtracting one.
pub struct Wrapped {
    pub text: String,
    /// Lines in the user's body, to tell its frames from the prelude's.
    pub body_lines: u32,
}

pub fn wrap(body: &str) -> Result<Wrapped, CompileError> {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let mut text = format!("def _ward_expression({}):\n", PARAMS.join(", "));
    let mut body_lines = 0;
    for line in body.split('\n') {
        text.push_str(INDENT);
        text.push_str(line);
        text.push('\n');
        body_lines += 1;
    }
    // A body of only comments is no function body at all; as a function returning None it
    // fails like any falsy policy. `pass` is only added when that is what makes it parse, so it
    // never swallows a real error (an unclosed bracket would take it in).
    let parsed = match ruff_python_parser::parse_module(&text) {
        Ok(parsed) => parsed,
        Err(first) => {
            let padded = format!("{text}{INDENT}pass\n");
            match ruff_python_parser::parse_module(&padded) {
                Ok(parsed) => {
                    text = padded;
                    parsed
                }
                Err(_) => {
                    let (line, column) = position(&text, first.location.start().to_usize());
                    return Err(CompileError {
                        line: line.min(body_lines),
                        column,
                        message: first.error.to_string(),
                    });
                }
            }
        }
    };
    let mut imports = Imports {
        source: &text,
        error: None,
        rewrites: Vec::new(),
    };
    imports.visit_body(&parsed.syntax().body);
    if let Some(error) = imports.error {
        return Err(error);
    }
    let mut rewrites = imports.rewrites;
    // Replace from the end so earlier ranges stay valid.
    rewrites.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (start, end, replacement) in rewrites {
        text.replace_range(start..end, &replacement);
    }
    Ok(Wrapped { text, body_lines })
}

/// The body's 1-based line and column of a byte offset into the wrapped text.
fn position(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let wrapped_line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before
        .get(line_start..)
        .map_or(0, |s| s.chars().count() as u32)
        + 1;
    if wrapped_line <= 1 {
        return (1, 1);
    }
    let column = column.saturating_sub(INDENT.len() as u32).max(1);
    (wrapped_line - 1, column)
}

struct Imports<'a> {
    source: &'a str,
    error: Option<CompileError>,
    /// (start, end, replacement) byte ranges of import statements that bind `ipaddress`.
    rewrites: Vec<(usize, usize, String)>,
}

impl Imports<'_> {
    fn refuse(&mut self, offset: usize, message: String) {
        if self.error.is_none() {
            let (line, column) = position(self.source, offset);
            self.error = Some(CompileError {
                line,
                column,
                message,
            });
        }
    }

    fn import(&mut self, stmt: &StmtImport) {
        let start = stmt.range.start().to_usize();
        let mut native = Vec::new();
        let mut bound = Vec::new();
        for Alias { name, asname, .. } in &stmt.names {
            let module = name.as_str();
            if !MODULES.contains(&module) {
                return self.refuse(start, not_allowed(module));
            }
            let binding = asname.as_ref().map_or(module, |a| a.as_str());
            if module == "ipaddress" {
                bound.push((binding.to_owned(), "_ward_ipaddress".to_owned()));
            } else {
                native.push(format!("import {module} as {binding}"));
            }
        }
        if !bound.is_empty() {
            self.rewrite(
                stmt.range.start().to_usize(),
                stmt.range.end().to_usize(),
                native,
                bound,
            );
        }
    }

    fn import_from(&mut self, stmt: &StmtImportFrom) {
        let start = stmt.range.start().to_usize();
        let module = stmt.module.as_ref().map_or("", |m| m.as_str());
        if stmt.level != 0 {
            return self.refuse(
                start,
                "relative imports are not allowed in an expression".into(),
            );
        }
        if !MODULES.contains(&module) {
            return self.refuse(start, not_allowed(module));
        }
        if module != "ipaddress" {
            return;
        }
        let mut bound = Vec::new();
        for Alias { name, asname, .. } in &stmt.names {
            if !IPADDRESS_NAMES.contains(&name.as_str()) {
                return self.refuse(
                    start,
                    format!(
                        "cannot import {:?} from ipaddress (expressions have {})",
                        name.as_str(),
                        IPADDRESS_NAMES.join(", ")
                    ),
                );
            }
            let binding = asname.as_ref().unwrap_or(name).as_str();
            bound.push((binding.to_owned(), format!("_ward_ipaddress.{name}")));
        }
        self.rewrite(start, stmt.range.end().to_usize(), Vec::new(), bound);
    }

    /// Replaces an import with assignments; the statement's line breaks move inside the
    /// parentheses so every later line keeps its number.
    fn rewrite(
        &mut self,
        start: usize,
        end: usize,
        native: Vec<String>,
        bound: Vec<(String, String)>,
    ) {
        let newlines = self
            .source
            .get(start..end)
            .map_or(0, |s| s.matches('\n').count());
        let (names, values): (Vec<_>, Vec<_>) = bound.into_iter().unzip();
        let mut parts = native;
        parts.push(format!(
            "({},) = ({},{})",
            names.join(", "),
            values.join(", "),
            "\n".repeat(newlines)
        ));
        self.rewrites.push((start, end, parts.join("; ")));
    }
}

fn not_allowed(module: &str) -> String {
    format!(
        "import of {module:?} is not allowed in an expression (allowed: {})",
        MODULES.join(", ")
    )
}

impl<'a> StatementVisitor<'a> for Imports<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => self.import(import),
            Stmt::ImportFrom(import) => self.import_from(import),
            _ => walk_stmt(self, stmt),
        }
    }
}
