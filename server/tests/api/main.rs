//! Integration tests: each spawns Ward on port 0 against a fresh database in the scratch cluster
//! (`DATABASE_URL`, started by `make test`).
mod admin_activity;
mod admin_certs;
mod admin_groups;
mod admin_system;
mod admin_users;
mod blueprints;
mod brands;
mod certs;
mod email;
mod flows;
mod health;
mod helpers;
mod interfaces;
mod login;
mod observability;
mod portal;
mod recovery;
mod rest_applications;
mod rest_auth;
mod rest_certs;
mod rest_events;
mod rest_groups_tokens;
mod rest_users;
mod security;
mod setup;
mod smtp_sink;
