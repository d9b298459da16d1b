//! Compiled programs by source text, so an expression is compiled once per revision and not
//! per evaluation. Bounded: when full it starts over (revisions are few; a flood of distinct
//! sources only costs recompiling).
use super::{CompileError, Compiled, compile};
use crate::ssr::typed::{field_error, text_error};
use crate::types::flow::FieldErrors;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

const MAX_PROGRAMS: usize = 1024;

/// The longest expression kept, in bytes (authentik has no limit; this is generous).
pub const MAX_EXPRESSION: usize = 64 * 1024;

static PROGRAMS: LazyLock<Mutex<HashMap<[u8; 32], Compiled>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The compiled program for `source`, from the cache or compiled now.
pub fn compiled(source: &str) -> Result<Compiled, CompileError> {
    let key: [u8; 32] = Sha256::digest(source.as_bytes()).into();
    if let Some(hit) = lock().get(&key) {
        return Ok(hit.clone());
    }
    let program = compile(source)?;
    let mut programs = lock();
    if programs.len() >= MAX_PROGRAMS {
        programs.clear();
    }
    programs.insert(key, program.clone());
    Ok(program)
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<[u8; 32], Compiled>> {
    // The map is only read and inserted into whole: a panic elsewhere cannot leave it torn.
    PROGRAMS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The `expression` field error for a body that is too long or does not compile, if any: the
/// message names the line and column.
pub fn expression_errors(source: &str) -> FieldErrors {
    let errors = text_error("expression", source, MAX_EXPRESSION);
    if !errors.is_empty() {
        return errors;
    }
    // Compiled and dropped: most saved expressions (the built-in mappings' among them) are
    // never evaluated by this process, so they are not kept.
    match compile(source) {
        Ok(_) => FieldErrors::new(),
        Err(e) => field_error(
            "expression",
            format!("Line {}, column {}: {}", e.line, e.column, e.message),
        ),
    }
}
