//! Protocol endpoints (plain axum handlers, no Leptos): they call the same `app::ssr` domain
//! functions as the UI and the REST API.
pub mod oauth2;
pub mod proxy;
