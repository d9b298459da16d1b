//! Admin → Providers: OAuth2/OpenID providers with their application, the essential settings
//! and the scopes offered in a form (the rest through the REST API and blueprints), the client
//! secret shown again on request (recorded), and a warning when implicit, hybrid or password
//! grants are on. Proxy providers have their own form (`proxy_provider_form`), which takes the
//! OAuth2 form's place while open. `?edit=<pk>` opens a provider in its form. A proxy
//! provider's "Setup" shows the reverse-proxy configurations to paste (nginx, Traefik, Caddy,
//! Envoy).
use super::proxy_provider_form::{ProxyProviderForm, ProxyTarget};
use crate::api::admin::providers::{
    AdminDeleteProvider, AdminProviderSecret, AdminSaveOauth2, AdminSaveProxy,
    admin_list_providers, admin_provider_choices, admin_proxy_snippets,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::confirm::ConfirmButton;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, Checkbox, INPUT_CLASS, SECONDARY_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::flow::FieldErrors;
use crate::types::providers::{OAuth2Form, ProviderChoices, ProviderRow, ScopeChoice};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The grant types the form offers, with what the admin is told of each.
const GRANTS: [(&str, &str); 7] = [
    ("authorization_code", "Authorization code"),
    ("refresh_token", "Refresh tokens"),
    ("client_credentials", "Client credentials"),
    (
        "urn:ietf:params:oauth:grant-type:device_code",
        "Device code",
    ),
    ("implicit", "Implicit (old apps only)"),
    ("hybrid", "Hybrid (old apps only)"),
    ("password", "Password (old apps only)"),
];
const RISKY: [&str; 3] = ["implicit", "hybrid", "password"];
const SUB_MODES: [&str; 6] = [
    "hashed_user_id",
    "user_id",
    "user_uuid",
    "user_username",
    "user_email",
    "user_upn",
];

struct Fields {
    name: RwSignal<String>,
    client_type: RwSignal<String>,
    client_id: RwSignal<String>,
    redirect_uris: RwSignal<String>,
    authorization_flow: RwSignal<String>,
    signing_key: RwSignal<String>,
    grants: RwSignal<Vec<String>>,
    sub_mode: RwSignal<String>,
    include_claims: RwSignal<bool>,
    /// The chosen scope mappings' pks.
    mappings: RwSignal<Vec<String>>,
    /// What a new provider starts with: authentik's default scope mappings.
    new_mappings: RwSignal<Vec<String>>,
}

impl Fields {
    fn set(&self, f: &OAuth2Form) {
        self.name.set(f.name.clone());
        self.client_type.set(f.client_type.clone());
        self.client_id.set(f.client_id.clone());
        self.redirect_uris.set(f.redirect_uris.clone());
        self.authorization_flow.set(f.authorization_flow.clone());
        self.signing_key.set(f.signing_key.clone());
        self.grants.set(f.grant_types.clone());
        self.sub_mode.set(f.sub_mode.clone());
        self.include_claims.set(f.include_claims_in_id_token);
        self.mappings.set(f.property_mappings.clone());
    }

    /// The form for a new provider.
    fn reset(&self) {
        self.set(&OAuth2Form {
            property_mappings: self.new_mappings.get_untracked(),
            ..new_form()
        });
    }

    fn form(&self) -> OAuth2Form {
        OAuth2Form {
            name: self.name.get(),
            client_type: self.client_type.get(),
            client_id: self.client_id.get(),
            redirect_uris: self.redirect_uris.get(),
            authorization_flow: self.authorization_flow.get(),
            signing_key: self.signing_key.get(),
            grant_types: self.grants.get(),
            sub_mode: self.sub_mode.get(),
            include_claims_in_id_token: self.include_claims.get(),
            property_mappings: self.mappings.get(),
        }
    }
}

fn new_form() -> OAuth2Form {
    OAuth2Form {
        client_type: "confidential".into(),
        grant_types: GRANTS[..4].iter().map(|(g, _)| g.to_string()).collect(),
        sub_mode: "hashed_user_id".into(),
        include_claims_in_id_token: true,
        ..OAuth2Form::default()
    }
}

#[component]
pub fn AdminProviders() -> impl IntoView {
    let save = ServerAction::<AdminSaveOauth2>::new();
    let save_proxy = ServerAction::<AdminSaveProxy>::new();
    let delete = ServerAction::<AdminDeleteProvider>::new();
    let reveal = ServerAction::<AdminProviderSecret>::new();
    let providers = Resource::new(
        move || {
            (
                save.version().get(),
                save_proxy.version().get(),
                delete.version().get(),
            )
        },
        |_| admin_list_providers(),
    );
    let choices = Resource::new(|| (), |_| admin_provider_choices());
    let fields = StoredValue::new(Fields {
        name: RwSignal::new(String::new()),
        client_type: RwSignal::new(String::new()),
        client_id: RwSignal::new(String::new()),
        redirect_uris: RwSignal::new(String::new()),
        authorization_flow: RwSignal::new(String::new()),
        signing_key: RwSignal::new(String::new()),
        grants: RwSignal::new(Vec::new()),
        sub_mode: RwSignal::new(String::new()),
        include_claims: RwSignal::new(true),
        mappings: RwSignal::new(Vec::new()),
        new_mappings: RwSignal::new(Vec::new()),
    });
    fields.with_value(|f| f.set(&new_form()));
    // A provider opened by `?edit=<pk>` (so a link, or a reload, shows it in the form).
    let query = use_query_map();
    let opened = Resource::new(
        move || query.with(|q| q.get("edit")).filter(|id| !id.is_empty()),
        |id| async move {
            match id {
                Some(id) => admin_list_providers().await.map(|rows| {
                    rows.into_iter()
                        .find(|r| r.id == id && (r.editable || r.proxy.is_some()))
                }),
                None => Ok(None),
            }
        },
    );
    let editing = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::new());
    // The proxy provider form, while open, and its errors.
    let proxy = RwSignal::new(None::<ProxyTarget>);
    let proxy_errors = RwSignal::new(FieldErrors::new());
    let secret = RwSignal::new(None::<(String, String)>);
    // The proxy provider whose setup is shown: (pk, name).
    let setup = RwSignal::new(None::<(String, String)>);
    on_saved(*save, errors, "Provider saved.", move |_| {
        editing.set(None);
        fields.with_value(Fields::reset);
    });
    on_saved(*save_proxy, proxy_errors, "Provider saved.", move |_| {
        proxy.set(None)
    });
    on_done(*delete, "Provider deleted.");
    Effect::new(move |_| {
        if let Some(Ok(s)) = reveal.value().get() {
            let name = reveal.input().get().map(|i| i.id).unwrap_or_default();
            secret.set(Some((name, s)));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = fields.with_value(|f| f.form());
        save.dispatch(AdminSaveOauth2 {
            id: editing.get(),
            form,
        });
    };
    view! {
        <AdminShell title="Providers">
            <PageHeader title="Providers">
                <button type="button" id="provider-new" class=SECONDARY_CLASS on:click=move |_| {
                    proxy.set(None);
                    editing.set(None);
                    errors.set(FieldErrors::new());
                    fields.with_value(Fields::reset);
                }>"New OAuth2/OpenID provider"</button>
                <button type="button" id="proxy-provider-new" class=SECONDARY_CLASS
                    on:click=move |_| proxy.set(Some(ProxyTarget::new_provider()))>"New proxy provider"</button>
            </PageHeader>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match (choices.await, opened.await) {
                        (Ok(c), Ok(opened)) => {
                            let new_mappings = c.scopes.iter().filter(|s| s.new_provider).map(|s| s.id.clone()).collect();
                            fields.with_value(|f| f.new_mappings.set(new_mappings));
                            match opened {
                                Some(p) if p.editable => {
                                    fields.with_value(|f| f.set(&p.form));
                                    editing.set(Some(p.id));
                                }
                                Some(p) => {
                                    proxy.set(p.proxy.map(|form| ProxyTarget { id: Some(p.id), form }));
                                    if editing.get_untracked().is_none() {
                                        fields.with_value(Fields::reset);
                                    }
                                }
                                None if editing.get_untracked().is_none() => fields.with_value(Fields::reset),
                                None => {}
                            }
                            let flows = c.flows.clone();
                            view! {
                                {move || proxy.get().map(|target| view! {
                                    <ProxyProviderForm target open=proxy save=save_proxy errors=proxy_errors flows=flows.clone()/>
                                })}
                                <div class:hidden=move || proxy.with(Option::is_some)>
                                    <ProviderForm fields errors editing choices=c submit/>
                                </div>
                            }.into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || secret.get().map(|(_, s)| view! {
                <div role="status" class="mb-6 max-w-3xl space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm dark:border-amber-700 dark:bg-amber-950">
                    <p class="font-semibold">"Client secret (this view is recorded):"</p>
                    <input id="provider-secret" readonly class=format!("{INPUT_CLASS} font-mono") prop:value=s/>
                </div>
            })}
            {move || setup.get().map(|(id, name)| view! { <ProxySetupView id name setup/> })}
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match providers.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="text-slate-500">"No providers yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul id="providers" class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                {rows.into_iter().map(|p| view! { <ProviderItem p fields editing reveal delete setup proxy/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </AdminShell>
    }
}

#[component]
fn ProviderItem(
    p: ProviderRow,
    fields: StoredValue<Fields>,
    editing: RwSignal<Option<String>>,
    reveal: ServerAction<AdminProviderSecret>,
    delete: ServerAction<AdminDeleteProvider>,
    setup: RwSignal<Option<(String, String)>>,
    proxy: RwSignal<Option<ProxyTarget>>,
) -> impl IntoView {
    let (id, id2, id3) = (p.id.clone(), p.id.clone(), p.id.clone());
    let proxy_target = p.proxy.clone().map(|form| ProxyTarget {
        id: Some(p.id.clone()),
        form,
    });
    let (form, editable) = (p.form.clone(), p.editable);
    let setup_target = (p.kind == "proxy").then(|| (p.id.clone(), p.name.clone()));
    let name = p.name.clone();
    let app = if p.application.is_empty() {
        view! { <span class="text-amber-700 dark:text-amber-400">" · not assigned to an application"</span> }.into_any()
    } else {
        view! { <span>{format!(" · {}", p.application)}</span> }.into_any()
    };
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 px-3 py-2" data-provider=name>
            <span class="min-w-0"><span class="font-medium">{p.name}</span>{format!(" · {} · {}", p.verbose_name, p.client_id)}{app}</span>
            <span class="flex gap-2">
                <Show when=move || editable>
                    <button type="button" class=SECONDARY_CLASS on:click={
                        let (form, id) = (form.clone(), id.clone());
                        move |_| {
                            proxy.set(None);
                            fields.with_value(|f| f.set(&form));
                            editing.set(Some(id.clone()));
                        }
                    }>"Edit"</button>
                </Show>
                {proxy_target.map(|target| view! {
                    <button type="button" class=SECONDARY_CLASS data-edit-proxy="" on:click=move |_| proxy.set(Some(target.clone()))>"Edit"</button>
                })}
                {setup_target.map(|target| view! {
                    <button type="button" class=SECONDARY_CLASS on:click=move |_| setup.set(Some(target.clone()))>"Setup"</button>
                })}
                <button type="button" class=SECONDARY_CLASS on:click=move |_| { reveal.dispatch(AdminProviderSecret { id: id2.clone() }); }>"View secret"</button>
                <ConfirmButton label="Delete" question="Delete this provider? Its application stays, without sign-in."
                    on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeleteProvider { id: id3.clone() }); })/>
            </span>
        </li>
    }
}

