use crate::components::field::SubmitButton;
use leptos::prelude::*;

fn scope_list(id: &'static str, scopes: Vec<(String, String)>) -> impl IntoView {
    view! {
        <ul id=id class="list-disc space-y-1 pl-5 text-sm text-slate-700 dark:text-slate-300">
            {scopes.into_iter().map(|(name, text)| view! { <li data-scope=name>{text}</li> }).collect_view()}
        </ul>
    }
}

/// Allow an application what it asks for (a plain form post: works without JavaScript).
#[component]
pub fn Consent(
    application: String,
    permissions: Vec<(String, String)>,
    additional: Vec<(String, String)>,
) -> impl IntoView {
    let has_additional = !additional.is_empty();
    let has_permissions = !permissions.is_empty();
    view! {
        <p id="consent-application" class="text-sm text-slate-700 dark:text-slate-300">
            <strong>{application}</strong>
            {if has_additional { " asks for more than you allowed it before." } else { " asks for access to your account." }}
        </p>
        {has_permissions.then(|| view! {
            <p class="text-sm font-medium">{if has_additional { "Already allowed:" } else { "It will be able to see:" }}</p>
            {scope_list("consent-permissions", permissions)}
        })}
        {has_additional.then(|| view! {
            <p class="text-sm font-medium">"New:"</p>
            {scope_list("consent-additional", additional)}
        })}
        <SubmitButton label="Continue"/>
    }
}
