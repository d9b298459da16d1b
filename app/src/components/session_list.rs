//! A list of sessions with a revoke button each, for the portal and the admin user page.
use crate::components::inputs::SECONDARY_CLASS;
use crate::components::toast::error_text;
use crate::types::activity::SessionRow;
use leptos::prelude::*;

/// `revoke` gets the session id. The browser's own session has no button: signing out is
/// what the logout link is for.
#[component]
pub fn SessionList(
    sessions: Resource<Result<Vec<SessionRow>, ServerFnError>>,
    revoke: Callback<String>,
    #[prop(into)] button: String,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || {
                let button = button.clone();
                Suspend::new(async move {
                    match sessions.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="text-sm text-slate-500">"No active sessions."</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul class="divide-y divide-slate-100 text-sm dark:divide-slate-800">
                                {rows.into_iter().map(|s| {
                                    let id = s.id.clone();
                                    let button = button.clone();
                                    view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 py-2">
                                            <span class="min-w-0 break-words">
                                                {format!("{} · {} · last seen {}", s.client_ip, s.user_agent.chars().take(40).collect::<String>(), s.last_seen.replace('T', " ").chars().take(16).collect::<String>())}
                                                {s.current.then_some(" (this browser)")}
                                            </span>
                                            {(!s.current).then(|| view! {
                                                <button type="button" class=SECONDARY_CLASS on:click=move |_| revoke.run(id.clone())>{button}</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
