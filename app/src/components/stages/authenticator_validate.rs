use crate::components::field::{Field, SubmitButton};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// The second factor: a code from the authenticator app (the only class offered so far).
#[component]
pub fn AuthenticatorValidate(classes: Vec<String>, errors: FieldErrors) -> impl IntoView {
    let _ = classes;
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-400">"Enter the code from your authenticator app."</p>
        <Field name="code" label="Code" autocomplete="one-time-code" autofocus=true
            error=errors.get("code").cloned()/>
        <SubmitButton label="Verify"/>
    }
}
