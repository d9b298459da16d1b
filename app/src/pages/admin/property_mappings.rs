//! Admin → Customization → Property mappings: every mapping with its type and scope; custom
//! scope mappings created, edited and deleted through a form (name, scope, consent text,
//! attribute claims, an expression returning more claims). Built-in (managed) mappings are shown read-only: Ward computes their
//! claims itself.
use crate::api::admin::property_mappings::{
    AdminDeletePropertyMapping, AdminSaveScopeMapping, admin_list_property_mappings,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::code_editor::CodeEditor;
use crate::components::confirm::ConfirmButton;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, SECONDARY_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::flow::FieldErrors;
use crate::types::property_mappings::{PropertyMappingRow, ScopeMappingForm};
use leptos::prelude::*;

/// The form's fields; errors on other keys are shown under the form.
const FIELDS: [&str; 5] = [
    "name",
    "scope_name",
    "description",
    "attribute_claims",
    "expression",
];

#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    scope_name: RwSignal<String>,
    description: RwSignal<String>,
    /// One attribute key a line.
    attribute_claims: RwSignal<String>,
    expression: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        let s = || RwSignal::new(String::new());
        Self {
            name: s(),
            scope_name: s(),
            description: s(),
            attribute_claims: s(),
            expression: s(),
        }
    }

    fn load(&self, f: &ScopeMappingForm) {
        self.name.set(f.name.clone());
        self.scope_name.set(f.scope_name.clone());
        self.description.set(f.description.clone());
        self.attribute_claims.set(f.attribute_claims.clone());
        self.expression.set(f.expression.clone());
    }

    fn form(&self) -> ScopeMappingForm {
        ScopeMappingForm {
            name: self.name.get_untracked(),
            scope_name: self.scope_name.get_untracked(),
            description: self.description.get_untracked(),
            attribute_claims: self.attribute_claims.get_untracked(),
            expression: self.expression.get_untracked(),
        }
    }
}

#[component]
pub fn AdminPropertyMappings() -> impl IntoView {
    let save = ServerAction::<AdminSaveScopeMapping>::new();
    let delete = ServerAction::<AdminDeletePropertyMapping>::new();
    let mappings = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| admin_list_property_mappings(),
    );
    let fields = Fields::new();
    let editing = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::new());
    let reset = move || {
        editing.set(None);
        fields.load(&ScopeMappingForm::default());
        errors.set(FieldErrors::new());
    };
    on_saved(*save, errors, "Property mapping saved.", move |_| reset());
    on_done(*delete, "Property mapping deleted.");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(AdminSaveScopeMapping {
            id: editing.get_untracked(),
            form: fields.form(),
        });
    };
    let other_errors = move || {
        errors.with(|e| {
            e.iter()
                .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
                .map(|(_, m)| view! { <p class="field-error text-sm text-red-600 sm:col-span-2">{m.clone()}</p> })
                .collect_view()
        })
    };
    view! {
        <AdminShell title="Property mappings">
            <PageHeader title="Property mappings"/>
            <p class="mb-4 max-w-3xl text-sm text-slate-500">
                "A scope mapping answers an OAuth2 scope: when a client is granted the scope, each attribute listed becomes a claim of the same name (the user's attribute over their groups'), and the dict its expression returns adds claims. Each provider chooses the mappings it offers (Admin → Providers); one without any offers the built-in scopes."
            </p>
            <form id="mapping-form" novalidate on:submit=submit class="mb-6 grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="font-semibold sm:col-span-2">{move || if editing.get().is_some() { "Edit scope mapping" } else { "New scope mapping" }}</h2>
                <TextInput form="mapping" name="name" label="Name" value=fields.name errors/>
                <TextInput form="mapping" name="scope_name" label="Scope name" value=fields.scope_name errors/>
                <div class="sm:col-span-2">
                    <TextInput form="mapping" name="description" label="Description (shown on the consent page; empty: not shown)" value=fields.description errors/>
                </div>
                <div class="sm:col-span-2">
                    <TextInput form="mapping" name="attribute_claims" label="Attribute claims (one attribute key a line)" value=fields.attribute_claims errors multiline=true/>
                </div>
                <div class="sm:col-span-2">
                    <CodeEditor form="mapping" name="expression" label="Expression (returns a dict of more claims; empty: none)" value=fields.expression errors/>
                </div>
                {other_errors}
                <div class="flex gap-2 sm:col-span-2">
                    <button type="submit" id="mapping-save" class=BUTTON_CLASS>"Save scope mapping"</button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class=SECONDARY_CLASS on:click=move |_| reset()>"Cancel"</button>
                    </Show>
                </div>
            </form>
            <p class="mb-2 max-w-3xl text-sm text-slate-500">
                "Built-in mappings are kept by Ward, which computes their claims itself: they cannot be changed or deleted here."
            </p>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match mappings.await {
                        Ok(rows) => view! {
                            <ul id="property-mappings" class="max-w-3xl divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                {rows.into_iter().map(|m| view! { <MappingItem m fields editing errors delete/> }).collect_view()}
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
fn MappingItem(
    m: PropertyMappingRow,
    fields: Fields,
    editing: RwSignal<Option<String>>,
    errors: RwSignal<FieldErrors>,
    delete: ServerAction<AdminDeletePropertyMapping>,
) -> impl IntoView {
    let claims = m.form.attribute_claims.replace('\n', ", ");
    let summary = format!(" · {} · scope {}", m.verbose_name, m.form.scope_name);
    let actions = if m.managed {
        let description = m.form.description.clone();
        view! {
            <span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs dark:bg-slate-800">"built in"</span>
            <details class="w-full">
                <summary class="cursor-pointer text-slate-500">"Details"</summary>
                <p>{format!("Description: {description}")}</p>
                <pre class="overflow-x-auto whitespace-pre-wrap font-mono text-xs">{m.expression}</pre>
            </details>
        }
        .into_any()
    } else {
        let (id, id2) = (m.id.clone(), m.id);
        let form = m.form.clone();
        view! {
            <span class="flex gap-2">
                <button type="button" class=SECONDARY_CLASS on:click=move |_| {
                    fields.load(&form);
                    editing.set(Some(id.clone()));
                    errors.set(FieldErrors::new());
                }>"Edit"</button>
                <ConfirmButton label="Delete" question="Delete this mapping? Providers that list it stop offering its scope."
                    on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeletePropertyMapping { id: id2.clone() }); })/>
            </span>
        }
        .into_any()
    };
    let (name, key) = (m.name.clone(), m.name);
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 px-3 py-2" data-mapping=key>
            <span class="min-w-0">
                <span class="font-medium">{name}</span>{summary}
                {(!claims.is_empty()).then(|| format!(" · claims: {claims}"))}
            </span>
            {actions}
        </li>
    }
}
