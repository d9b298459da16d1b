use crate::components::field::{Field, SubmitButton};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// The second factor: one field for a code of any class the user has (the app's or a recovery
/// code), named after what they have.
#[component]
pub fn AuthenticatorValidate(classes: Vec<String>, errors: FieldErrors) -> impl IntoView {
    let app = classes.iter().any(|c| c == "totp");
    let codes = classes.iter().any(|c| c == "static");
    let hint = match (app, codes) {
        (true, true) => {
            "Enter the code from your authenticator app, or one of your recovery codes."
        }
        (false, true) => "Enter one of your recovery codes.",
        _ => "Enter the code from your authenticator app.",
    };
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-400" id="mfa-hint">{hint}</p>
        <Field name="code" label="Code" autocomplete="one-time-code" autofocus=true
            error=errors.get("code").cloned()/>
        <SubmitButton label="Verify"/>
    }
}
