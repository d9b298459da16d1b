//! The `ward` server: configuration, the router, protocol endpoints and the CLI.
pub mod assets;
pub mod brand;
pub mod cli;
pub mod config;
pub mod exports;
pub mod guards;
pub mod headers;
pub mod health;
pub mod limits;
pub mod media;
pub mod metrics;
pub mod protocols;
pub mod request_id;
pub mod rest;
pub mod startup;
pub mod telemetry;
