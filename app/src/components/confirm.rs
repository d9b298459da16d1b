//! A destructive action's button that asks once more before it acts.
use leptos::prelude::*;

#[component]
pub fn ConfirmButton(
    #[prop(into)] label: String,
    #[prop(into)] question: String,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let label_again = label.clone();
    view! {
        <Show when=move || asking.get() fallback=move || view! {
            <button type="button" on:click=move |_| asking.set(true)
                class="rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950">
                {label.clone()}
            </button>
        }>
            <span role="alertdialog" aria-label=question.clone() class="inline-flex flex-wrap items-center gap-2 text-sm">
                <span>{question.clone()}</span>
                <button type="button" on:click=move |_| { asking.set(false); on_confirm.run(()); }
                    class="rounded-md bg-red-600 px-3 py-1.5 font-medium text-white hover:bg-red-500">{format!("Yes, {}", label_again.to_lowercase())}</button>
                <button type="button" on:click=move |_| asking.set(false)
                    class="rounded-md px-3 py-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">"Cancel"</button>
            </span>
        </Show>
    }
}
