use crate::components::field::{ChoiceButton, Field, NeedsScript, SubmitButton, WebauthnInput};
use crate::types::flow::FieldErrors;
use crate::types::mfa::class_label;
use leptos::prelude::*;

/// The second factor: the selected class's answer, and the person's other classes to switch to.
/// When the account has none yet (`enroll`), the classes it may set up now.
#[component]
pub fn AuthenticatorValidate(
    classes: Vec<String>,
    selected: String,
    sent_to: Option<String>,
    enroll: bool,
    webauthn: Option<String>,
    errors: FieldErrors,
) -> impl IntoView {
    if enroll {
        return view! {
            <p class="text-sm text-slate-600 dark:text-slate-400" id="mfa-hint">
                "Your account needs a second factor. Choose one to set up:"
            </p>
            <div class="space-y-2" id="mfa-enroll">
                {classes.into_iter().map(|c| {
                    let label = class_label(&c);
                    view! { <ChoiceButton name="class" value=c label=label/> }
                }).collect_view()}
            </div>
        }
        .into_any();
    }
    let has_codes = classes.iter().any(|c| c == "static");
    let hint = match selected.as_str() {
        "webauthn" => "Use your security key or passkey: follow your browser.".to_string(),
        "email" => match &sent_to {
            Some(to) => format!("We sent a code to {to}. Enter it here."),
            None => "We could not send a code. Ask for a new one.".to_string(),
        },
        "static" => "Enter one of your recovery codes.".to_string(),
        _ if has_codes => {
            "Enter the code from your authenticator app, or one of your recovery codes.".to_string()
        }
        _ => "Enter the code from your authenticator app.".to_string(),
    };
    let resend = (selected == "email")
        .then(|| view! { <ChoiceButton name="resend" value="1" label="Send a new code"/> });
    let others: Vec<String> = classes
        .into_iter()
        .filter(|c| *c != selected && !(selected == "totp" && c == "static"))
        .collect();
    let switch = (!others.is_empty()).then(|| {
        view! {
            <div class="space-y-2 border-t border-slate-200 pt-3 dark:border-slate-800" id="mfa-other">
                <p class="text-xs text-slate-500">"Or use another method"</p>
                {others.into_iter().map(|c| {
                    let label = class_label(&c);
                    view! { <ChoiceButton name="class" value=c label=label/> }
                }).collect_view()}
            </div>
        }
    });
    let answer = match webauthn {
        Some(options) => view! {
            <WebauthnInput name="webauthn" mode="get" options/>
            <NeedsScript/>
            <SubmitButton label="Use security key"/>
        }
        .into_any(),
        None => view! {
            <Field name="code" label="Code" autocomplete="one-time-code" autofocus=true
                error=errors.get("code").cloned()/>
            <SubmitButton label="Verify"/>
        }
        .into_any(),
    };
    view! {
        <p class="text-sm text-slate-600 dark:text-slate-400" id="mfa-hint">{hint}</p>
        {answer}
        {resend}
        {switch}
    }
    .into_any()
}
