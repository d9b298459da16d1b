//! The brand of the current request (title, images, colour, footer links), for the pages.
use crate::types::brands::Brand;
use leptos::prelude::*;

/// Anyone: the brand matched on this request's host, as authentik's `brands/current`.
#[server(prefix = "/-/fn", endpoint = "brand/current")]
pub async fn current_brand() -> Result<Brand, ServerFnError> {
    Ok(crate::ssr::brands::from_context())
}
