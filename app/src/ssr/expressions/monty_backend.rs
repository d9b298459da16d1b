//! The monty-backed interpreter: compiles prelude + wrapped body once, then runs a clone of the
//! program per evaluation, answering its pauses (host functions, the clock) and refusing the rest
//! (files, environment).
use super::context::{Context, Host, Outcome};
use super::convert::{self, Budget};
use super::error::{CompileError, EvalError};
use super::limits::Limits;
use super::pauses::{FORBIDDEN, HostRequest, host_call, os_call};
use super::{Interpreter, input::input, source};
use monty::{MontyRun, RunProgress};
use monty_types::{
    CompileOptions, ExcType, MontyException, MontyObject, NameLookupResult, PrintWriter,
    ResourceLimits, ResourceTracker,
};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

const PRELUDE: &str = include_str!("prelude.py");
static PRELUDE_LINES: LazyLock<u32> = LazyLock::new(|| PRELUDE.lines().count() as u32);

/// Host functions the prelude calls, passed in as inputs after `_ward_input`.
const HOST_FUNCTIONS: &[&str] = &[
    "_ward_ip_address",
    "_ward_ip_network",
    "_ward_user_by",
    "_ward_call_policy",
];

/// A compiled expression: cheap to clone, shared by every evaluation of one policy revision.
/// `MontyRun` is `Send` but not `Sync` (it caches lazily inside), so threads take turns to clone
/// it; the lock is held for the clone only (well under a microsecond).
#[derive(Clone, Debug)]
pub struct Compiled {
    program: Arc<Mutex<MontyRun>>,
    body_lines: u32,
}

