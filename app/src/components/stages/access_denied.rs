use leptos::prelude::*;

#[component]
pub fn AccessDenied(message: String) -> impl IntoView {
    view! {
        <div role="alert" class="space-y-3 text-center">
            <p class="text-base font-semibold text-red-600 dark:text-red-400">"Request has been denied."</p>
            <p id="denied-message" class="text-sm text-slate-600 dark:text-slate-400">{message}</p>
            <a href="/if/user/" class="inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">"Back"</a>
        </div>
    }
}