/// A proxy provider's reverse-proxy configurations, one heading and `<pre>` per proxy, or why
/// there are none (proxy mode).
#[component]
fn ProxySetupView(
    id: String,
    name: String,
    setup: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let loaded = Resource::new(move || id.clone(), admin_proxy_snippets);
    view! {
        <section id="provider-setup" class="mb-6 max-w-3xl space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-center justify-between gap-2">
                <h2 class="font-semibold">{format!("Setup · {name}")}</h2>
                <button type="button" class=SECONDARY_CLASS on:click=move |_| setup.set(None)>"Close"</button>
            </div>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(s) if s.snippets.is_empty() => view! { <p role="status">{s.note}</p> }.into_any(),
                        Ok(s) => s.snippets.into_iter().map(|(proxy, text)| view! {
                            <h3 class="font-medium">{proxy.clone()}</h3>
                            <pre data-proxy=proxy class="max-h-96 overflow-auto rounded bg-slate-50 p-3 font-mono text-xs select-all dark:bg-slate-950">{text}</pre>
                        }).collect_view().into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ProviderForm(
    fields: StoredValue<Fields>,
    errors: RwSignal<FieldErrors>,
    editing: RwSignal<Option<String>>,
    choices: ProviderChoices,
    submit: impl Fn(leptos::ev::SubmitEvent) + 'static,
) -> impl IntoView {
    let f = fields.with_value(|f| {
        (
            f.name,
            f.client_type,
            f.client_id,
            f.redirect_uris,
            f.authorization_flow,
            f.signing_key,
            f.grants,
            f.sub_mode,
            f.include_claims,
        )
    });
    let (name, client_type, client_id, redirect_uris, flow, key, grants, sub_mode, include_claims) =
        f;
    let mappings = fields.with_value(|f| f.mappings);
    let field_error = move |k: &'static str| {
        move || {
            errors
                .get()
                .get(k)
                .cloned()
                .map(|m| view! { <p class="text-sm text-red-600">{m}</p> })
        }
    };
    let risky = move || grants.get().iter().any(|g| RISKY.contains(&g.as_str()));
    view! {
        <form id="provider-form" novalidate on:submit=submit class="mb-6 grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold sm:col-span-2">{move || if editing.get().is_some() { "Edit OAuth2/OpenID provider" } else { "New OAuth2/OpenID provider" }}</h2>
            <TextInput form="provider" name="name" label="Name" value=name errors/>
            <div class="space-y-1">
                <label for="provider-client_type" class="block text-sm font-medium">"Client type"</label>
                <select id="provider-client_type" class=INPUT_CLASS on:change=move |ev| client_type.set(event_target_value(&ev))>
                    <option value="confidential" selected=move || client_type.get() == "confidential">"Confidential (has a secret)"</option>
                    <option value="public" selected=move || client_type.get() == "public">"Public (PKCE only)"</option>
                </select>
            </div>
            <TextInput form="provider" name="client_id" label="Client ID (empty: generated)" value=client_id errors/>
            <div class="space-y-1">
                <label for="provider-authorization_flow" class="block text-sm font-medium">"Authorization flow"</label>
                <select id="provider-authorization_flow" class=INPUT_CLASS on:change=move |ev| flow.set(event_target_value(&ev))>
                    <option value="" selected=move || flow.get().is_empty()>"Choose a flow"</option>
                    {choices.flows.into_iter().map(|(pk, slug)| {
                        let v = pk.clone();
                        view! { <option value=pk selected=move || flow.get() == v>{slug}</option> }
                    }).collect_view()}
                </select>
                {field_error("authorization_flow")}
            </div>
            <div class="sm:col-span-2">
                <TextInput form="provider" name="redirect_uris" label="Redirect URIs (one per line; regex: before a pattern)" value=redirect_uris errors multiline=true/>
            </div>
            <div class="space-y-1">
                <label for="provider-signing_key" class="block text-sm font-medium">"Signing key"</label>
                <select id="provider-signing_key" class=INPUT_CLASS on:change=move |ev| key.set(event_target_value(&ev))>
                    <option value="" selected=move || key.get().is_empty()>"None (HS256 with the client secret)"</option>
                    {choices.keys.into_iter().map(|(pk, label)| {
                        let v = pk.clone();
                        view! { <option value=pk selected=move || key.get() == v>{label}</option> }
                    }).collect_view()}
                </select>
                {field_error("signing_key")}
            </div>
            <div class="space-y-1">
                <label for="provider-sub_mode" class="block text-sm font-medium">"Subject mode"</label>
                <select id="provider-sub_mode" class=INPUT_CLASS on:change=move |ev| sub_mode.set(event_target_value(&ev))>
                    {SUB_MODES.iter().map(|m| view! { <option value=*m selected=move || sub_mode.get() == *m>{*m}</option> }).collect_view()}
                </select>
            </div>
            <fieldset class="space-y-1 sm:col-span-2">
                <legend class="text-sm font-medium">"Grant types"</legend>
                {GRANTS.iter().map(|(g, label)| {
                    let g = g.to_string();
                    let (g1, g2) = (g.clone(), g.clone());
                    view! {
                        <label class="mr-4 inline-flex items-center gap-2 text-sm">
                            <input type="checkbox" data-grant=g class="h-4 w-4 rounded border-slate-300"
                                prop:checked=move || grants.get().contains(&g1)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    grants.update(|list| {
                                        list.retain(|x| *x != g2);
                                        if on { list.push(g2.clone()); }
                                    });
                                }/>
                            {*label}
                        </label>
                    }
                }).collect_view()}
                {field_error("grant_types")}
                <Show when=risky>
                    <p id="provider-grant-warning" role="alert" class="text-sm text-amber-700 dark:text-amber-400">
                        "Implicit, hybrid and password grants put tokens in browser URLs or passwords in apps: turn them on only for old applications that need them."
                    </p>
                </Show>
            </fieldset>
            <ScopePicker scopes=choices.scopes default_offered=choices.default_offered mappings errors/>
            <div class="sm:col-span-2"><Checkbox id="provider-include-claims" label="Include claims in the ID token" value=include_claims/></div>
            {field_error("redirect_uris")}
            <div class="flex gap-2 sm:col-span-2">
                <button type="submit" id="provider-save" class=BUTTON_CLASS>"Save provider"</button>
                <Show when=move || editing.get().is_some()>
                    <button type="button" class=SECONDARY_CLASS on:click=move |_| {
                        editing.set(None);
                        fields.with_value(Fields::reset);
                    }>"Cancel"</button>
                </Show>
            </div>
        </form>
    }
}

