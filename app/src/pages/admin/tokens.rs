//! Admin → Tokens: API tokens, app passwords and recovery tokens; the key is shown once.
use crate::api::admin::tokens::{AdminCreateToken, AdminDeleteToken, admin_list_tokens};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::confirm::ConfirmButton;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, INPUT_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::directory::{TokenCreated, TokenForm};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

#[component]
pub fn AdminTokens() -> impl IntoView {
    let create = ServerAction::<AdminCreateToken>::new();
    let delete = ServerAction::<AdminDeleteToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| admin_list_tokens(),
    );
    let (identifier, username, expires, description) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let intent = RwSignal::new("api".to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let shown_key = RwSignal::new(None::<String>);
    on_saved(
        *create,
        errors,
        "Token created.",
        move |created: TokenCreated| shown_key.set(Some(created.key)),
    );
    on_done(*delete, "Token deleted.");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = TokenForm {
            identifier: identifier.get(),
            username: username.get(),
            intent: intent.get(),
            expires: expires.get(),
            description: description.get(),
        };
        create.dispatch(AdminCreateToken { form });
    };
    view! {
        <AdminShell title="Tokens">
            <PageHeader title="Tokens"/>
            <form novalidate on:submit=submit class="mb-6 grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
                <TextInput form="token" name="identifier" label="Identifier" value=identifier errors/>
                <TextInput form="token" name="username" label="User (username)" value=username errors/>
                <div class="space-y-1">
                    <label for="token-intent" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Intent"</label>
                    <select id="token-intent" class=INPUT_CLASS on:change=move |ev| intent.set(event_target_value(&ev))>
                        <option value="api" selected=true>"API"</option>
                        <option value="app_password">"App password"</option>
                        <option value="recovery">"Recovery"</option>
                    </select>
                </div>
                <TextInput form="token" name="expires" label="Expires (YYYY-MM-DD, empty = never)" value=expires errors/>
                <div class="sm:col-span-2"><TextInput form="token" name="description" label="Description" value=description errors/></div>
                <div class="sm:col-span-2"><button type="submit" id="token-create" class=BUTTON_CLASS>"Create token"</button></div>
            </form>
            {move || shown_key.get().map(|key| view! {
                <div role="status" class="mb-6 max-w-3xl space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm dark:border-amber-700 dark:bg-amber-950">
                    <p class="font-semibold">"Copy this key now: it will not be shown again."</p>
                    <input id="token-key" readonly class=format!("{INPUT_CLASS} font-mono") prop:value=key/>
                </div>
            })}
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="text-slate-500">"No tokens yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                {rows.into_iter().map(|t| {
                                    let id = t.id.clone();
                                    view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
                                            <span><span class="font-medium">{t.identifier}</span>{format!(" · {} · {} · {}", t.username, t.intent, if t.expires_at.is_empty() { "never expires".to_string() } else { format!("expires {}", &t.expires_at[..10.min(t.expires_at.len())]) })}</span>
                                            <ConfirmButton label="Delete" question="Delete this token?"
                                                on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeleteToken { id: id.clone() }); })/>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </AdminShell>
    }
}
