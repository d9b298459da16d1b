//! Inputs bound to signals, for the admin and portal forms (which need JavaScript).
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

pub const INPUT_CLASS: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm outline-none focus:ring-2 focus:ring-indigo-500 read-only:bg-slate-100 read-only:text-slate-500 dark:border-slate-700 dark:bg-slate-900 dark:read-only:bg-slate-800";
pub const BUTTON_CLASS: &str = "rounded-md bg-[var(--ward-primary,#4f46e5)] px-4 py-2 text-sm font-semibold text-white shadow hover:opacity-90 disabled:opacity-60";
pub const SECONDARY_CLASS: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800";

/// A labelled input (`id` = `<form>-<name>`) with its error from `errors[name]` right below.
#[component]
pub fn TextInput(
    #[prop(into)] form: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(default = false)] multiline: bool,
    /// Shown but not editable (e.g. a field the settings lock).
    #[prop(default = false)]
    readonly: bool,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    let error_id = format!("{id}-error");
    let key = name.clone();
    let error = Memo::new(move |_| errors.with(|e| e.get(&key).cloned()));
    let control = if multiline {
        view! {
            <textarea id=id.clone() rows="4" class=format!("{INPUT_CLASS} font-mono") aria-describedby=error_id.clone()
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() type=kind class=INPUT_CLASS aria-describedby=error_id.clone() readonly=readonly
                aria-invalid=move || error.get().is_some().to_string()
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        }
        .into_any()
    };
    view! {
        <div class="space-y-1">
            <label for=id class="block text-sm font-medium text-slate-700 dark:text-slate-300">{label}</label>
            {control}
            {move || error.get().map(|e| view! { <p id=error_id.clone() class="field-error text-sm text-red-600 dark:text-red-400">{e}</p> })}
        </div>
    }
}

#[component]
pub fn Checkbox(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <label class="flex items-center gap-2 text-sm">
            <input id=id type="checkbox" class="h-4 w-4 rounded border-slate-300"
                prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev))/>
            {label}
        </label>
    }
}
