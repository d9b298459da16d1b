//! Admin → Customization → Policies: every policy with its type and how many bindings use it;
//! expression policies written in a code editor (a compile error shown at its line), edited,
//! deleted, and tested for a chosen user and client address. Other policy types are listed
//! here and edited through the REST API or blueprints.
use crate::api::admin::policies::{
    AdminDeletePolicy, AdminSaveExpressionPolicy, AdminTestPolicy, admin_list_policies,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::code_editor::CodeEditor;
use crate::components::confirm::ConfirmButton;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, Checkbox, SECONDARY_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::flow::FieldErrors;
use crate::types::policies::{ExpressionPolicyForm, PolicyListRow, PolicyTestAnswer};
use leptos::prelude::*;

/// The form's fields; errors on other keys are shown under the form.
const FIELDS: [&str; 2] = ["name", "expression"];

#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    expression: RwSignal<String>,
    execution_logging: RwSignal<bool>,
}

impl Fields {
    fn new() -> Self {
        Self {
            name: RwSignal::new(String::new()),
            expression: RwSignal::new(String::new()),
            execution_logging: RwSignal::new(false),
        }
    }

    fn load(&self, f: &ExpressionPolicyForm) {
        self.name.set(f.name.clone());
        self.expression.set(f.expression.clone());
        self.execution_logging.set(f.execution_logging);
    }

    fn form(&self) -> ExpressionPolicyForm {
        ExpressionPolicyForm {
            name: self.name.get_untracked(),
            expression: self.expression.get_untracked(),
            execution_logging: self.execution_logging.get_untracked(),
        }
    }
}

/// The policy under test: its id and name.
type Testing = RwSignal<Option<(String, String)>>;

#[component]
pub fn AdminPolicies() -> impl IntoView {
    let save = ServerAction::<AdminSaveExpressionPolicy>::new();
    let delete = ServerAction::<AdminDeletePolicy>::new();
    let policies = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| admin_list_policies(),
    );
    let fields = Fields::new();
    let editing = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::new());
    let testing: Testing = RwSignal::new(None);
    let reset = move || {
        editing.set(None);
        fields.load(&ExpressionPolicyForm::default());
        errors.set(FieldErrors::new());
    };
    on_saved(*save, errors, "Policy saved.", move |_| reset());
    on_done(*delete, "Policy deleted.");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(AdminSaveExpressionPolicy {
            id: editing.get_untracked(),
            form: fields.form(),
        });
    };
    let other_errors = move || {
        errors.with(|e| {
            e.iter()
                .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
                .map(|(_, m)| view! { <p class="field-error text-sm text-red-600">{m.clone()}</p> })
                .collect_view()
        })
    };
    view! {
        <AdminShell title="Policies">
            <PageHeader title="Policies"/>
            <p class="mb-4 max-w-3xl text-sm text-slate-500">
                "A policy decides yes or no for a person: bound to an application, a flow or a stage in a flow, it keeps out those it fails. An expression policy is a Python body, as authentik's: it passes when it returns a true value, and "<code>"ak_message(…)"</code>" tells the person why not."
            </p>
            <form id="policy-form" novalidate on:submit=submit class="mb-6 max-w-3xl space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="font-semibold">{move || if editing.get().is_some() { "Edit expression policy" } else { "New expression policy" }}</h2>
                <TextInput form="policy" name="name" label="Name" value=fields.name errors/>
                <CodeEditor form="policy" name="expression" label="Expression" value=fields.expression errors/>
                <Checkbox id="policy-execution_logging" label="Record every evaluation as an event" value=fields.execution_logging/>
                {other_errors}
                <div class="flex gap-2">
                    <button type="submit" id="policy-save" class=BUTTON_CLASS>"Save policy"</button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class=SECONDARY_CLASS on:click=move |_| reset()>"Cancel"</button>
                    </Show>
                </div>
            </form>
            <TestPanel testing/>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match policies.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="text-slate-500">"No policies yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul id="policies" class="max-w-3xl divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                {rows.into_iter().map(|p| view! { <PolicyItem p fields editing errors testing delete/> }).collect_view()}
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
fn PolicyItem(
    p: PolicyListRow,
    fields: Fields,
    editing: RwSignal<Option<String>>,
    errors: RwSignal<FieldErrors>,
    testing: Testing,
    delete: ServerAction<AdminDeletePolicy>,
) -> impl IntoView {
    let summary = format!(
        " · {} · {} binding{}",
        p.verbose_name,
        p.bound_to,
        if p.bound_to == 1 { "" } else { "s" }
    );
    let (id, id_test, id_delete) = (p.id.clone(), p.id.clone(), p.id.clone());
    let (name, key) = (p.name.clone(), p.name.clone());
    let edit = p.expression.map(|form| {
        view! {
            <button type="button" class=SECONDARY_CLASS on:click=move |_| {
                fields.load(&form);
                editing.set(Some(id.clone()));
                errors.set(FieldErrors::new());
            }>"Edit"</button>
        }
    });
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 px-3 py-2" data-policy=key>
            <span class="min-w-0"><span class="font-medium">{p.name}</span>{summary}</span>
            <span class="flex gap-2">
                {edit}
                <button type="button" class=SECONDARY_CLASS on:click=move |_| testing.set(Some((id_test.clone(), name.clone())))>"Test"</button>
                <ConfirmButton label="Delete" question="Delete this policy? Its bindings go with it."
                    on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeletePolicy { id: id_delete.clone() }); })/>
            </span>
        </li>
    }
}

