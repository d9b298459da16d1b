//! `/if/admin/`: counts, the logins chart, recent events and system facts.
use crate::api::admin::dashboard::admin_dashboard;
use crate::api::admin::events::admin_list_events;
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::chart::LoginChart;
use crate::components::toast::error_text;
use crate::types::activity::EventQuery;
use crate::types::directory::Saved;
use crate::types::system::WorkerStatus;
use leptos::prelude::*;

const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn AdminDashboard() -> impl IntoView {
    let stats = Resource::new(|| (), |_| admin_dashboard());
    let recent = Resource::new(|| (), |_| admin_list_events(EventQuery::default()));
    view! {
        <AdminShell title="Dashboard">
            <PageHeader title="Dashboard"/>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match stats.await {
                        Ok(s) => view! {
                            <div class="grid gap-4 sm:grid-cols-3">
                                {[("Users", s.users), ("Groups", s.groups), ("Active sessions", s.sessions)].into_iter().map(|(label, n)| view! {
                                    <div class=CARD>
                                        <p class="text-sm text-slate-500">{label}</p>
                                        <p class="stat text-3xl font-semibold">{n}</p>
                                    </div>
                                }).collect_view()}
                            </div>
                            <section class=format!("mt-4 {CARD}")>
                                <h2 class="mb-2 font-semibold">"Logins in the last 24 hours"</h2>
                                <LoginChart hours=s.hours/>
                            </section>
                            <section class=format!("mt-4 {CARD} text-sm")>
                                <h2 class="mb-2 font-semibold">"System"</h2>
                                <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
                                    <dt class="text-slate-500">"Version"</dt><dd>{format!("Ward {}", s.version)}</dd>
                                    <dt class="text-slate-500">"Database"</dt><dd>{s.database}</dd>
                                    <dt class="text-slate-500">"Uptime"</dt><dd id="uptime">{uptime(s.uptime_secs)}</dd>
                                    <dt class="text-slate-500">"Workers"</dt>
                                    <dd id="worker-status" class=if s.worker.workers == 0 { "text-red-600" } else { "" }>
                                        {worker_text(&s.worker)}
                                    </dd>
                                </dl>
                            </section>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <section class=format!("mt-4 {CARD}")>
                <h2 class="mb-2 font-semibold">"Recent events"</h2>
                <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match recent.await {
                            Ok(Saved::Ok(page)) => view! {
                                <ul class="text-sm">
                                    {page.rows.into_iter().take(10).map(|e| view! {
                                        <li class="py-1"><span class="font-medium">{e.action}</span>{format!(" · {} · {}", e.username, e.created_at.replace('T', " ").chars().take(16).collect::<String>())}</li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Ok(Saved::Invalid(_)) => ().into_any(),
                            Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </AdminShell>
    }
}

fn uptime(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

fn worker_text(w: &WorkerStatus) -> String {
    let connected = match w.workers {
        0 => "No worker connected".to_string(),
        1 => "1 worker connected".to_string(),
        n => format!("{n} workers connected"),
    };
    format!(
        "{connected} · {} queued · {} failed in 24 h",
        w.queued, w.failed_24h
    )
}
