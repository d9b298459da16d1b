//! Ward's web app: pages, components and server functions (both targets), and under `ssr`
//! the domain they drive.
#![recursion_limit = "256"]
pub mod api;
pub mod app;
pub mod components;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy: when the page is an admin or portal route, its chunk loads before hydration.
    leptos::mount::hydrate_lazy(app::App);
}
