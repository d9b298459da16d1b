use crate::components::field::{Field, SubmitButton};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// Enrolling an authenticator app: the QR code, the secret to type instead, and the first code.
#[component]
pub fn TotpSetup(
    uri: String,
    secret: String,
    qr_svg: String,
    digits: u8,
    errors: FieldErrors,
) -> impl IntoView {
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-400">
            "Scan this code with your authenticator app, then enter the " {digits} "-digit code it shows."
        </p>
        // Drawn by the server from the otpauth URI: markup, no script.
        <div id="totp-qr" class="mx-auto w-48 bg-white p-2" inner_html=qr_svg></div>
        <details class="text-sm">
            <summary class="cursor-pointer text-indigo-600">"Can't scan it? Enter the key instead"</summary>
            <p class="mt-2 break-all font-mono" id="totp-secret">{secret}</p>
            <a class="mt-1 block break-all text-xs text-slate-500" id="totp-uri" href=uri.clone()>{uri.clone()}</a>
        </details>
        <Field name="code" label="Code" autocomplete="one-time-code" autofocus=true
            error=errors.get("code").cloned()/>
        <SubmitButton label="Confirm"/>
    }
}
