//! The bounds every evaluation runs under.
//!
//! Memory: monty's `max_memory` reads a counter that only its own global allocator (`monty-alloc`)
//! feeds, and a process-wide allocator cannot tell one evaluation from another in a server.
//! Without it, `max_memory` still refuses any single up-front allocation larger than the limit
//! (`"x" * 10**10`, `[0] * 10**9`, `2 ** 10**9`), because the counter reads as zero plus the
//! request. Gradual growth (a list appended to in a loop) is bounded by the interpreter time
//! budget instead: the sandbox allocates at a finite rate, so `cpu` caps what a run can build,
//! and the result-size budget refuses handing a large value back. Measured (release, 2-core
//! build machine, `tests::speed::measure_growth_within_the_time_limit`): appending 1 KB strings
//! for the 100 ms budget peaked at +57 MiB RSS, 90 KB strings at about +125 MiB; the memory is
//! freed when the run ends. Lower `cpu` to lower that ceiling; monty-alloc as the server's global
//! allocator would be the exact alternative, but its counter is process-wide.
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Interpreter time (monty's `max_duration`; host calls do not count).
    pub cpu: Duration,
    /// Wall-clock guard over the whole evaluation, host calls included.
    pub wall: Duration,
    /// The largest single allocation an expression may ask for, in bytes.
    pub max_allocation: usize,
    /// Python call depth.
    pub recursion: usize,
    /// Host calls (`ak_user_by`, `ip_address`, …) per evaluation.
    pub host_calls: usize,
    /// Bytes of returned value (each value counts at least one).
    pub result_bytes: usize,
    /// Bytes of `print` output kept as log lines.
    pub print_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu: Duration::from_millis(100),
            wall: Duration::from_secs(5),
            max_allocation: 16 * 1024 * 1024,
            recursion: 200,
            host_calls: 200,
            result_bytes: 1024 * 1024,
            print_bytes: 64 * 1024,
        }
    }
}
