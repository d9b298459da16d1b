//! The flow's card: the current challenge as a form posting to the submit server fn. Without
//! JavaScript the form posts and the server redirects back; hydrated, answers come back in place.
use crate::api::flow::SubmitFlow;
use crate::components::stages::StageView;
use crate::types::brands::Brand;
use crate::types::flow::{Challenge, FlowView};
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
    let initial_for_view = initial.clone();
    let current = Memo::new(move |_| match submit.value().get() {
        Some(Ok(view)) => view,
        _ => initial_for_view.clone(),
    });
    let failure = move || match submit.value().get() {
        Some(Err(e)) => Some(server_error_message(&e)),
        _ => None,
    };
    // A finished flow: the server already redirected a plain form post; here we leave the app
    // with a full page load so the next page renders with the new session.
    #[cfg(feature = "ssr")]
    if let Challenge::Redirect { to } = &initial.challenge {
        leptos_axum::redirect(to);
    }
    Effect::new(move |_| {
        if let Challenge::Redirect { to } = current.get().challenge {
            #[cfg(feature = "hydrate")]
            if let Some(w) = web_sys::window() {
                let _ = w.location().assign(&to);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = to;
        }
    });
    let pending = submit.pending();
    view! {
        <Title text=move || format!("{} – {}", current.get().title, brand_title)/>
        <main class="flex min-h-screen flex-col items-center justify-center gap-4 p-4" id="flow-background" style=background>
            <div class="w-full max-w-sm rounded-xl bg-white p-8 shadow-lg ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800">
                <div class="mb-6 text-center">
                    {logo.map(|src| view! {
                        <img id="brand-logo" src=src alt=heading.clone() class="mx-auto mb-2 max-h-16 max-w-full"/>
                    })}
                    <p id="brand-title" class="text-2xl font-bold tracking-tight text-[var(--ward-primary,#4f46e5)]">{heading.clone()}</p>
                    <h1 class="mt-2 text-lg font-semibold">{move || current.get().title}</h1>
                </div>
                {move || failure().map(|m| view! {
                    <p role="alert" class="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">{m}</p>
                })}
                <ActionForm action=submit attr:class="space-y-4" attr:novalidate="true">
                    <input type="hidden" name="slug" value=move || current.get().slug/>
                    {move || {
                        let v = current.get();
                        view! { <StageView challenge=v.challenge errors=v.errors pending=pending.into()/> }
                    }}
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
