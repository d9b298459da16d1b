//! One component per challenge type.
mod access_denied;
mod authenticator_validate;
mod consent;
mod device_code;
mod email_setup;
mod identification;
mod password;
mod prompt;
mod static_setup;
mod totp_setup;
mod webauthn_setup;

use crate::types::flow::{Challenge, FieldErrors};
use leptos::prelude::*;

#[component]
pub fn StageView(challenge: Challenge, errors: FieldErrors) -> impl IntoView {
    let form_error = errors.get("").cloned();
    let body = match challenge {
        Challenge::Identification { user_fields, uid, passkey, passwordless_url } => view! {
            <identification::Identification user_fields uid passkey passwordless_url errors/>
        }
        .into_any(),
        Challenge::WebauthnSetup { options } => {
            view! { <webauthn_setup::WebauthnSetup options errors/> }.into_any()
        }
        Challenge::Password { pending_user } => view! { <password::Password pending_user errors/> }.into_any(),
        Challenge::Prompt { fields, values } => view! { <prompt::Prompt fields values errors/> }.into_any(),
        Challenge::AccessDenied { message } => view! { <access_denied::AccessDenied message/> }.into_any(),
        Challenge::TotpSetup { uri, secret, qr_svg, digits } => {
            view! { <totp_setup::TotpSetup uri secret qr_svg digits errors/> }.into_any()
        }
        Challenge::StaticSetup { codes } => view! { <static_setup::StaticSetup codes/> }.into_any(),
        Challenge::EmailSetup { sent_to } => view! { <email_setup::EmailSetup sent_to errors/> }.into_any(),
        Challenge::AuthenticatorValidate { classes, selected, sent_to, enroll, webauthn } => view! {
            <authenticator_validate::AuthenticatorValidate classes selected sent_to enroll webauthn errors/>
        }
        .into_any(),
        Challenge::Consent { application, permissions, additional } => {
            view! { <consent::Consent application permissions additional/> }.into_any()
        }
        Challenge::DeviceCode => view! { <device_code::DeviceCode errors/> }.into_any(),
        Challenge::DeviceCodeFinish { application } => {
            view! { <device_code::DeviceCodeFinish application/> }.into_any()
        }
        Challenge::Redirect { to } => view! {
            <p class="text-center text-sm text-slate-500">"Redirecting… " <a class="text-indigo-600 underline" href=to>"Continue"</a></p>
        }
        .into_any(),
    };
    view! {
        {form_error.map(|m| view! { <p role="alert" class="text-sm text-red-600">{m}</p> })}
        {body}
    }
}
