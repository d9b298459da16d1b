//! A user's MFA devices with a remove button each: the portal's own list and the admin's view
//! of a user.
use crate::components::confirm::ConfirmButton;
use crate::components::inputs::{INPUT_CLASS, SECONDARY_CLASS};
use crate::types::flow::FieldErrors;
use crate::types::mfa::DeviceRow;
use leptos::prelude::*;

/// `last`: the question when one device is left (removing it leaves the password alone).
/// `rename` (id, new name), when given, offers renaming; its field errors come in `errors`.
#[component]
pub fn DeviceList(
    rows: Vec<DeviceRow>,
    remove: Callback<String>,
    #[prop(into)] last: String,
    #[prop(into)] empty: String,
    #[prop(optional)] rename: Option<Callback<(String, String)>>,
    #[prop(optional)] errors: Option<RwSignal<FieldErrors>>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="text-sm text-slate-500">{empty}</p> }.into_any();
    }
    let only_one = rows.len() == 1;
    view! {
        <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-800">
            {rows.into_iter().map(|d| {
                let question = if only_one { last.clone() } else { "Remove this device?".to_string() };
                let id = d.id.clone();
                let used = d.last_used.clone().map(|t| format!(" · last used {}", short(&t))).unwrap_or_default();
                view! {
                    <li class="flex flex-wrap items-center justify-between gap-2 py-2" data-device=d.id.clone()>
                        <span>
                            <span class="font-medium">{d.name.clone()}</span>
                            <span class="text-slate-500">{format!(" · {} · added {}{used}", d.kind(), short(&d.created))}</span>
                        </span>
                        <span class="flex flex-wrap items-center gap-2">
                            {rename.map(|rename| view! { <RenameDevice id=d.id.clone() name=d.name.clone() rename errors/> })}
                            <ConfirmButton label="Remove" question on_confirm=Callback::new(move |()| remove.run(id.clone()))/>
                        </span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A "Rename" button that opens a one-field form in place.
#[component]
fn RenameDevice(
    id: String,
    name: String,
    rename: Callback<(String, String)>,
    errors: Option<RwSignal<FieldErrors>>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let value = RwSignal::new(name);
    let input_id = format!("rename-{id}");
    let error = move || errors.and_then(|e| e.with(|e| e.get("name").cloned()));
    view! {
        <Show when=move || editing.get() fallback=move || view! {
            <button type="button" class=SECONDARY_CLASS on:click=move |_| editing.set(true)>"Rename"</button>
        }>
            <form novalidate class="flex flex-wrap items-center gap-2" on:submit={
                let id = id.clone();
                move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    rename.run((id.clone(), value.get()));
                }
            }>
                <label class="sr-only" for=input_id.clone()>"Device name"</label>
                <input id=input_id.clone() name="name" maxlength="64" class=INPUT_CLASS prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
                <button type="submit" class=SECONDARY_CLASS>"Save"</button>
                <button type="button" class=SECONDARY_CLASS on:click=move |_| editing.set(false)>"Cancel"</button>
                {move || error().map(|e| view! { <p class="field-error w-full text-sm text-red-600">{e}</p> })}
            </form>
        </Show>
    }
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM`.
pub fn short(t: &str) -> String {
    t.replace('T', " ").chars().take(16).collect()
}