impl Compiled {
    fn program(&self) -> MontyRun {
        // A panic while cloning cannot leave the program half-written: the clone only reads.
        self.program
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// The interpreter with its limits.
#[derive(Debug, Clone, Default)]
pub struct Monty {
    pub limits: Limits,
}

#[async_trait::async_trait]
impl Interpreter for Monty {
    type Program = Compiled;

    fn compile(&self, source: &str) -> Result<Compiled, CompileError> {
        compile(source)
    }

    async fn evaluate(
        &self,
        program: &Compiled,
        ctx: &Context,
        host: &dyn Host,
    ) -> Result<Outcome, EvalError> {
        let started = Instant::now();
        let run = tokio::time::timeout(self.limits.wall, self.run(program, ctx, host, started));
        match run.await {
            Ok(outcome) => outcome,
            Err(_) => Err(EvalError::Timeout(format!(
                "over the {:?} wall-clock limit",
                self.limits.wall
            ))),
        }
    }
}

pub fn compile(source: &str) -> Result<Compiled, CompileError> {
    let wrapped = source::wrap(source)?;
    let program_text = format!(
        "{PRELUDE}{}_ward_result = _ward_expression({})\n(_ward_result, _ward_messages, ak_logger.lines)\n",
        wrapped.text,
        source::PARAMS.join(", ")
    );
    let mut inputs = vec!["_ward_input".to_owned()];
    inputs.extend(HOST_FUNCTIONS.iter().map(|s| (*s).to_owned()));
    let program = MontyRun::new(
        program_text,
        "expression.py",
        inputs,
        CompileOptions::default(),
    )
    .map_err(|e| {
        let (line, column) = e.traceback().last().map_or((None, 1), |f| {
            (user_line(f.start.line, u32::MAX), f.start.column)
        });
        CompileError {
            line: line.unwrap_or(1),
            column: column.saturating_sub(4).max(1),
            message: e.summary(),
        }
    })?;
    Ok(Compiled {
        program: Arc::new(Mutex::new(program)),
        body_lines: wrapped.body_lines,
    })
}

/// The body's own line for a program line, if it falls inside the body.
fn user_line(program_line: u32, body_lines: u32) -> Option<u32> {
    let first = *PRELUDE_LINES + 2;
    (program_line >= first && program_line - first < body_lines).then(|| program_line - first + 1)
}

impl Monty {
    async fn run(
        &self,
        program: &Compiled,
        ctx: &Context,
        host: &dyn Host,
        started: Instant,
    ) -> Result<Outcome, EvalError> {
        let limits = ResourceLimits::default()
            .max_duration(self.limits.cpu)
            .max_memory(self.limits.max_allocation)
            .max_recursion_depth(self.limits.recursion)
            .max_suspensions(self.limits.host_calls);
        let mut inputs = vec![input(ctx)];
        inputs.extend(HOST_FUNCTIONS.iter().map(|name| MontyObject::Function {
            name: (*name).to_owned(),
            docstring: None,
        }));
        let mut printed = String::new();
        let print_cap = Some(self.limits.print_bytes);
        let fail = |e: MontyException| self.failure(e, program.body_lines);
        // `start` consumes the program; the clone shares the bytecode (an `Arc`) and is cheap.
        let mut progress = program
            .program()
            .start(
                inputs,
                ResourceTracker::new(limits),
                PrintWriter::CollectString(&mut printed, print_cap),
            )
            .map_err(fail)?;
        let mut suspensions = 0;
        let value = loop {
            if started.elapsed() > self.limits.wall {
                return Err(EvalError::Timeout(format!(
                    "over the {:?} wall-clock limit",
                    self.limits.wall
                )));
            }
            // Time paused at the host is not interpreter time, so pauses are counted instead
            // (a loop around `datetime.now()` or `ak_user_by` must end too).
            if !matches!(progress, RunProgress::Complete(_)) {
                suspensions += 1;
                if suspensions > self.limits.host_calls {
                    return Err(EvalError::Exception {
                        kind: "RuntimeError".into(),
                        message: format!("more than {} host calls", self.limits.host_calls),
                        line: None,
                    });
                }
            }
            progress = match progress {
                RunProgress::Complete(value) => break value,
                RunProgress::FunctionCall(mut call) => {
                    let request = HostRequest {
                        name: std::mem::take(&mut call.function_name),
                        args: std::mem::take(&mut call.args),
                        kwargs: std::mem::take(&mut call.kwargs),
                    };
                    let result = host_call(request, host).await;
                    // The writer is made after the await: it need not live across it.
                    call.resume(result, PrintWriter::CollectString(&mut printed, print_cap))
                }
                RunProgress::OsCall(call) => os_call(
                    call,
                    ctx,
                    PrintWriter::CollectString(&mut printed, print_cap),
                ),
                // A name nobody defined: the usual NameError.
                RunProgress::NameLookup(lookup) => lookup.resume(
                    NameLookupResult::Undefined,
                    PrintWriter::CollectString(&mut printed, print_cap),
                ),
                RunProgress::ResolveFutures(pending) => pending.abort(
                    MontyException::new(
                        ExcType::RuntimeError,
                        Some("async code is not supported in expressions".into()),
                    ),
                    PrintWriter::CollectString(&mut printed, print_cap),
                ),
            }
            .map_err(fail)?;
        };
        let MontyObject::Tuple(mut parts) = value else {
            return Err(EvalError::Host(
                "the prelude returned an unexpected shape".into(),
            ));
        };
        if parts.len() != 3 {
            return Err(EvalError::Host(
                "the prelude returned an unexpected shape".into(),
            ));
        }
        let logs = strings(parts.pop());
        let messages = strings(parts.pop());
        let result = parts.pop().unwrap_or(MontyObject::None);
        let truthy = convert::truthy(&result);
        let value = convert::to_json(result, &mut Budget::new(self.limits.result_bytes))?;
        let mut all_logs = logs;
        all_logs.extend(printed.lines().map(str::to_owned));
        Ok(Outcome {
            value,
            truthy,
            messages,
            logs: all_logs,
        })
    }

    fn failure(&self, e: MontyException, body_lines: u32) -> EvalError {
        let message = e.message().unwrap_or_default().to_owned();
        match e.exc_type() {
            ExcType::TimeoutError if message.contains("time limit exceeded") => {
                EvalError::Timeout(message)
            }
            ExcType::MemoryError => EvalError::TooLarge(message),
            ExcType::PermissionError if message.starts_with(FORBIDDEN) => {
                EvalError::Forbidden(message.trim_start_matches(FORBIDDEN).to_owned())
            }
            kind => EvalError::Exception {
                kind: kind.to_string(),
                message,
                line: e
                    .traceback()
                    .iter()
                    .rev()
                    .find_map(|f| user_line(f.start.line, body_lines)),
            },
        }
    }
}

fn strings(value: Option<MontyObject>) -> Vec<String> {
    match value {
        Some(MontyObject::List(items)) => items.into_iter().map(|i| i.to_string()).collect(),
        _ => Vec::new(),
    }
}
