//! Blueprints: configuration as code in authentik's YAML format. `file` reads a blueprint into
//! entries, `tags` evaluates authentik's YAML tags inside them.
pub mod file;
pub mod tags;
