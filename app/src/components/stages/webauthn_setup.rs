use crate::components::field::{Field, NeedsScript, SubmitButton, WebauthnInput};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// Enrolling a security key or passkey: a name for it, then the browser asks the key.
#[component]
pub fn WebauthnSetup(options: String, errors: FieldErrors) -> impl IntoView {
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-400" id="webauthn-hint">
            "Name the key, then follow your browser: touch the key, or confirm with your fingerprint, face or PIN."
        </p>
        <Field name="name" label="Name" placeholder="e.g. YubiKey or Laptop" required=false
            error=errors.get("name").cloned()/>
        <WebauthnInput name="webauthn" mode="create" options=options/>
        <NeedsScript/>
        <SubmitButton label="Register"/>
    }
}
