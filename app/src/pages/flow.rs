//! `/if/flow/<slug>/`: renders whatever challenge the flow executor sends.
use crate::api::brand::current_brand;
use crate::api::flow::{SubmitFlow, load_flow};
use crate::components::flow_card::FlowCard;
use crate::pages::not_found::NotFound;
use crate::types::flow::FlowLoad;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

#[component]
pub fn FlowPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let loaded = Resource::new(
        move || {
            let slug = params.read().get("slug").unwrap_or_default();
            let q: BTreeMap<String, String> = query
                .read()
                .clone()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (slug, q)
        },
        |(slug, q)| load_flow(slug, Some(q)),
    );
    let brand = Resource::new(|| (), |_| current_brand());
    let submit = ServerAction::<SubmitFlow>::new();
    view! {
        <Suspense fallback=|| view! { <p class="p-8 text-center text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let brand = brand.await.unwrap_or_default();
                match loaded.await {
                    Ok(FlowLoad::Found(view)) => view! { <FlowCard initial=view submit brand/> }.into_any(),
                    Ok(FlowLoad::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(_) => view! {
                        <p role="alert" class="p-8 text-center text-red-600">"This page could not be loaded. Please try again."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
