//! Admin → Sessions: who is signed in where; revoke any session.
use crate::api::admin::sessions::{AdminRevokeSession, admin_list_sessions};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::form::on_done;
use crate::components::inputs::SECONDARY_CLASS;
use crate::components::toast::error_text;
use leptos::prelude::*;

#[component]
pub fn AdminSessions() -> impl IntoView {
    let revoke = ServerAction::<AdminRevokeSession>::new();
    let sessions = Resource::new(
        move || revoke.version().get(),
        |_| admin_list_sessions(None),
    );
    on_done(*revoke, "Session revoked.");
    view! {
        <AdminShell title="Sessions">
            <PageHeader title="Sessions"/>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(rows) => view! {
                            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                                <table class="min-w-full text-sm">
                                    <thead class="border-b border-slate-200 text-left dark:border-slate-800">
                                        <tr><th class="px-3 py-2">"User"</th><th class="px-3 py-2">"Client IP"</th><th class="px-3 py-2">"Browser"</th><th class="px-3 py-2">"Last seen"</th><th class="px-3 py-2"></th></tr>
                                    </thead>
                                    <tbody>
                                        {rows.into_iter().map(|s| {
                                            let id = s.id.clone();
                                            let who = s.username.clone();
                                            view! {
                                                <tr class="border-b border-slate-100 last:border-0 dark:border-slate-800" data-user=who>
                                                    <td class="px-3 py-2 font-medium">{s.username}{s.current.then_some(" (this browser)")}</td>
                                                    <td class="px-3 py-2">{s.client_ip}</td>
                                                    <td class="max-w-xs truncate px-3 py-2" title=s.user_agent.clone()>{s.user_agent.clone()}</td>
                                                    <td class="whitespace-nowrap px-3 py-2 text-slate-500">{s.last_seen.replace('T', " ").chars().take(16).collect::<String>()}</td>
                                                    <td class="px-3 py-2 text-right">
                                                        <button type="button" class=SECONDARY_CLASS on:click=move |_| { revoke.dispatch(AdminRevokeSession { id: id.clone() }); }>"Revoke"</button>
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
