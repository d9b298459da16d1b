//! Admin → Providers: the proxy provider form (authentik's proxy provider form). The mode
//! decides which hosts it asks for; a field the mode hides is sent as it was loaded, as
//! authentik's form leaves it out. Errors beside their fields; any other below the form.
use crate::api::admin::providers::AdminSaveProxy;
use crate::components::inputs::{BUTTON_CLASS, Checkbox, INPUT_CLASS, SECONDARY_CLASS, TextInput};
use crate::types::flow::FieldErrors;
use crate::types::providers::ProxyForm;
use leptos::prelude::*;

/// The modes: (value, label, what it does).
const MODES: [(&str, &str, &str); 3] = [
    (
        "proxy",
        "Proxy",
        "Ward serves the external host and forwards signed-in requests to the internal host.",
    ),
    (
        "forward_single",
        "Forward auth (single application)",
        "Your reverse proxy (nginx, Traefik, Caddy, Envoy) asks Ward before passing each request to the application.",
    ),
    (
        "forward_domain",
        "Forward auth (domain level)",
        "One sign-in for every application under the cookie domain; the external host is where people sign in.",
    ),
];

/// What the form is open on: a new provider (`id` None) or a stored one.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyTarget {
    pub id: Option<String>,
    pub form: ProxyForm,
}

