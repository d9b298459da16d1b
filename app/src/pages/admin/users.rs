//! Admin → Users: search, sort, pages, and creating users.
use crate::api::admin::users::{AdminCreateUser, admin_list_users};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::form::on_saved;
use crate::components::inputs::{BUTTON_CLASS, Checkbox, SECONDARY_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::directory::{UserForm, UserQuery, UserSort};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn AdminUsers() -> impl IntoView {
    let query = RwSignal::new(UserQuery::default());
    let page = Resource::new(move || query.get(), admin_list_users);
    let creating = RwSignal::new(false);
    let sort_header = move |label: &'static str, sort: UserSort| {
        let arrow = move || {
            let q = query.get();
            if q.sort != sort {
                ""
            } else if q.descending {
                " ↓"
            } else {
                " ↑"
            }
        };
        view! {
            <th scope="col" class="px-3 py-2 text-left">
                <button type="button" class="font-semibold hover:underline" on:click=move |_| query.update(|q| {
                    q.descending = q.sort == sort && !q.descending;
                    q.sort = sort;
                    q.page = 0;
                })>{label}{arrow}</button>
            </th>
        }
    };
    view! {
        <AdminShell title="Users">
            <PageHeader title="Users">
                <button type="button" id="create-user" class=BUTTON_CLASS on:click=move |_| creating.update(|c| *c = !*c)>"Create user"</button>
            </PageHeader>
            <Show when=move || creating.get()>
                <CreateUser/>
            </Show>
            <input type="search" id="user-search" placeholder="Search username, name or email" aria-label="Search users"
                class="mb-3 w-full max-w-md rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
                on:input=move |ev| { let v = event_target_value(&ev); query.update(|q| { q.search = v; q.page = 0; }) }/>
            <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                <table class="min-w-full text-sm">
                    <thead class="border-b border-slate-200 dark:border-slate-800">
                        <tr>
                            {sort_header("Username", UserSort::Username)}
                            {sort_header("Name", UserSort::Name)}
                            {sort_header("Email", UserSort::Email)}
                            <th scope="col" class="px-3 py-2 text-left font-semibold">"Status"</th>
                            {sort_header("Last login", UserSort::LastLogin)}
                        </tr>
                    </thead>
                    <Transition fallback=|| view! { <tbody><tr><td colspan="5" class="p-4 text-slate-500">"Loading…"</td></tr></tbody> }>
                        {move || Suspend::new(async move {
                            match page.await {
                                Ok(p) if p.rows.is_empty() => view! {
                                    <tbody><tr><td colspan="5" class="p-6 text-center text-slate-500">"No users match."</td></tr></tbody>
                                }.into_any(),
                                Ok(p) => view! {
                                    <tbody>
                                        {p.rows.into_iter().map(|u| view! {
                                            <tr class="border-b border-slate-100 last:border-0 dark:border-slate-800">
                                                <td class="px-3 py-2"><A href=format!("/if/admin/users/{}/", u.id) attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">{u.username}</A></td>
                                                <td class="px-3 py-2">{u.name}</td>
                                                <td class="px-3 py-2">{u.email}</td>
                                                <td class="px-3 py-2">{if !u.is_active { "Inactive" } else if u.is_service_account { "Service account" } else { "Active" }}</td>
                                                <td class="px-3 py-2 text-slate-500">{if u.last_login.is_empty() { "Never".to_string() } else { u.last_login.replace('T', " ").chars().take(16).collect() }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                    <caption class="caption-bottom p-2 text-left text-xs text-slate-500">{range_text(p.page, p.page_size, p.total, p.total_is_capped)}</caption>
                                }.into_any(),
                                Err(e) => view! { <tbody><tr><td colspan="5" role="alert" class="p-4 text-red-600">{error_text(&e)}</td></tr></tbody> }.into_any(),
                            }
                        })}
                    </Transition>
                </table>
            </div>
            <div class="mt-3 flex gap-2">
                <button type="button" class=SECONDARY_CLASS disabled=move || query.get().page == 0
                    on:click=move |_| query.update(|q| q.page = q.page.saturating_sub(1))>"Previous"</button>
                <button type="button" class=SECONDARY_CLASS
                    disabled=move || page.get().and_then(|r| r.ok()).is_none_or(|p| i64::from(p.page + 1) * i64::from(p.page_size) >= p.total)
                    on:click=move |_| query.update(|q| q.page += 1)>"Next"</button>
            </div>
        </AdminShell>
    }
}

/// The create form: on success, go to the new user's page.
#[component]
fn CreateUser() -> impl IntoView {
    let navigate = use_navigate();
    let (username, name, email) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let (active, service) = (RwSignal::new(true), RwSignal::new(false));
    let errors = RwSignal::new(FieldErrors::new());
    let create = ServerAction::<AdminCreateUser>::new();
    on_saved(*create, errors, "User created.", move |id| {
        navigate(&format!("/if/admin/users/{id}/"), Default::default())
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = UserForm {
            username: username.get(),
            name: name.get(),
            email: email.get(),
            is_active: active.get(),
            ..UserForm::default()
        };
        create.dispatch(AdminCreateUser {
            form,
            service_account: service.get(),
        });
    };
    view! {
        <form novalidate on:submit=submit class="mb-6 grid max-w-2xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
            <TextInput form="new-user" name="username" label="Username" value=username errors/>
            <TextInput form="new-user" name="name" label="Name" value=name errors/>
            <TextInput form="new-user" name="email" label="Email" kind="email" value=email errors/>
            <div class="flex flex-col justify-end gap-2">
                <Checkbox id="new-user-active" label="Active" value=active/>
                <Checkbox id="new-user-service" label="Service account (no interactive login)" value=service/>
            </div>
            <div class="sm:col-span-2">
                <button type="submit" class=BUTTON_CLASS disabled=move || create.pending().get()>"Create"</button>
            </div>
        </form>
    }
}

/// "51–100 of 1234".
fn range_text(page: u32, size: u32, total: i64, capped: bool) -> String {
    let first = i64::from(page) * i64::from(size);
    let last = (first + i64::from(size)).min(total);
    let plus = if capped { "+" } else { "" };
    if total == 0 {
        "0 users".into()
    } else {
        format!("{}–{last} of {total}{plus}", first + 1)
    }
}
