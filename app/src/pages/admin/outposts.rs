//! Admin → Outposts (authentik's Applications → Outposts): each outpost with its type, the
//! providers it serves and its health (the instances that reported in the last two minutes);
//! a form for name, type, providers and the config as JSON; delete (not the embedded outpost);
//! and a remote outpost's deployment settings, its token shown only on request (recorded).
use crate::api::admin::outposts::{
    AdminDeleteOutpost, AdminOutpostDeployment, AdminOutpostToken, AdminSaveOutpost,
    admin_list_outposts, admin_outpost_choices,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::confirm::ConfirmButton;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, INPUT_CLASS, SECONDARY_CLASS, TextInput};
use crate::components::toast::{error_text, use_toasts};
use crate::types::flow::FieldErrors;
use crate::types::outposts::{OutpostChoices, OutpostFormData, OutpostView, ProviderChoice};
use leptos::prelude::*;

const TYPES: [(&str, &str); 4] = [
    ("proxy", "Proxy"),
    ("ldap", "LDAP"),
    ("radius", "RADIUS"),
    ("rac", "RAC"),
];

#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    kind: RwSignal<String>,
    providers: RwSignal<Vec<String>>,
    config: RwSignal<String>,
    /// The outpost being edited (None: a new one) and whether it is the embedded one.
    editing: RwSignal<Option<(String, bool)>>,
    /// The config a new outpost starts with.
    default_config: RwSignal<String>,
}

impl Fields {
    fn set(&self, f: &OutpostFormData) {
        self.name.set(f.name.clone());
        self.kind.set(f.kind.clone());
        self.providers.set(f.providers.clone());
        self.config.set(f.config.clone());
    }

    fn reset(&self) {
        self.editing.set(None);
        self.set(&OutpostFormData {
            kind: "proxy".into(),
            config: self.default_config.get_untracked(),
            ..OutpostFormData::default()
        });
    }

    fn form(&self) -> OutpostFormData {
        OutpostFormData {
            name: self.name.get(),
            kind: self.kind.get(),
            providers: self.providers.get(),
            config: self.config.get(),
        }
    }
}

