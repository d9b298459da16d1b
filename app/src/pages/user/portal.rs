//! `/if/user/`: the user portal, "My applications". Anonymous visitors are sent to the login
//! flow by the server.
use crate::api::me::current_user;
use crate::api::portal::my_applications;
use crate::components::layout::TopBar;
use crate::components::toast::error_text;
use crate::types::library::LibraryApp;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UserPortal() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <Title text="My applications – Ward"/>
        <Suspense fallback=|| view! { <p class="p-8 text-center text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        let greeting = if me.name.is_empty() { me.username.clone() } else { me.name.clone() };
                        view! {
                            <TopBar me/>
                            <main class="mx-auto max-w-5xl p-6">
                                <h1 class="text-2xl font-semibold">{format!("Welcome, {greeting}")}</h1>
                                <Library/>
                            </main>
                        }.into_any()
                    }
                    _ => view! {
                        <main class="p-8 text-center">
                            <a class="text-indigo-600 underline" href="/if/flow/default-authentication-flow/?next=/if/user/" rel="external">"Please sign in"</a>
                        </main>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The applications the user may open, grouped, with a search box.
#[component]
fn Library() -> impl IntoView {
    let apps = Resource::new(|| (), |_| my_applications());
    let search = RwSignal::new(String::new());
    view! {
        <section id="library" class="mt-6 space-y-4">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h2 class="text-lg font-medium">"My applications"</h2>
                <input id="library-search" type="search" placeholder="Search applications" aria-label="Search applications"
                    class="w-64 rounded-md border border-slate-300 px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
                    prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
            </div>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match apps.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p class="rounded-xl border border-dashed border-slate-300 p-10 text-center text-sm text-slate-500 dark:border-slate-700">
                                "No applications are available to you yet."
                            </p>
                        }.into_any(),
                        Ok(rows) => view! { <Groups rows search/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Groups(rows: Vec<LibraryApp>, search: RwSignal<String>) -> impl IntoView {
    move || {
        let needle = search.get().trim().to_lowercase();
        let shown: Vec<LibraryApp> = rows
            .iter()
            .filter(|a| a.matches(&needle))
            .cloned()
            .collect();
        if shown.is_empty() {
            return view! { <p class="text-sm text-slate-500">"No application matches."</p> }
                .into_any();
        }
        let mut groups: Vec<(String, Vec<LibraryApp>)> = Vec::new();
        for app in shown {
            match groups.last_mut() {
                Some((g, list)) if *g == app.group => list.push(app),
                _ => groups.push((app.group.clone(), vec![app])),
            }
        }
        groups
            .into_iter()
            .map(|(group, apps)| view! {
                <div class="space-y-2">
                    {(!group.is_empty()).then(|| view! { <h3 class="text-sm font-semibold text-slate-500">{group}</h3> })}
                    <ul class="grid gap-3 sm:grid-cols-2 md:grid-cols-3">
                        {apps.into_iter().map(|a| view! { <AppCard app=a/> }).collect_view()}
                    </ul>
                </div>
            })
            .collect_view()
            .into_any()
    }
}

#[component]
fn AppCard(app: LibraryApp) -> impl IntoView {
    let initial = app
        .name
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    let target = app.open_in_new_tab.then_some("_blank");
    view! {
        <li>
            <a href=app.launch_url target=target rel="external noopener" data-app=app.slug
                class="flex h-full gap-3 rounded-lg border border-slate-200 bg-white p-4 hover:border-indigo-400 dark:border-slate-800 dark:bg-slate-900">
                <span aria-hidden="true" class="flex h-10 w-10 shrink-0 items-center justify-center rounded-md bg-indigo-100 font-semibold text-indigo-700 dark:bg-indigo-900 dark:text-indigo-200">{initial}</span>
                <span class="min-w-0">
                    <span class="block font-medium">{app.name}</span>
                    {(!app.publisher.is_empty()).then(|| view! { <span class="block text-xs text-slate-500">{app.publisher}</span> })}
                    {(!app.description.is_empty()).then(|| view! { <span class="mt-1 block text-sm text-slate-600 dark:text-slate-400">{app.description}</span> })}
                </span>
            </a>
        </li>
    }
}
