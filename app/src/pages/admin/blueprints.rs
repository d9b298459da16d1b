//! Admin → System → Blueprints: each blueprint file Ward applies, its last result, and
//! "apply now".
use crate::api::admin::blueprints::{AdminApplyBlueprint, admin_blueprints};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::inputs::SECONDARY_CLASS;
use crate::components::toast::{error_text, use_toasts};
use crate::types::system::BlueprintApplied;
use leptos::prelude::*;

#[component]
pub fn AdminBlueprints() -> impl IntoView {
    let apply = ServerAction::<AdminApplyBlueprint>::new();
    let rows = Resource::new(move || apply.version().get(), |_| admin_blueprints());
    report(*apply);
    view! {
        <AdminShell title="Blueprints">
            <PageHeader title="Blueprints"/>
            <p class="mb-4 text-sm text-slate-500">"The *.yaml files in the blueprints directory of Ward's data directory (and /blueprints), applied at start and whenever they change."</p>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p class="text-slate-500">"No blueprint files found."</p>
                        }.into_any(),
                        Ok(rows) => view! {
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                                <table class="min-w-full text-sm">
                                    <thead class="border-b border-slate-200 text-left dark:border-slate-800">
                                        <tr><th class="px-3 py-2">"Name"</th><th class="px-3 py-2">"Path"</th><th class="px-3 py-2">"Status"</th><th class="px-3 py-2">"Last applied"</th><th class="px-3 py-2"></th></tr>
                                    </thead>
                                    <tbody>
                                        {rows.into_iter().map(|b| {
                                            let id = b.id.clone();
                                            let key = b.name.clone();
                                            let ok = b.status == "successful";
                                            view! {
                                                <tr class="border-b border-slate-100 align-top last:border-0 dark:border-slate-800" data-blueprint=key>
                                                    <td class="px-3 py-2 font-medium">{b.name}</td>
                                                    <td class="break-all px-3 py-2 font-mono text-xs text-slate-500">{b.path}</td>
                                                    <td class="px-3 py-2">
                                                        <span class=if ok { OK_BADGE } else { ERROR_BADGE }>{b.status}</span>
                                                        {(!b.error.is_empty()).then(|| view! { <p class="blueprint-error mt-1 max-w-md break-words text-xs text-red-600">{b.error}</p> })}
                                                    </td>
                                                    <td class="blueprint-applied whitespace-nowrap px-3 py-2 text-slate-500">{short_time(&b.last_applied)}</td>
                                                    <td class="px-3 py-2 text-right">
                                                        <button type="button" class=SECONDARY_CLASS disabled=move || apply.pending().get()
                                                            on:click=move |_| { apply.dispatch(AdminApplyBlueprint { id: id.clone() }); }>"Apply now"</button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
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

const OK_BADGE: &str = "blueprint-status inline-block whitespace-nowrap rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300";
const ERROR_BADGE: &str = "blueprint-status inline-block whitespace-nowrap rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-800 dark:bg-red-950 dark:text-red-300";

/// A toast with the counts, or with why the blueprint did not apply. Like `on_done`, answers
/// from before the page was mounted are ignored.
fn report(action: Action<AdminApplyBlueprint, Result<BlueprintApplied, ServerFnError>>) {
    let toasts = use_toasts();
    let seen = action.version().get_untracked();
    Effect::new(move |_| {
        if action.version().get() == seen {
            return;
        }
        match action.value().get() {
            Some(Ok(a)) if a.row.status == "successful" => toasts.ok(format!(
                "Applied {}: {} created, {} updated, {} deleted.",
                a.row.name, a.created, a.updated, a.deleted
            )),
            Some(Ok(a)) => toasts.error(format!("{} not applied: {}", a.row.name, a.row.error)),
            Some(Err(e)) => toasts.error(error_text(&e)),
            None => {}
        }
    });
}

/// "2026-11-23 10:15" from RFC 3339.
fn short_time(rfc3339: &str) -> String {
    rfc3339.replace('T', " ").chars().take(16).collect()
}
