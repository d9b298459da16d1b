//! Admin → Events: filter, page through (newest first), export the filter as CSV or JSON.
use crate::api::admin::events::admin_list_events;
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::inputs::{BUTTON_CLASS, SECONDARY_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::activity::{EventQuery, EventRow};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

fn export_href(q: &EventQuery, format: &str) -> String {
    let pairs = [
        ("action", &q.action),
        ("username", &q.username),
        ("client_ip", &q.client_ip),
        ("since", &q.since),
        ("until", &q.until),
        ("search", &q.search),
    ];
    let mut href = format!("/if/admin/events/export?format={format}");
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        href.push_str(&format!("&{k}={}", encode(v)));
    }
    href
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn AdminEvents() -> impl IntoView {
    let fields: [(&str, &str, RwSignal<String>); 6] = [
        ("action", "Action", RwSignal::new(String::new())),
        ("username", "User", RwSignal::new(String::new())),
        (
            "client_ip",
            "Client IP or CIDR",
            RwSignal::new(String::new()),
        ),
        ("since", "From (YYYY-MM-DD)", RwSignal::new(String::new())),
        ("until", "To (YYYY-MM-DD)", RwSignal::new(String::new())),
        ("search", "Search in context", RwSignal::new(String::new())),
    ];
    let errors = RwSignal::new(FieldErrors::new());
    let applied = RwSignal::new(EventQuery::default());
    let rows = RwSignal::new(Vec::<EventRow>::new());
    let next = RwSignal::new(String::new());
    let loading = RwSignal::new(false);
    let load = move |query: EventQuery, append: bool| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            match admin_list_events(query).await {
                Ok(Saved::Ok(page)) => {
                    errors.set(FieldErrors::new());
                    next.set(page.next);
                    if append {
                        rows.update(|r| r.extend(page.rows))
                    } else {
                        rows.set(page.rows)
                    }
                }
                Ok(Saved::Invalid(e)) => errors.set(e),
                Err(e) => errors.set(FieldErrors::from([(String::new(), error_text(&e))])),
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| load(EventQuery::default(), false));
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = EventQuery {
            action: fields[0].2.get(),
            username: fields[1].2.get(),
            client_ip: fields[2].2.get(),
            since: fields[3].2.get(),
            until: fields[4].2.get(),
            search: fields[5].2.get(),
            after: String::new(),
        };
        applied.set(q.clone());
        load(q, false);
    };
    view! {
        <AdminShell title="Events">
            <PageHeader title="Events">
                <a id="export-csv" class=SECONDARY_CLASS rel="external" href=move || export_href(&applied.get(), "csv")>"Export CSV"</a>
                <a id="export-json" class=SECONDARY_CLASS rel="external" href=move || export_href(&applied.get(), "json")>"Export JSON"</a>
            </PageHeader>
            <form on:submit=apply class="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3 dark:border-slate-800 dark:bg-slate-900">
                {fields.into_iter().map(|(name, label, value)| view! { <TextInput form="events" name=name label=label value errors/> }).collect_view()}
                <div class="sm:col-span-3"><button type="submit" id="events-filter" class=BUTTON_CLASS>"Filter"</button></div>
            </form>
            {move || errors.with(|e| e.get("").cloned()).map(|m| view! { <p role="alert" class="text-red-600">{m}</p> })}
            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                <table class="min-w-full text-sm">
                    <thead class="border-b border-slate-200 text-left dark:border-slate-800">
                        <tr><th class="px-3 py-2">"When"</th><th class="px-3 py-2">"Action"</th><th class="px-3 py-2">"User"</th><th class="px-3 py-2">"Client IP"</th><th class="px-3 py-2">"Context"</th></tr>
                    </thead>
                    <tbody id="events-rows">
                        <For each=move || rows.get() key=|e| e.id.clone() let:e>
                            <tr class="border-b border-slate-100 align-top last:border-0 dark:border-slate-800">
                                <td class="whitespace-nowrap px-3 py-2 text-slate-500">{e.created_at.replace('T', " ").chars().take(19).collect::<String>()}</td>
                                <td class="px-3 py-2 font-medium">{e.action}</td>
                                <td class="px-3 py-2">{e.username}</td>
                                <td class="px-3 py-2">{e.client_ip}</td>
                                <td class="max-w-md truncate px-3 py-2 font-mono text-xs text-slate-500" title=e.context.clone()>{e.context.clone()}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
                <Show when=move || rows.with(|r| r.is_empty()) && !loading.get()>
                    <p class="p-6 text-center text-slate-500">"No events match."</p>
                </Show>
            </div>
            <Show when=move || !next.get().is_empty()>
                <button type="button" class=format!("mt-3 {SECONDARY_CLASS}") disabled=move || loading.get()
                    on:click=move |_| { let mut q = applied.get(); q.after = next.get(); load(q, true); }>"Load older events"</button>
            </Show>
        </AdminShell>
    }
}
