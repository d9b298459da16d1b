//! The domain behind the UI and the protocols (server only).
pub mod account;
pub mod audit;
pub mod certs;
pub mod client;
pub mod crypto;
pub mod dashboard;
pub mod db;
pub mod email;
pub mod error;
pub mod event_list;
pub mod events;
pub mod flows;
pub mod groups;
pub mod jobs;
pub mod request;
pub mod retention;
pub mod session_list;
pub mod sessions;
pub mod settings;
pub mod stages;
pub mod state;
pub mod system;
pub mod token_admin;
pub mod tokens;
pub mod users;

pub use error::{Error, Result};
pub use state::AppState;
