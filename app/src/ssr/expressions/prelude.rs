//! The prelude cut to what one body needs. Running all of `prelude.py` (a dozen classes, their
//! methods, the objects built from the context) was most of an evaluation's cost, and a policy
//! reads only a few of those names. Each top-level statement of the prelude is kept when it
//! binds a name the body, or another kept statement, mentions; statements that bind nothing
//! are always kept. Dependencies come from the prelude's own text, so editing it needs no list.
use super::mentions::Mentions;
use ruff_python_ast::{Expr, Stmt};
use std::collections::BTreeSet;
use std::sync::LazyLock;

const PRELUDE: &str = include_str!("prelude.py");

struct Statement {
    text: &'static str,
    binds: Vec<String>,
    mentions: BTreeSet<String>,
}

static STATEMENTS: LazyLock<Vec<Statement>> = LazyLock::new(|| {
    // The prelude is Ward's own code: a syntax error in it is a build mistake the unit tests
    // catch, so it reads as an empty prelude rather than a panic in a server.
    let Ok(parsed) = ruff_python_parser::parse_module(PRELUDE) else {
        return Vec::new();
    };
    parsed
        .syntax()
        .body
        .iter()
        .map(|stmt| {
            let range = ruff_text_size::Ranged::range(stmt);
            Statement {
                text: &PRELUDE[range.start().to_usize()..range.end().to_usize()],
                binds: binds(stmt),
                mentions: Mentions::of_stmt(stmt).names,
            }
        })
        .collect()
});

fn binds(stmt: &Stmt) -> Vec<String> {
    match stmt {
        Stmt::ClassDef(class) => vec![class.name.to_string()],
        Stmt::FunctionDef(function) => vec![function.name.to_string()],
        Stmt::Assign(assign) => assign
            .targets
            .iter()
            .filter_map(|target| match target {
                Expr::Name(name) => Some(name.id.to_string()),
                _ => None,
            })
            .collect(),
        Stmt::Import(import) => import
            .names
            .iter()
            .map(|a| a.asname.as_ref().unwrap_or(&a.name).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// The prelude statements `wanted` needs, in their order, and every name they bind.
pub fn for_names(wanted: &BTreeSet<String>) -> (String, BTreeSet<String>) {
    let statements = &*STATEMENTS;
    let mut needed = wanted.clone();
    let mut keep = vec![false; statements.len()];
    // A fixed point over a few dozen statements: cheap, and only at compile time.
    let mut changed = true;
    while changed {
        changed = false;
        for (statement, kept) in statements.iter().zip(keep.iter_mut()) {
            if !*kept
                && (statement.binds.is_empty()
                    || statement.binds.iter().any(|b| needed.contains(b)))
            {
                *kept = true;
                changed = true;
                needed.extend(statement.mentions.iter().cloned());
            }
        }
    }
    let mut text = String::new();
    let mut bound = BTreeSet::new();
    for (statement, _) in statements.iter().zip(&keep).filter(|(_, kept)| **kept) {
        text.push_str(statement.text);
        text.push('\n');
        bound.extend(statement.binds.iter().cloned());
    }
    (text, bound)
}
