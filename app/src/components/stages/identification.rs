use crate::components::field::{Field, SubmitButton};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

#[component]
pub fn Identification(user_fields: Vec<String>, uid: String, errors: FieldErrors) -> impl IntoView {
    let username = user_fields.iter().any(|f| f == "username");
    let email = user_fields.iter().any(|f| f == "email");
    let label = match (username, email) {
        (true, true) => "Username or email",
        (false, true) => "Email",
        _ => "Username",
    };
    view! {
        <Field name="uid_field" label=label value=uid autocomplete="username" autofocus=true
            error=errors.get("uid_field").cloned()/>
        <SubmitButton label="Continue"/>
    }
}
