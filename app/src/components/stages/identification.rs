use crate::components::field::{Field, SubmitButton, WebauthnInput};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

#[component]
pub fn Identification(
    user_fields: Vec<String>,
    uid: String,
    passkey: Option<String>,
    passwordless_url: Option<String>,
    errors: FieldErrors,
) -> impl IntoView {
    // With passkey autofill, the browser lists its passkeys for this site in the field's menu.
    let autocomplete = if passkey.is_some() {
        "username webauthn"
    } else {
        "username"
    };
    let username = user_fields.iter().any(|f| f == "username");
    let email = user_fields.iter().any(|f| f == "email");
    let label = match (username, email) {
        (true, true) => "Username or email",
        (false, true) => "Email",
        _ => "Username",
    };
    view! {
        <Field name="uid_field" label=label value=uid autocomplete=autocomplete autofocus=true
            error=errors.get("uid_field").cloned()/>
        {passkey.map(|options| view! { <WebauthnInput name="passkey" mode="conditional" options/> })}
        <SubmitButton label="Continue"/>
        {passwordless_url.map(|href| view! {
            <a id="passwordless" href=href class="block text-center text-sm text-indigo-600 underline">
                "Sign in with a passkey"
            </a>
        })}
    }
}
