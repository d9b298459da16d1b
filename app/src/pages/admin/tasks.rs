//! Admin → System → Tasks: each background task with its last run, and "run now".
use crate::api::admin::system::{AdminRunTask, admin_tasks};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::form::on_done;
use crate::components::inputs::SECONDARY_CLASS;
use crate::components::toast::error_text;
use leptos::prelude::*;

#[component]
pub fn AdminTasks() -> impl IntoView {
    let run = ServerAction::<AdminRunTask>::new();
    let tasks = Resource::new(move || run.version().get(), |_| admin_tasks());
    on_done(*run, "Queued; the worker picks it up within seconds.");
    view! {
        <AdminShell title="Tasks">
            <PageHeader title="Background tasks"/>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Ok(rows) => view! {
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                                <table class="min-w-full text-sm">
                                    <thead class="border-b border-slate-200 text-left dark:border-slate-800">
                                        <tr><th class="px-3 py-2">"Task"</th><th class="px-3 py-2">"Schedule"</th><th class="px-3 py-2">"Last run"</th><th class="px-3 py-2">"Duration"</th><th class="px-3 py-2">"Status"</th><th class="px-3 py-2"></th></tr>
                                    </thead>
                                    <tbody>
                                        {rows.into_iter().map(|t| {
                                            let kind = t.kind.clone();
                                            let failed = matches!(t.status.as_str(), "failed" | "retrying");
                                            view! {
                                                <tr class="border-b border-slate-100 align-top last:border-0 dark:border-slate-800" data-task=t.kind.clone()>
                                                    <td class="px-3 py-2"><p class="font-medium">{t.kind.clone()}</p><p class="text-slate-500">{t.title}</p></td>
                                                    <td class="whitespace-nowrap px-3 py-2">{t.schedule}</td>
                                                    <td class="whitespace-nowrap px-3 py-2 text-slate-500">{short_time(&t.last_run)}</td>
                                                    <td class="whitespace-nowrap px-3 py-2">{t.duration_ms.map(|d| format!("{d} ms")).unwrap_or_default()}</td>
                                                    <td class="px-3 py-2">
                                                        <span class=if failed { "task-status font-medium text-red-600" } else { "task-status" }>{t.status}</span>
                                                        {(!t.error.is_empty()).then(|| view! { <p class="max-w-xs break-words text-xs text-red-600">{t.error}</p> })}
                                                    </td>
                                                    <td class="px-3 py-2 text-right">
                                                        {t.runnable.then(|| view! {
                                                            <button type="button" class=SECONDARY_CLASS on:click=move |_| { run.dispatch(AdminRunTask { kind: kind.clone() }); }>"Run now"</button>
                                                        })}
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

/// "2026-11-23 10:15" from RFC 3339, or "never".
fn short_time(rfc3339: &str) -> String {
    if rfc3339.is_empty() {
        return "never".into();
    }
    rfc3339.replace('T', " ").chars().take(16).collect()
}
