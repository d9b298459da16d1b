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
    req.send_cookies();
    if let Challenge::Redirect { to } = &view.challenge {
        req.redirect_if_plain_form(to);
    }
    Ok(view)
}

/// The no-JavaScript flow form post (`slug=…&fields[name]=…`, urlencoded) as the server decodes
/// it: whatever a browser or anyone else posts.
#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::SubmitFlow;
    use axum::body::Body;
    use axum::http::Request;
    use server_fn::ServerFnError;
    use server_fn::codec::{FromReq, PostUrl};
    use std::collections::BTreeMap;

    fn decode(body: Vec<u8>) -> Result<SubmitFlow, ServerFnError> {
        let req = Request::post("/-/fn/flow/submit")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(<SubmitFlow as FromReq<
            PostUrl,
            Request<Body>,
            ServerFnError,
        >>::from_req(req))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Any body: decoded or refused, never a panic.
        #[test]
        fn any_body_is_decoded_or_refused(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..96),
            shaped in "(slug=|fields|%5B|%5D|\\[|\\]|&|=|%|%ZZ|%C3%A9|%FF|\\+|uid_field|password|x){0,24}",
        ) {
            let _ = decode(bytes);
            let _ = decode(shaped.into_bytes());
        }

        /// What a browser sends for any answer comes back exactly.
        #[test]
        fn browser_form_posts_round_trip(
            slug in "[a-z0-9-]{1,20}",
            fields in proptest::collection::btree_map("[a-z_]{1,16}", proptest::prelude::any::<String>(), 0..5),
        ) {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("slug", &slug);
            for (k, v) in &fields {
                form.append_pair(&format!("fields[{k}]"), v);
            }
            let decoded = decode(form.finish().into_bytes()).expect("a browser's form post");
            proptest::prop_assert_eq!(decoded.slug, slug);
            let expected: Option<BTreeMap<String, String>> = (!fields.is_empty()).then_some(fields);
            proptest::prop_assert_eq!(decoded.fields, expected);
        }
    }
}
