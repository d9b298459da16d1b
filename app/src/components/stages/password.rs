use crate::components::field::{Field, SubmitButton};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

#[component]
pub fn Password(pending_user: String, errors: FieldErrors) -> impl IntoView {
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-400">
            "Signing in as " <span id="pending-user" class="font-medium text-slate-900 dark:text-slate-100">{pending_user}</span>
        </p>
        <Field name="password" label="Password" kind="password" autocomplete="current-password" autofocus=true
            error=errors.get("password").cloned()/>
        <SubmitButton label="Log in"/>
    }
}
