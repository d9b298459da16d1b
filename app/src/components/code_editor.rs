//! The expression editor: a monospace text area with line numbers, the compile error under it
//! with its line marked in the gutter, and the names an expression can use.
use crate::components::inputs::INPUT_CLASS;
use crate::types::expressions::{MODULES, NAMES, error_line};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

#[component]
pub fn CodeEditor(
    #[prop(into)] form: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    let error_id = format!("{id}-error");
    let key = name.clone();
    let error = Memo::new(move |_| errors.with(|e| e.get(&key).cloned()));
    let bad_line = move || error.get().as_deref().and_then(error_line);
    // The area grows with the text, so the gutter never needs to scroll with it.
    let lines = move || value.with(|v| v.split('\n').count()).max(1);
    let gutter = move || {
        (1..=lines().max(8))
            .map(|n| {
                let class = if bad_line() == Some(n) {
                    "block bg-red-100 px-1 text-red-700 dark:bg-red-950 dark:text-red-300"
                } else {
                    "block px-1"
                };
                view! { <span class=class data-line=n>{n}</span> }
            })
            .collect_view()
    };
    let names = NAMES.join(", ");
    let modules = MODULES.join(", ");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-300">{label}</label>
            <div class="flex rounded-md border border-slate-300 dark:border-slate-700">
                <pre aria-hidden="true" class="select-none border-r border-slate-200 bg-slate-50 py-2 text-right font-mono text-sm leading-6 text-slate-400 dark:border-slate-800 dark:bg-slate-950">{gutter}</pre>
                <textarea id=id spellcheck="false" wrap="off" aria-describedby=error_id.clone()
                    aria-invalid=move || error.get().is_some().to_string()
                    rows=move || lines().max(8).to_string()
                    class=format!("{INPUT_CLASS} resize-none overflow-x-auto rounded-l-none border-0 font-mono leading-6 shadow-none")
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            </div>
            {move || error.get().map(|e| view! { <p id=error_id.clone() class="field-error text-sm text-red-600 dark:text-red-400">{e}</p> })}
            <p class="text-xs text-slate-500">
                "Python syntax; "<code>"return"</code>" the result. Names: "<code class="font-mono">{names}</code>
                ". Imports: "<code class="font-mono">{modules}</code>"."
            </p>
        </div>
    }
}
