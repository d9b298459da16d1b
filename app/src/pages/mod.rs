//! One module per route.
pub mod admin;
pub mod flow;
pub mod not_found;
pub mod user;
