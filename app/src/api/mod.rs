//! Server functions, by area. Each checks who may call it, validates, then calls `ssr`.
pub mod admin;
pub mod brand;
#[cfg(feature = "ssr")]
mod context;
pub mod flow;
pub mod me;
pub mod portal;

/// Every server fn lives under this prefix; the cross-site guard protects it.
pub const PREFIX: &str = "/-/fn";
