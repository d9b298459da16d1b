use crate::types::flow::{FlowLoad, FlowView};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Anyone may call: opens flow `slug` (continuing the one in progress) with the page's query.
#[server(prefix = "/-/fn", endpoint = "flow/load")]
pub async fn load_flow(
    slug: String,
    query: Option<BTreeMap<String, String>>,
) -> Result<FlowLoad, ServerFnError> {
    let req = super::context::Request::extract().await?;
    crate::ssr::flows::executor::load(&req.env(), &slug, query.unwrap_or_default())
        .await
        .map_err(crate::ssr::Error::public)
}

/// Anyone may call: answers the current challenge of flow `slug` with the form's fields.
#[server(prefix = "/-/fn", endpoint = "flow/submit")]
pub async fn submit_flow(
    slug: String,
    fields: Option<BTreeMap<String, String>>,
) -> Result<FlowView, ServerFnError> {
    use crate::types::flow::Challenge;
    let req = super::context::Request::extract().await?;
    let fields = fields.unwrap_or_default();
    if fields.len() > 64 || fields.iter().any(|(k, v)| k.len() > 64 || v.len() > 4096) {
        return Err(ServerFnError::new("The form is too large."));
    }
    let view = crate::ssr::flows::executor::submit(&req.env(), &slug, fields)
        .await
        .map_err(crate::ssr::Error::public)?;
    if let Challenge::Redirect { to } = &view.challenge {
        req.redirect_if_plain_form(to);
    }
    Ok(view)
}
