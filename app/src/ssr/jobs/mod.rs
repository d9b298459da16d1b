//! Background jobs: a Postgres-backed queue (`queue`), the loop that drains it (`worker`) and
//! the kinds of work it knows (`kinds`).
pub mod kinds;
pub mod queue;
pub mod status;
pub mod worker;

pub use queue::Job;
pub use worker::Worker;
