use crate::components::field::SubmitButton;
use leptos::prelude::*;

/// New recovery codes, shown once: to write down or download before going on.
#[component]
pub fn StaticSetup(codes: Vec<String>) -> impl IntoView {
    let text = codes.join("\n") + "\n";
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        text.replace('\n', "%0A")
    );
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-400">
            "Each code signs you in once when your other second factor is not at hand. Keep them somewhere safe: they are shown only now."
        </p>
        <ul id="recovery-codes" class="grid grid-cols-2 gap-2 rounded-md bg-slate-50 p-3 font-mono text-sm dark:bg-slate-800">
            {codes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
        </ul>
        <a id="recovery-codes-download" href=download download="ward-recovery-codes.txt"
            class="block text-sm text-indigo-600 underline">"Download as a text file"</a>
        <SubmitButton label="I have saved these codes"/>
    }
}