/// The scopes offered: one checkbox per scope mapping (authentik's "Scopes" dual list), with
/// what Ward offers when none is chosen.
#[component]
fn ScopePicker(
    scopes: Vec<ScopeChoice>,
    default_offered: Vec<String>,
    mappings: RwSignal<Vec<String>>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let hint = format!(
        "With none chosen, Ward offers {}. openid is always offered.",
        default_offered.join(", ")
    );
    let error = Memo::new(move |_| errors.with(|e| e.get("property_mappings").cloned()));
    let boxes = if scopes.is_empty() {
        view! { <p class="text-sm text-slate-500">"No scope mappings yet."</p> }.into_any()
    } else {
        scopes
            .into_iter()
            .map(|s| {
                let (id1, id2, id3) = (s.id.clone(), s.id.clone(), s.id.clone());
                view! {
                    <label class="flex items-start gap-2 text-sm">
                        <input type="checkbox" id=format!("provider-scope-{}", s.id) name="property_mappings" value=s.id
                            data-scope=s.scope_name.clone() class="mt-0.5 h-4 w-4 rounded border-slate-300"
                            checked=move || mappings.with(|m| m.contains(&id1))
                            prop:checked=move || mappings.with(|m| m.contains(&id2))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                mappings.update(|list| {
                                    list.retain(|x| *x != id3);
                                    if on { list.push(id3.clone()); }
                                });
                            }/>
                        <span>{s.name}<span class="text-slate-500">{format!(" · scope {}", s.scope_name)}</span></span>
                    </label>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <fieldset id="provider-scopes" class="space-y-1 sm:col-span-2" aria-describedby="provider-scopes-hint provider-property_mappings-error">
            <legend class="text-sm font-medium">"Scopes offered (property mappings)"</legend>
            <p id="provider-scopes-hint" class="text-xs text-slate-500">{hint}</p>
            <div class="grid gap-1 sm:grid-cols-2">{boxes}</div>
            {move || error.get().map(|m| view! { <p id="provider-property_mappings-error" class="field-error text-sm text-red-600 dark:text-red-400">{m}</p> })}
        </fieldset>
    }
}
