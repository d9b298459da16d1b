//! The flow's card: the current challenge as a form posting to the submit server fn. Rendered on
//! the server only: without JavaScript the form posts and the server redirects back; with it,
//! the flow client (`flow-client/`) sends the answer and swaps the next card in place.
use crate::api::flow::SubmitFlow;
use crate::components::stages::StageView;
use crate::types::brands::Brand;
use crate::types::flow::FlowView;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn FlowCard(
    initial: FlowView,
    submit: ServerAction<SubmitFlow>,
    /// The brand matched on the host: its title, logo, background and footer links.
    #[prop(optional)]
    brand: Brand,
) -> impl IntoView {
    let brand_title = brand.form.title.clone();
    let heading = brand.form.title.clone();
    let logo = Brand::media_url(&brand.logo);
    let background = Brand::media_url(&brand.background).map(|url| {
        format!("background-image:url('{url}');background-size:cover;background-position:center")
    });
    let links = brand.safe_links();
    // An error of the last plain form post comes back in the URL (`__err`); the flow client
    // writes its own into the same slot.
    let failure = match submit.value().get_untracked() {
        Some(Err(e)) => Some(server_error_message(&e)),
        _ => None,
    };
    let no_failure = failure.is_none();
    // A finished flow: the browser leaves with the redirect (the plain form post was already
    // redirected by the server fn).
    #[cfg(feature = "ssr")]
    if let crate::types::flow::Challenge::Redirect { to } = &initial.challenge {
        leptos_axum::redirect(to);
    }
    view! {
        <Title text=format!("{} – {}", initial.title, brand_title)/>
        <main class="flex min-h-screen flex-col items-center justify-center gap-4 p-4" id="flow-background" style=background>
            <div class="w-full max-w-sm rounded-xl bg-white p-8 shadow-lg ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800">
                <div class="mb-6 text-center">
                    {logo.map(|src| view! {
                        <img id="brand-logo" src=src alt=heading.clone() class="mx-auto mb-2 max-h-16 max-w-full"/>
                    })}
                    <p id="brand-title" class="text-2xl font-bold tracking-tight text-[var(--ward-primary,#4f46e5)]">{heading.clone()}</p>
                    <h1 class="mt-2 text-lg font-semibold">{initial.title.clone()}</h1>
                </div>
                <p id="flow-error" role="alert" hidden=no_failure
                    class="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">{failure}</p>
                <ActionForm action=submit attr:class="space-y-4" attr:novalidate="true">
                    <input type="hidden" name="slug" value=initial.slug/>
                    <StageView challenge=initial.challenge errors=initial.errors/>
                </ActionForm>
            </div>
            {(!links.is_empty()).then(|| view! {
                <footer class="flex flex-wrap justify-center gap-4 text-sm text-slate-500">
                    {links.into_iter().map(|l| view! {
                        <a class="hover:underline" href=l.href rel="noopener noreferrer">{l.name}</a>
                    }).collect_view()}
                </footer>
            })}
        </main>
    }
}

fn server_error_message(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(msg) => msg.clone(),
        _ => "Ward could not be reached. Please try again.".into(),
    }
}
