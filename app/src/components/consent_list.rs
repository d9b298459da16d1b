//! The consents a user gave applications, with a button to revoke each (the portal for the
//! user's own, the admin's user page for anyone's).
use crate::components::inputs::SECONDARY_CLASS;
use crate::components::toast::error_text;
use crate::types::library::ConsentRow;
use leptos::prelude::*;

#[component]
pub fn ConsentList(
    consents: Resource<Result<Vec<ConsentRow>, ServerFnError>>,
    revoke: Callback<String>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match consents.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="text-sm text-slate-500">"No application has consent."</p> }.into_any(),
                    Ok(rows) => view! {
                        <ul class="divide-y divide-slate-100 text-sm dark:divide-slate-800">
                            {rows.into_iter().map(|c| {
                                let id = c.id.clone();
                                let name = c.application.clone();
                                let what = if c.permissions.is_empty() { "sign-in only".to_string() } else { c.permissions.join(", ") };
                                let until = if c.expires.is_empty() {
                                    "until revoked".to_string()
                                } else {
                                    format!("until {}", c.expires.replace('T', " ").chars().take(16).collect::<String>())
                                };
                                view! {
                                    <li class="flex flex-wrap items-center justify-between gap-2 py-2" data-consent=name>
                                        <span class="min-w-0">
                                            <span class="font-medium">{c.application}</span>
                                            {format!(" · {what} · {until}")}
                                        </span>
                                        <button type="button" class=SECONDARY_CLASS on:click=move |_| revoke.run(id.clone())>"Revoke"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
