//! The device authorization grant's two cards: the code a device shows, entered here, and the
//! word that the device is signed in.
use crate::components::field::{Field, SubmitButton};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// Enter the code the device shows (a plain form post: works without JavaScript).
#[component]
pub fn DeviceCode(errors: FieldErrors) -> impl IntoView {
    view! {
        <p id="device-hint" class="text-sm text-slate-600 dark:text-slate-400">
            "Enter the code your device shows to sign it in."
        </p>
        <Field name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" autofocus=true
            error=errors.get("code").cloned()/>
        <SubmitButton label="Continue"/>
    }
}

/// The device is signed in; nothing is left to answer.
#[component]
pub fn DeviceCodeFinish(application: String) -> impl IntoView {
    view! {
        <div id="device-done" role="status" class="space-y-2 text-center">
            <p class="text-base font-semibold">"Your device is signed in."</p>
            <p class="text-sm text-slate-600 dark:text-slate-400">
                <strong>{application}</strong> " can now be used on it. You may close this page."
            </p>
        </div>
    }
}
