//! The monty-backed interpreter: runs a compiled program (`program.rs`) per evaluation. Most
//! runs need no pause (addresses are parsed before the run), so they borrow a reusable copy of the program
//! (`pool.rs`) and run straight through; a run that reaches for the host (`ak_user_by`, an
//! address not known beforehand) or fails starts over with pauses, answering them (host
//! functions, the clock) and refusing the rest (files, environment).
use super::context::{Context, Host, Outcome};
use super::convert::{self, Budget};
use super::error::{CompileError, EvalError};
use super::limits::Limits;
use super::pauses::{FORBIDDEN, HostRequest, host_call, os_call};
use super::program::{Compiled, HOST_FUNCTIONS, compile, user_line};
use super::{Interpreter, input::inputs};
use monty::RunProgress;
use monty_types::{
    ExcType, MontyException, MontyObject, NameLookupResult, PrintWriter, ResourceLimits,
    ResourceTracker,
};
use std::time::Instant;

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

impl Monty {
    fn limits(&self) -> ResourceTracker {
        ResourceTracker::new(
            ResourceLimits::default()
                .max_duration(self.limits.cpu)
                .max_memory(self.limits.max_allocation)
                .max_recursion_depth(self.limits.recursion)
                .max_suspensions(self.limits.host_calls),
        )
    }

    async fn run(
        &self,
        program: &Compiled,
        ctx: &Context,
        host: &dyn Host,
        started: Instant,
    ) -> Result<Outcome, EvalError> {
        if !program.pauses
            && let Some(outcome) = self.run_through(program, ctx)
        {
            return outcome;
        }
        self.run_with_pauses(program, ctx, host, started).await
    }

    /// Runs without pauses on a reused copy of the program. `None` when the run must start over
    /// with pauses: it reached for the host, or failed (the failure may come from that, caught
    /// by the body; running again costs only failing runs).
    fn run_through(&self, program: &Compiled, ctx: &Context) -> Option<Result<Outcome, EvalError>> {
        let mut inputs = Vec::from(inputs(ctx, &program.literal_ips));
        inputs.extend(HOST_FUNCTIONS.iter().map(|_| MontyObject::None));
        let mut printed = String::new();
        let copy = program.programs.take();
        let result = copy.run(
            inputs,
            self.limits(),
            PrintWriter::CollectString(&mut printed, Some(self.limits.print_bytes)),
        );
        program.programs.give_back(copy);
        match result {
            Ok(value) => self.outcome(value, &printed).transpose(),
            Err(e) => match self.failure(e, program) {
                // Bounds end a run the same way with pauses or without.
                e @ (EvalError::Timeout(_) | EvalError::TooLarge(_)) => Some(Err(e)),
                _ => None,
            },
        }
    }

    async fn run_with_pauses(
        &self,
        program: &Compiled,
        ctx: &Context,
        host: &dyn Host,
        started: Instant,
    ) -> Result<Outcome, EvalError> {
        let mut inputs = Vec::from(inputs(ctx, &program.literal_ips));
        inputs.extend(HOST_FUNCTIONS.iter().map(|name| MontyObject::Function {
            name: (*name).to_owned(),
            docstring: None,
        }));
        let mut printed = String::new();
        let print_cap = Some(self.limits.print_bytes);
        let fail = |e: MontyException| self.failure(e, program);
        let mut progress = program
            .programs
            .fresh()
            .start(
                inputs,
                self.limits(),
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
        self.outcome(value, &printed)?.ok_or_else(|| {
            EvalError::Host("a host function was missing from a run with pauses".into())
        })
    }

    /// The program's last value, `(result, messages, logs, missed)`, as an outcome; `None` when
    /// the run missed the host.
    fn outcome(&self, value: MontyObject, printed: &str) -> Result<Option<Outcome>, EvalError> {
        let shape = || EvalError::Host("the prelude returned an unexpected shape".into());
        let MontyObject::Tuple(mut parts) = value else {
            return Err(shape());
        };
        if parts.len() != 4 {
            return Err(shape());
        }
        if parts.pop() != Some(MontyObject::Bool(false)) {
            return Ok(None);
        }
        let logs = strings(parts.pop());
        let messages = strings(parts.pop());
        let result = parts.pop().unwrap_or(MontyObject::None);
        let truthy = convert::truthy(&result);
        let value = convert::to_json(result, &mut Budget::new(self.limits.result_bytes))?;
        let mut all_logs = logs;
        all_logs.extend(printed.lines().map(str::to_owned));
        Ok(Some(Outcome {
            value,
            truthy,
            messages,
            logs: all_logs,
        }))
    }

    fn failure(&self, e: MontyException, program: &Compiled) -> EvalError {
        let message = e.message().unwrap_or_default().to_owned();
        match e.exc_type() {
            ExcType::TimeoutError if message.contains("time limit exceeded") => {
                EvalError::Timeout(message)
            }
            ExcType::MemoryError => EvalError::TooLarge(message),
            ExcType::PermissionError if message.starts_with(FORBIDDEN) => {
                EvalError::Forbidden(message.trim_start_matches(FORBIDDEN).to_owned())
            }
            kind => {
                EvalError::Exception {
                    kind: kind.to_string(),
                    message,
                    line: e.traceback().iter().rev().find_map(|f| {
                        user_line(f.start.line, program.first_line, program.body_lines)
                    }),
                }
            }
        }
    }
}

fn strings(value: Option<MontyObject>) -> Vec<String> {
    match value {
        Some(MontyObject::List(items)) => items.into_iter().map(|i| i.to_string()).collect(),
        _ => Vec::new(),
    }
}