/// Runs the policy under test for a username and an optional client address.
#[component]
fn TestPanel(testing: Testing) -> impl IntoView {
    let run = ServerAction::<AdminTestPolicy>::new();
    let username = RwSignal::new(String::new());
    let ip = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let answer = RwSignal::new(None::<PolicyTestAnswer>);
    on_saved(*run, errors, "Policy tested.", move |a| answer.set(Some(a)));
    // Another policy's answer is not this one's.
    Effect::new(move |_| {
        testing.track();
        answer.set(None);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some((id, _)) = testing.get_untracked() {
            run.dispatch(AdminTestPolicy {
                id,
                username: username.get_untracked(),
                ip: ip.get_untracked(),
            });
        }
    };
    view! {
        <Show when=move || testing.get().is_some()>
            <form id="policy-test" novalidate on:submit=submit class="mb-6 max-w-3xl space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="font-semibold">{move || format!("Test {}", testing.get().map(|t| t.1).unwrap_or_default())}</h2>
                <div class="grid gap-4 sm:grid-cols-2">
                    <TextInput form="policy-test" name="username" label="User (username)" value=username errors/>
                    <TextInput form="policy-test" name="ip" label="Client address (optional)" value=ip errors/>
                </div>
                <div class="flex gap-2">
                    <button type="submit" id="policy-test-run" class=BUTTON_CLASS>"Run test"</button>
                    <button type="button" class=SECONDARY_CLASS on:click=move |_| testing.set(None)>"Close"</button>
                </div>
                {move || answer.get().map(|a| view! { <TestAnswer a/> })}
            </form>
        </Show>
    }
}

#[component]
fn TestAnswer(a: PolicyTestAnswer) -> impl IntoView {
    let (verdict, class) = if a.passing {
        ("Passes", "font-semibold text-green-700 dark:text-green-400")
    } else {
        ("Fails", "font-semibold text-red-700 dark:text-red-400")
    };
    view! {
        <div id="policy-test-answer" class="space-y-1 text-sm" data-passing=a.passing.to_string()>
            <p class=class>{verdict}</p>
            {(!a.messages.is_empty()).then(|| view! {
                <ul class="list-disc pl-5">{a.messages.into_iter().map(|m| view! { <li class="policy-message">{m}</li> }).collect_view()}</ul>
            })}
            {(!a.log_messages.is_empty()).then(|| view! {
                <pre class="overflow-x-auto whitespace-pre-wrap rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-950">{a.log_messages.join("\n")}</pre>
            })}
        </div>
    }
}
