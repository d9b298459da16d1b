use leptos::prelude::*;

/// The 404 page; sets the status during server rendering.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="mx-auto flex min-h-screen max-w-md flex-col items-center justify-center gap-4 p-6 text-center">
            <p class="text-6xl font-bold text-slate-400">"404"</p>
            <h1 class="text-xl font-semibold">"Not found"</h1>
            <p class="text-slate-600 dark:text-slate-400">"There is nothing here, or it is no longer available."</p>
            <a href="/if/user/" class="text-indigo-600 hover:underline dark:text-indigo-400">"Go to your applications"</a>
        </main>
    }
}
