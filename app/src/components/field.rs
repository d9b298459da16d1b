//! A labelled form input with its error message beside it.
use leptos::prelude::*;

/// Input named `fields[<name>]` (the flow's answer map), id `field-<name>`, and the error, if
/// any, in `#error-<name>` right below it.
#[component]
pub fn Field(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, default = String::new())] value: String,
    #[prop(into, default = "off".to_string())] autocomplete: String,
    #[prop(into, default = String::new())] placeholder: String,
    #[prop(default = true)] required: bool,
    #[prop(default = false)] autofocus: bool,
    /// The keyboard a phone shows (`numeric` for codes); None: the type's own.
    #[prop(optional, into)]
    inputmode: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("error-{name}");
    let invalid = error.is_some();
    let border = if invalid {
        "border-red-500 focus:ring-red-500"
    } else {
        "border-slate-300 focus:ring-indigo-500 dark:border-slate-700"
    };
    if kind == "checkbox" {
        return view! {
            <div class="space-y-1">
                <label class="flex items-center gap-2 text-sm">
                    <input id=id.clone() type="checkbox" name=format!("fields[{name}]") value="on" required=required
                        aria-invalid=invalid.to_string() aria-describedby=error_id.clone()
                        class="h-4 w-4 rounded border-slate-300 text-indigo-600"/>
                    {label}
                </label>
                {error.map(|e| view! { <p id=error_id.clone() class="text-sm text-red-600 dark:text-red-400">{e}</p> })}
            </div>
        }
        .into_any();
    }
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-300">{label}</label>
            <input id=id type=kind name=format!("fields[{name}]") value=value required=required autofocus=autofocus
                autocomplete=autocomplete placeholder=placeholder inputmode=inputmode aria-invalid=invalid.to_string()
                aria-describedby=error_id.clone()
                class=format!("block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm outline-none focus:ring-2 dark:bg-slate-900 {border}")/>
            {error.map(|e| view! { <p id=error_id class="text-sm text-red-600 dark:text-red-400">{e}</p> })}
        </div>
    }
    .into_any()
}

#[component]
pub fn SubmitButton(#[prop(into)] label: String) -> impl IntoView {
    view! {
        <button type="submit"
            class="w-full rounded-md bg-[var(--ward-primary,#4f46e5)] px-4 py-2 text-sm font-semibold text-white shadow hover:opacity-90 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2 disabled:opacity-60 dark:focus:ring-offset-slate-900">
            {label}
        </button>
    }
}

/// A secondary submit button that answers with `fields[<name>]=<value>` (a choice, not the
/// form's main answer): it skips the form's required fields, so choosing needs no code.
#[component]
pub fn ChoiceButton(
    #[prop(into)] name: String,
    #[prop(into)] value: String,
    #[prop(into)] label: String,
) -> impl IntoView {
    view! {
        <button type="submit" name=format!("fields[{name}]") value=value formnovalidate=true
            class="w-full rounded-md border border-slate-300 px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-indigo-500 disabled:opacity-60 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800">
            {label}
        </button>
    }
}

/// The hidden input a WebAuthn ceremony answers into: the flow client reads the options from it
/// (`create`, `get` or `conditional`) and puts the browser's answer in it.
#[component]
pub fn WebauthnInput(
    #[prop(into)] name: String,
    #[prop(into)] mode: String,
    #[prop(into)] options: String,
) -> impl IntoView {
    view! {
        <input type="hidden" id=format!("field-{name}") name=format!("fields[{name}]") value=""
            data-webauthn=mode data-options=options/>
    }
}

/// Said where a security key would be used, when the browser runs no JavaScript.
#[component]
pub fn NeedsScript() -> impl IntoView {
    view! {
        <noscript>
            <p class="text-sm text-amber-700 dark:text-amber-400">
                "Security keys and passkeys need JavaScript, which is off in this browser."
            </p>
        </noscript>
    }
}
