use crate::components::field::{Field, SubmitButton};
use crate::types::flow::{FieldErrors, PromptField, PromptKind};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[component]
pub fn Prompt(
    fields: Vec<PromptField>,
    values: BTreeMap<String, String>,
    errors: FieldErrors,
) -> impl IntoView {
    let inputs = fields
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            // Passwords are never sent back to the browser.
            let value = if f.kind == PromptKind::Password { String::new() } else { values.get(&f.name).cloned().unwrap_or_default() };
            view! {
                <Field name=f.name.clone() label=f.label kind=f.kind.input_type() value autocomplete=f.kind.autocomplete()
                    placeholder=f.placeholder required=f.required autofocus={i == 0} error=errors.get(&f.name).cloned()/>
            }
        })
        .collect_view();
    view! {
        {inputs}
        <SubmitButton label="Continue"/>
    }
}
