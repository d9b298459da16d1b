//! Copies of one compiled program, reused between evaluations. `MontyRun::run` borrows the
//! program, but it is `Send` and not `Sync` (it caches lazily inside), so concurrent
//! evaluations each need their own copy. Copying one costs about as much as running a short
//! policy (its interned strings and functions), so copies are made only when every existing
//! one is in use, and kept.
use monty::MontyRun;
use std::sync::{Mutex, PoisonError};

/// Beyond this many idle copies (more than a server runs evaluations at once), extras are dropped.
const MAX_IDLE: usize = 64;

#[derive(Debug)]
pub struct Pool {
    template: Mutex<MontyRun>,
    idle: Mutex<Vec<MontyRun>>,
}

impl Pool {
    pub fn new(program: MontyRun) -> Self {
        Self {
            template: Mutex::new(program),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// A copy for one run; the locks are held for a pop or a clone only. A panic elsewhere
    /// cannot leave either half-written (both are only read or swapped whole), so poisoning is
    /// ignored.
    pub fn take(&self) -> MontyRun {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        idle.unwrap_or_else(|| self.fresh())
    }

    /// A new copy that is not given back (`MontyRun::start` consumes it).
    pub fn fresh(&self) -> MontyRun {
        self.template
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn give_back(&self, program: MontyRun) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(program);
        }
    }
}
