//! Serde DTOs shared by the server and the browser.
pub mod activity;
pub mod brands;
pub mod certs;
pub mod directory;
pub mod expressions;
pub mod flow;
pub mod library;
pub mod mfa;
pub mod outposts;
pub mod policies;
pub mod property_mappings;
pub mod providers;
pub mod system;
pub mod user;
pub mod validated;
