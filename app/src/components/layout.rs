//! Page chrome shared by the portal and the admin interface.
use crate::types::user::{Avatar, Me};
use leptos::prelude::*;

/// The top bar: brand, who is signed in, and the way out.
#[component]
pub fn TopBar(me: Me, #[prop(optional)] admin: bool) -> impl IntoView {
    let initials: String = me
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase();
    let initials = if initials.is_empty() {
        me.username
            .chars()
            .take(1)
            .collect::<String>()
            .to_uppercase()
    } else {
        initials
    };
    let display = if me.name.is_empty() {
        me.username.clone()
    } else {
        me.name.clone()
    };
    view! {
        <header class="flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-4 py-3 dark:border-slate-800 dark:bg-slate-900">
            <a href="/if/user/" class="text-lg font-bold text-indigo-600 dark:text-indigo-400">"Ward"</a>
            <div class="flex items-center gap-3 text-sm">
                {(me.is_superuser && !admin).then(|| view! {
                    <a id="admin-link" href="/if/admin/" rel="external" class="rounded-md px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">"Admin interface"</a>
                })}
                {(!admin).then(|| view! {
                    <a id="settings-link" href="/if/user/settings/" class="rounded-md px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">"Settings"</a>
                })}
                {admin.then(|| view! {
                    <a href="/if/user/" rel="external" class="rounded-md px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">"User interface"</a>
                })}
                {match me.avatar.clone() {
                    Avatar::Initials => Some(view! {
                        <span id="avatar" aria-hidden="true" class="flex h-8 w-8 items-center justify-center rounded-full bg-indigo-100 font-semibold text-indigo-700 dark:bg-indigo-900 dark:text-indigo-200">{initials}</span>
                    }.into_any()),
                    Avatar::Image(url) => Some(view! {
                        <img id="avatar" src=url alt="" referrerpolicy="no-referrer" class="h-8 w-8 rounded-full"/>
                    }.into_any()),
                    Avatar::None => None,
                }}
                <span id="display-name" class="hidden font-medium sm:inline">{display}</span>
                <a id="logout" href=me.logout_url.clone() rel="external" class="rounded-md px-3 py-1.5 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">"Log out"</a>
            </div>
        </header>
    }
}