impl ProxyTarget {
    pub fn new_provider() -> Self {
        ProxyTarget {
            id: None,
            form: ProxyForm::new_provider(),
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    mode: RwSignal<String>,
    external_host: RwSignal<String>,
    internal_host: RwSignal<String>,
    ssl_validation: RwSignal<bool>,
    cookie_domain: RwSignal<String>,
    flow: RwSignal<String>,
    skip_path_regex: RwSignal<String>,
    intercept_header_auth: RwSignal<bool>,
    basic_auth: RwSignal<bool>,
    basic_user: RwSignal<String>,
    basic_password: RwSignal<String>,
    validity: RwSignal<String>,
}

impl Fields {
    fn new(f: &ProxyForm) -> Self {
        let text = |v: &String| RwSignal::new(v.clone());
        Fields {
            name: text(&f.name),
            mode: text(&f.mode),
            external_host: text(&f.external_host),
            internal_host: text(&f.internal_host),
            ssl_validation: RwSignal::new(f.internal_host_ssl_validation),
            cookie_domain: text(&f.cookie_domain),
            flow: text(&f.authorization_flow),
            skip_path_regex: text(&f.skip_path_regex),
            intercept_header_auth: RwSignal::new(f.intercept_header_auth),
            basic_auth: RwSignal::new(f.basic_auth_enabled),
            basic_user: text(&f.basic_auth_user_attribute),
            basic_password: text(&f.basic_auth_password_attribute),
            validity: text(&f.access_token_validity),
        }
    }

    fn form(&self, loaded: &ProxyForm) -> ProxyForm {
        let mode = self.mode.get();
        let proxy = mode == "proxy";
        let domain = mode == "forward_domain";
        ProxyForm {
            name: self.name.get(),
            external_host: self.external_host.get(),
            internal_host: if proxy {
                self.internal_host.get()
            } else {
                loaded.internal_host.clone()
            },
            internal_host_ssl_validation: if proxy {
                self.ssl_validation.get()
            } else {
                loaded.internal_host_ssl_validation
            },
            cookie_domain: if domain {
                self.cookie_domain.get()
            } else {
                loaded.cookie_domain.clone()
            },
            authorization_flow: self.flow.get(),
            skip_path_regex: self.skip_path_regex.get(),
            intercept_header_auth: self.intercept_header_auth.get(),
            basic_auth_enabled: self.basic_auth.get(),
            basic_auth_user_attribute: self.basic_user.get(),
            basic_auth_password_attribute: self.basic_password.get(),
            access_token_validity: self.validity.get(),
            mode,
        }
    }

    /// Whether the form shows `field`'s error beside it now.
    fn shows(&self, field: &str) -> bool {
        match field {
            "internal_host" | "internal_host_ssl_validation" => self.mode.get() == "proxy",
            "cookie_domain" => self.mode.get() == "forward_domain",
            "basic_auth_user_attribute" | "basic_auth_password_attribute" => self.basic_auth.get(),
            _ => SHOWN.contains(&field),
        }
    }
}

/// The fields always on the form.
const SHOWN: [&str; 8] = [
    "name",
    "mode",
    "external_host",
    "authorization_flow",
    "skip_path_regex",
    "intercept_header_auth",
    "basic_auth_enabled",
    "access_token_validity",
];

/// The form for `target` (the page makes a new one for each target); Cancel closes it (`open`
/// None). The page handles the save's answer.
#[component]
pub fn ProxyProviderForm(
    target: ProxyTarget,
    open: RwSignal<Option<ProxyTarget>>,
    save: ServerAction<AdminSaveProxy>,
    errors: RwSignal<FieldErrors>,
    /// The authorization flows: (pk, slug).
    flows: Vec<(String, String)>,
) -> impl IntoView {
    // A form opened anew starts without the last one's errors.
    if errors.with_untracked(|e| !e.is_empty()) {
        errors.set(FieldErrors::new());
    }
    let f = Fields::new(&target.form);
    let loaded = StoredValue::new(target.form);
    let id = target.id;
    let title = if id.is_some() {
        "Edit proxy provider"
    } else {
        "New proxy provider"
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = loaded.with_value(|l| f.form(l));
        save.dispatch(AdminSaveProxy {
            id: id.clone(),
            form,
        });
    };
    let field_error = move |k: &'static str| {
        move || {
            errors.with(|e| e.get(k).cloned()).map(|m| {
                view! { <p id=format!("proxy-provider-{k}-error") class="field-error text-sm text-red-600 dark:text-red-400">{m}</p> }
            })
        }
    };
    // Errors of fields this mode hides (or the form does not have), so none goes unseen.
    let other_errors = move || {
        errors.with(|e| {
            e.iter()
                .filter(|(k, _)| !f.shows(k))
                .map(|(k, m)| format!("{k}: {m}"))
                .collect::<Vec<_>>()
        })
    };
    let flow = f.flow;
    view! {
        <form id="proxy-provider-form" novalidate on:submit=submit class="mb-6 grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold sm:col-span-2">{title}</h2>
            <TextInput form="proxy-provider" name="name" label="Name" value=f.name errors/>
            <div class="space-y-1">
                <label for="proxy-provider-authorization_flow" class="block text-sm font-medium">"Authorization flow"</label>
                <select id="proxy-provider-authorization_flow" class=INPUT_CLASS on:change=move |ev| flow.set(event_target_value(&ev))>
                    <option value="" selected=move || flow.get().is_empty()>"Choose a flow"</option>
                    {flows.into_iter().map(|(pk, slug)| {
                        let v = pk.clone();
                        view! { <option value=pk selected=move || flow.get() == v>{slug}</option> }
                    }).collect_view()}
                </select>
                {field_error("authorization_flow")}
            </div>
            <ModePicker mode=f.mode/>
            {field_error("mode")}
            <div class="sm:col-span-2">
                <TextInput form="proxy-provider" name="external_host" label="External host (e.g. https://app.example.com)" value=f.external_host errors/>
            </div>
            <Show when=move || f.mode.get() == "proxy">
                <TextInput form="proxy-provider" name="internal_host" label="Internal host (e.g. http://app:8080)" value=f.internal_host errors/>
                <div class="self-end">
                    <Checkbox id="proxy-provider-internal_host_ssl_validation" label="Validate the internal host's TLS certificate" value=f.ssl_validation/>
                </div>
            </Show>
            <Show when=move || f.mode.get() == "forward_domain">
                <div class="sm:col-span-2">
                    <TextInput form="proxy-provider" name="cookie_domain" label="Cookie domain (e.g. example.com: the sign-in is shared by its subdomains)" value=f.cookie_domain errors/>
                </div>
            </Show>
            <div class="sm:col-span-2">
                <TextInput form="proxy-provider" name="skip_path_regex" label="Unauthenticated paths (regular expressions, one per line; e.g. ^/api/)" value=f.skip_path_regex errors multiline=true/>
            </div>
            <div class="space-y-1 sm:col-span-2">
                <Checkbox id="proxy-provider-intercept_header_auth" label="Intercept header authentication (accept Authorization: Bearer or Basic instead of a cookie)" value=f.intercept_header_auth/>
                {field_error("intercept_header_auth")}
                <Checkbox id="proxy-provider-basic_auth_enabled" label="Send HTTP basic authentication to the application" value=f.basic_auth/>
                {field_error("basic_auth_enabled")}
            </div>
            <Show when=move || f.basic_auth.get()>
                <TextInput form="proxy-provider" name="basic_auth_user_attribute" label="Basic auth user attribute" value=f.basic_user errors/>
                <TextInput form="proxy-provider" name="basic_auth_password_attribute" label="Basic auth password attribute" value=f.basic_password errors/>
            </Show>
            <TextInput form="proxy-provider" name="access_token_validity" label="Token validity (e.g. hours=1 or days=1;hours=12)" value=f.validity errors/>
            {move || {
                let others = other_errors();
                (!others.is_empty()).then(|| view! {
                    <ul id="proxy-provider-other-errors" role="alert" class="space-y-1 text-sm text-red-600 sm:col-span-2 dark:text-red-400">
                        {others.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                })
            }}
            <div class="flex gap-2 sm:col-span-2">
                <button type="submit" id="proxy-provider-save" class=BUTTON_CLASS>"Save provider"</button>
                <button type="button" class=SECONDARY_CLASS on:click=move |_| open.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}

/// The mode as radio buttons, each with what it does.
#[component]
fn ModePicker(mode: RwSignal<String>) -> impl IntoView {
    view! {
        <fieldset class="space-y-2 sm:col-span-2">
            <legend class="text-sm font-medium">"Mode"</legend>
            {MODES.iter().map(|(value, label, what)| {
                let value = *value;
                view! {
                    <label class="flex items-start gap-2 text-sm">
                        <input type="radio" name="proxy-provider-mode" id=format!("proxy-provider-mode-{value}") value=value
                            class="mt-0.5 h-4 w-4 border-slate-300"
                            checked=move || mode.get() == value
                            prop:checked=move || mode.get() == value
                            on:change=move |_| mode.set(value.to_string())/>
                        <span><span class="font-medium">{*label}</span><span class="block text-slate-500">{*what}</span></span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
