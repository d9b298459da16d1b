//! The program one expression compiles to: the prelude cut to what the body needs
//! (`prelude.rs`), the wrapped body (`source.rs`), and a last line handing back the result,
//! messages, logs and whether the run missed the host. Compiled once per policy revision.
use super::error::CompileError;
use super::mentions::Mentions;
use super::pool::Pool;
use super::{net, prelude, source};
use monty::MontyRun;
use monty_types::{CompileOptions, MontyObject};
use std::sync::Arc;

/// Host functions the prelude calls, passed in as inputs after `_ward_input` and
/// `_ward_known_ips` (as `None` in a run without pauses).
pub const HOST_FUNCTIONS: &[&str] = &[
    "_ward_ip_address",
    "_ward_ip_network",
    "_ward_user_by",
    "_ward_call_policy",
];

/// A compiled expression: cheap to clone, shared by every evaluation of one policy revision.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub(super) programs: Arc<Pool>,
    /// The program line of the body's first line.
    pub(super) first_line: u32,
    pub(super) body_lines: u32,
    /// `ip_address("…")`/`ip_network("…")` literals of the body, parsed at compile time.
    pub(super) literal_ips: Arc<[(String, MontyObject)]>,
    /// The body reads the clock or opens files: those pause whatever the context.
    pub(super) pauses: bool,
}

pub fn compile(source: &str) -> Result<Compiled, CompileError> {
    let wrapped = source::wrap(source)?;
    // `wrap` parsed this text already; it cannot fail here.
    let body = ruff_python_parser::parse_module(&wrapped.text).map_err(|e| CompileError {
        line: 1,
        column: 1,
        message: e.error.to_string(),
    })?;
    let mentions = Mentions::of_body(&body.syntax().body);
    let mut wanted = mentions.names.clone();
    wanted.insert("_ward_missed".into());
    let (prelude, bound) = prelude::for_names(&wanted);
    let bound_or = |name: &str, otherwise: &str| {
        if bound.contains(name) {
            name.to_owned()
        } else {
            otherwise.to_owned()
        }
    };
    let args: Vec<String> = source::PARAMS.iter().map(|p| bound_or(p, "None")).collect();
    let program_text = format!(
        "{prelude}{}_ward_result = _ward_expression({})\n(_ward_result, {}, {}, len(_ward_missed) > 0)\n",
        wrapped.text,
        args.join(", "),
        bound_or("_ward_messages", "[]"),
        if bound.contains("ak_logger") {
            "ak_logger.lines"
        } else {
            "[]"
        },
    );
    let first_line = prelude.lines().count() as u32 + 2;
    let mut inputs = vec!["_ward_input".to_owned(), "_ward_known_ips".to_owned()];
    inputs.extend(HOST_FUNCTIONS.iter().map(|s| (*s).to_owned()));
    let program = MontyRun::new(
        program_text,
        "expression.py",
        inputs,
        CompileOptions::default(),
    )
    .map_err(|e| {
        let (line, column) = e.traceback().last().map_or((None, 1), |f| {
            (
                user_line(f.start.line, first_line, u32::MAX),
                f.start.column,
            )
        });
        CompileError {
            line: line.unwrap_or(1),
            column: column.saturating_sub(4).max(1),
            message: e.summary(),
        }
    })?;
    let literal_ips = mentions
        .ip_literals
        .iter()
        .filter_map(|(function, text)| {
            let parsed = if function == "ip_address" {
                net::address(text).map(|info| (format!("a{text}"), info))
            } else {
                net::network(text, true).map(|info| (format!("n{text}"), info))
            };
            // An invalid literal is left to the run, which raises where the body wrote it.
            parsed.ok()
        })
        .collect();
    Ok(Compiled {
        programs: Arc::new(Pool::new(program)),
        first_line,
        body_lines: wrapped.body_lines,
        literal_ips,
        pauses: mentions.os_calls,
    })
}

/// The body's own line for a program line, if it falls inside the body.
pub fn user_line(program_line: u32, first_line: u32, body_lines: u32) -> Option<u32> {
    (program_line >= first_line && program_line - first_line < body_lines)
        .then(|| program_line - first_line + 1)
}