#[component]
pub fn AdminOutposts() -> impl IntoView {
    let save = ServerAction::<AdminSaveOutpost>::new();
    let delete = ServerAction::<AdminDeleteOutpost>::new();
    let deployment = ServerAction::<AdminOutpostDeployment>::new();
    let reveal = ServerAction::<AdminOutpostToken>::new();
    let outposts = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| admin_list_outposts(),
    );
    let choices = Resource::new(|| (), |_| admin_outpost_choices());
    let fields = Fields {
        name: RwSignal::new(String::new()),
        kind: RwSignal::new("proxy".into()),
        providers: RwSignal::new(Vec::new()),
        config: RwSignal::new(String::new()),
        editing: RwSignal::new(None),
        default_config: RwSignal::new(String::new()),
    };
    let errors = RwSignal::new(FieldErrors::new());
    let token = RwSignal::new(None::<String>);
    on_saved(*save, errors, "Outpost saved.", move |_| fields.reset());
    on_done(*delete, "Outpost deleted.");
    let toasts = use_toasts();
    Effect::new(move |_| match deployment.value().get() {
        Some(Err(e)) => toasts.error(error_text(&e)),
        _ => token.set(None),
    });
    Effect::new(move |_| match reveal.value().get() {
        Some(Ok(key)) => token.set(Some(key)),
        Some(Err(e)) => toasts.error(error_text(&e)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(AdminSaveOutpost {
            id: fields.editing.get().map(|(id, _)| id),
            form: fields.form(),
        });
    };
    view! {
        <AdminShell title="Outposts">
            <PageHeader title="Outposts"/>
            <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
                "Outposts serve proxy providers. The embedded outpost runs inside every Ward process; a remote one runs "
                <code>"ward outpost proxy"</code>" elsewhere with its own token."
            </p>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(c) => {
                            if fields.default_config.get_untracked().is_empty() {
                                fields.default_config.set(c.default_config.clone());
                                fields.reset();
                            }
                            view! { <OutpostForm fields errors choices=c submit/> }.into_any()
                        }
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <DeploymentInfo deployment reveal token/>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match outposts.await {
                        Ok(rows) => view! {
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                                <table id="outposts" class="min-w-full text-sm">
                                    <thead class="border-b border-slate-200 text-left dark:border-slate-800">
                                        <tr>
                                            <th scope="col" class="px-3 py-2">"Name"</th>
                                            <th scope="col" class="px-3 py-2">"Type"</th>
                                            <th scope="col" class="px-3 py-2">"Providers"</th>
                                            <th scope="col" class="px-3 py-2">"Health"</th>
                                            <th scope="col" class="px-3 py-2"><span class="sr-only">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                        {rows.into_iter().map(|o| view! { <OutpostItem o fields deployment delete/> }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </AdminShell>
    }
}

#[component]
fn OutpostItem(
    o: OutpostView,
    fields: Fields,
    deployment: ServerAction<AdminOutpostDeployment>,
    delete: ServerAction<AdminDeleteOutpost>,
) -> impl IntoView {
    let (id, id2, id3) = (o.id.clone(), o.id.clone(), o.id.clone());
    let (form, embedded) = (o.form.clone(), o.embedded);
    let providers = if o.providers.is_empty() {
        "None".to_string()
    } else {
        o.providers
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let health = if o.healthy.is_empty() {
        view! { <span class="text-slate-500">"Not available"</span> }.into_any()
    } else {
        o.healthy
            .into_iter()
            .map(|i| {
                let class = if i.outdated {
                    "block text-amber-700 dark:text-amber-400"
                } else {
                    "block text-emerald-700 dark:text-emerald-400"
                };
                let host = if i.hostname.is_empty() { i.uid } else { i.hostname };
                let version = if i.version.is_empty() {
                    String::new()
                } else {
                    format!(" · version {}{}", i.version, if i.outdated { " (outdated)" } else { "" })
                };
                view! { <span class=class>{format!("{host}{version} · last seen {}", i.last_seen)}</span> }
            })
            .collect_view()
            .into_any()
    };
    let type_label = TYPES
        .iter()
        .find(|(k, _)| *k == o.kind)
        .map_or(o.kind.clone(), |(_, l)| l.to_string());
    let name = o.name.clone();
    view! {
        <tr data-outpost=name>
            <td class="px-3 py-2 font-medium">
                {o.name}
                <Show when=move || embedded>
                    <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">"embedded"</span>
                </Show>
            </td>
            <td class="px-3 py-2">{type_label}</td>
            <td class="px-3 py-2">{providers}</td>
            <td class="px-3 py-2">{health}</td>
            <td class="px-3 py-2">
                <span class="flex flex-wrap justify-end gap-2">
                    <button type="button" class=SECONDARY_CLASS on:click=move |_| {
                        fields.set(&form);
                        fields.editing.set(Some((id.clone(), embedded)));
                    }>"Edit"</button>
                    <Show when=move || !embedded>
                        <button type="button" class=SECONDARY_CLASS on:click={
                            let id = id2.clone();
                            move |_| { deployment.dispatch(AdminOutpostDeployment { id: id.clone() }); }
                        }>"View deployment info"</button>
                        <ConfirmButton label="Delete" question="Delete this outpost? Its token stops working."
                            on_confirm={
                                let id = id3.clone();
                                Callback::new(move |_| { delete.dispatch(AdminDeleteOutpost { id: id.clone() }); })
                            }/>
                    </Show>
                </span>
            </td>
        </tr>
    }
}

#[component]
fn OutpostForm(
    fields: Fields,
    errors: RwSignal<FieldErrors>,
    choices: OutpostChoices,
    submit: impl Fn(leptos::ev::SubmitEvent) + 'static,
) -> impl IntoView {
    let embedded = move || fields.editing.get().is_some_and(|(_, e)| e);
    let field_error = move |k: &'static str| {
        move || {
            errors.get().get(k).cloned().map(
                |m| view! { <p id=format!("outpost-{k}-error") class="field-error text-sm text-red-600 dark:text-red-400">{m}</p> },
            )
        }
    };
    let providers = StoredValue::new(choices.providers);
    view! {
        <form id="outpost-form" novalidate on:submit=submit class="mb-6 grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold sm:col-span-2">{move || if fields.editing.get().is_some() { "Edit outpost" } else { "New outpost" }}</h2>
            {move || view! { <TextInput form="outpost" name="name" label="Name" value=fields.name errors readonly=embedded()/> }}
            <div class="space-y-1">
                <label for="outpost-type" class="block text-sm font-medium">"Type"</label>
                <select id="outpost-type" class=INPUT_CLASS prop:disabled=embedded
                    on:change=move |ev| fields.kind.set(event_target_value(&ev))>
                    {TYPES.iter().map(|(k, label)| view! {
                        <option value=*k selected=move || fields.kind.get() == *k>{*label}</option>
                    }).collect_view()}
                </select>
                {field_error("type")}
            </div>
            <fieldset id="outpost-providers" class="space-y-1 sm:col-span-2">
                <legend class="text-sm font-medium">"Providers"</legend>
                {move || {
                    let kind = fields.kind.get();
                    let offered: Vec<ProviderChoice> = providers.with_value(|all| {
                        all.iter().filter(|p| p.kind == kind).cloned().collect()
                    });
                    if offered.is_empty() {
                        return view! { <p class="text-sm text-slate-500">{format!("No {kind} providers yet.")}</p> }.into_any();
                    }
                    offered.into_iter().map(|p| {
                        let (id1, id2) = (p.id.clone(), p.id.clone());
                        let app = if p.application.is_empty() {
                            " · not assigned to an application".to_string()
                        } else {
                            format!(" · {}", p.application)
                        };
                        view! {
                            <label class="mr-4 inline-flex items-center gap-2 text-sm">
                                <input type="checkbox" name="providers" value=p.id.clone() data-provider=p.name.clone()
                                    class="h-4 w-4 rounded border-slate-300"
                                    prop:checked=move || fields.providers.with(|l| l.contains(&id1))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        fields.providers.update(|l| {
                                            l.retain(|x| *x != id2);
                                            if on { l.push(id2.clone()); }
                                        });
                                    }/>
                                {p.name}<span class="text-slate-500">{app}</span>
                            </label>
                        }
                    }).collect_view().into_any()
                }}
                {field_error("providers")}
            </fieldset>
            <div class="sm:col-span-2">
                <TextInput form="outpost" name="config" label="Configuration (JSON)" value=fields.config errors multiline=true/>
            </div>
            {field_error("managed")}
            <div class="flex gap-2 sm:col-span-2">
                <button type="submit" id="outpost-save" class=BUTTON_CLASS>"Save outpost"</button>
                <Show when=move || fields.editing.get().is_some()>
                    <button type="button" class=SECONDARY_CLASS on:click=move |_| fields.reset()>"Cancel"</button>
                </Show>
            </div>
        </form>
    }
}

/// A remote outpost's settings: the environment `ward outpost proxy` runs with.
#[component]
fn DeploymentInfo(
    deployment: ServerAction<AdminOutpostDeployment>,
    reveal: ServerAction<AdminOutpostToken>,
    token: RwSignal<Option<String>>,
) -> impl IntoView {
    move || {
        let Some(Ok(d)) = deployment.value().get() else {
            return None;
        };
        let id = deployment.input().get().map(|i| i.id).unwrap_or_default();
        let key = token.get();
        let shown_key = key.clone().unwrap_or_else(|| "<the token's key>".into());
        let command = format!(
            "AUTHENTIK_HOST={} AUTHENTIK_INSECURE={} AUTHENTIK_TOKEN={} ward outpost proxy",
            d.host, d.insecure, shown_key
        );
        Some(view! {
            <section id="outpost-deployment" aria-label="Deployment info" class="mb-6 max-w-3xl space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900">
                <h2 class="font-semibold">{format!("Deploy {}", d.name)}</h2>
                <dl class="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 font-mono">
                    <dt>"AUTHENTIK_HOST"</dt><dd id="outpost-host">{d.host.clone()}</dd>
                    <dt>"AUTHENTIK_INSECURE"</dt><dd>{d.insecure.to_string()}</dd>
                    <dt>"AUTHENTIK_TOKEN"</dt>
                    <dd>
                        {match key {
                            Some(k) => view! { <input id="outpost-token" readonly class=format!("{INPUT_CLASS} font-mono") prop:value=k/> }.into_any(),
                            None => view! {
                                <button type="button" class=SECONDARY_CLASS on:click=move |_| { reveal.dispatch(AdminOutpostToken { id: id.clone() }); }>
                                    "Show token (this view is recorded)"
                                </button>
                            }.into_any(),
                        }}
                    </dd>
                </dl>
                <p>{format!("Token identifier: {}", d.token_identifier)}</p>
                <p>"Run the outpost:"</p>
                <pre id="outpost-command" class="overflow-x-auto rounded bg-slate-100 p-2 dark:bg-slate-800">{command}</pre>
            </section>
        })
    }
}
