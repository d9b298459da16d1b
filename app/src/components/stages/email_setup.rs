use crate::components::field::{ChoiceButton, Field, SubmitButton};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// Enrolling an email address: the code sent to it, or first the address when the account has
/// none.
#[component]
pub fn EmailSetup(sent_to: Option<String>, errors: FieldErrors) -> impl IntoView {
    match sent_to {
        Some(to) => view! {
            <p class="text-sm text-slate-600 dark:text-slate-400" id="email-hint">
                "We sent a code to " {to} ". Enter it to confirm the address."
            </p>
            <Field name="code" label="Code" autocomplete="one-time-code" autofocus=true
                error=errors.get("code").cloned()/>
            <SubmitButton label="Confirm"/>
            <ChoiceButton name="resend" value="1" label="Send a new code"/>
        }
        .into_any(),
        None => view! {
            <p class="text-sm text-slate-600 dark:text-slate-400" id="email-hint">
                "Enter the address to send sign-in codes to."
            </p>
            <Field name="email" label="Email" kind="email" autocomplete="email" autofocus=true
                error=errors.get("email").cloned()/>
            <SubmitButton label="Send code"/>
        }
        .into_any(),
    }
}
