//! Flows: planned from their stage bindings, executed one challenge at a time.
pub mod bindings;
pub mod defaults;
pub mod edit;
pub mod executor;
pub mod next;
pub mod plan;
pub mod state;

pub use executor::Env;
