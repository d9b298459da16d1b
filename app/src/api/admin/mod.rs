//! Server functions of the admin interface. Every one starts with `require_admin`.
pub mod blueprints;
pub mod brands;
pub mod certs;
pub mod dashboard;
pub mod events;
pub mod groups;
pub mod mfa;
pub mod outposts;
pub mod policies;
pub mod property_mappings;
pub mod providers;
pub mod sessions;
pub mod system;
pub mod tokens;
pub mod users;
