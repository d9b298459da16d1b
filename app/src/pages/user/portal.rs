//! `/if/user/`: the user portal. Anonymous visitors are sent to the login flow by the server.
use crate::api::me::current_user;
use crate::components::layout::TopBar;
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
                                <section class="mt-6 rounded-xl border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
                                    <h2 class="font-medium">"My applications"</h2>
                                    <p class="mt-1 text-sm text-slate-500">"No applications are available to you yet."</p>
                                </section>
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
