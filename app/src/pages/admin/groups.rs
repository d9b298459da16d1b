//! Admin → Groups: the tree, creating and editing groups, and their members.
use crate::api::admin::groups::{
    AdminDeleteGroup, AdminSaveGroup, AdminSetGroupMember, admin_group_members, admin_list_groups,
};
use crate::api::admin::users::admin_list_users;
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::confirm::ConfirmButton;
use crate::components::form::on_saved;
use crate::components::inputs::{BUTTON_CLASS, Checkbox, INPUT_CLASS, SECONDARY_CLASS, TextInput};
use crate::components::toast::{error_text, use_toasts};
use crate::types::directory::{GroupForm, GroupRow, UserQuery};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

#[component]
pub fn AdminGroups() -> impl IntoView {
    let save = ServerAction::<AdminSaveGroup>::new();
    let delete = ServerAction::<AdminDeleteGroup>::new();
    let groups = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| admin_list_groups(),
    );
    // The group being edited: None = the create form.
    let editing = RwSignal::new(None::<GroupRow>);
    let toasts = use_toasts();
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            editing.set(None);
            toasts.ok("Group deleted.");
        }
        Some(Err(e)) => toasts.error(error_text(&e)),
        None => {}
    });
    view! {
        <AdminShell title="Groups">
            <PageHeader title="Groups">
                <button type="button" class=BUTTON_CLASS on:click=move |_| editing.set(None)>"New group"</button>
            </PageHeader>
            <div class="grid gap-6 lg:grid-cols-2">
                <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match groups.await {
                            Ok(rows) if rows.is_empty() => view! { <p class="text-slate-500">"No groups yet."</p> }.into_any(),
                            Ok(rows) => view! {
                                <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                    {rows.into_iter().map(|g| {
                                        let row = g.clone();
                                        view! {
                                            <li class="flex items-center justify-between gap-2 px-3 py-2">
                                                <button type="button" class="text-left font-medium text-indigo-600 hover:underline dark:text-indigo-400"
                                                    on:click=move |_| editing.set(Some(row.clone()))>{g.name.clone()}</button>
                                                <span class="text-slate-500">
                                                    {(!g.parent_name.is_empty()).then(|| format!("in {} · ", g.parent_name))}
                                                    {format!("{} members", g.member_count)}
                                                    {g.is_superuser.then_some(" · superuser")}
                                                </span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                        }
                    })}
                </Transition>
                {move || {
                    let all = groups.get().and_then(|r| r.ok()).unwrap_or_default();
                    let current = editing.get();
                    view! { <GroupEditor group=current all save delete/> }
                }}
            </div>
        </AdminShell>
    }
}

#[component]
fn GroupEditor(
    group: Option<GroupRow>,
    all: Vec<GroupRow>,
    save: ServerAction<AdminSaveGroup>,
    delete: ServerAction<AdminDeleteGroup>,
) -> impl IntoView {
    let id = group.as_ref().map(|g| g.id.clone()).unwrap_or_default();
    let name = RwSignal::new(group.as_ref().map(|g| g.name.clone()).unwrap_or_default());
    let parent = RwSignal::new(
        group
            .as_ref()
            .map(|g| g.parent_id.clone())
            .unwrap_or_default(),
    );
    let superuser = RwSignal::new(group.as_ref().is_some_and(|g| g.is_superuser));
    let attributes = RwSignal::new(
        group
            .as_ref()
            .map(|g| g.attributes.clone())
            .unwrap_or_else(|| "{}".into()),
    );
    let errors = RwSignal::new(FieldErrors::new());
    on_saved(*save, errors, "Group saved.", |_| {});
    let save_id = id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = GroupForm {
            name: name.get(),
            parent: parent.get(),
            is_superuser: superuser.get(),
            attributes: attributes.get(),
        };
        save.dispatch(AdminSaveGroup {
            id: save_id.clone(),
            form,
        });
    };
    let editing = !id.is_empty();
    let options = all.into_iter().filter(|g| g.id != id).collect::<Vec<_>>();
    let delete_id = id.clone();
    view! {
        <div class="space-y-4">
            <form on:submit=submit class="space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="font-semibold">{if editing { "Edit group" } else { "New group" }}</h2>
                <TextInput form="group" name="name" label="Name" value=name errors/>
                <div class="space-y-1">
                    <label for="group-parent" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Parent"</label>
                    <select id="group-parent" class=INPUT_CLASS on:change=move |ev| parent.set(event_target_value(&ev))>
                        <option value="" selected=parent.get_untracked().is_empty()>"(none)"</option>
                        {options.into_iter().map(|g| {
                            let selected = parent.get_untracked() == g.id;
                            view! { <option value=g.id selected=selected>{g.name}</option> }
                        }).collect_view()}
                    </select>
                    {move || errors.with(|e| e.get("parent").cloned()).map(|m| view! { <p class="field-error text-sm text-red-600">{m}</p> })}
                </div>
                <Checkbox id="group-superuser" label="Superuser (members may administer Ward)" value=superuser/>
                <TextInput form="group" name="attributes" label="Attributes (JSON object)" value=attributes errors multiline=true/>
                <div class="flex flex-wrap gap-2">
                    <button type="submit" id="group-save" class=BUTTON_CLASS>"Save"</button>
                    {editing.then(|| view! {
                        <ConfirmButton label="Delete" question="Delete this group?"
                            on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeleteGroup { id: delete_id.clone() }); })/>
                    })}
                </div>
            </form>
            {editing.then(|| view! { <Members group=id.clone()/> })}
        </div>
    }
}

#[component]
fn Members(group: String) -> impl IntoView {
    let toasts = use_toasts();
    let set = ServerAction::<AdminSetGroupMember>::new();
    let g = group.clone();
    let members = Resource::new(
        move || (set.version().get(), g.clone()),
        |(_, g)| admin_group_members(g),
    );
    let username = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Err(e)) = set.value().get() {
            toasts.error(error_text(&e));
        }
    });
    let add_group = group.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = username.get().trim().to_lowercase();
        let group = add_group.clone();
        leptos::task::spawn_local(async move {
            let query = UserQuery {
                search: wanted.clone(),
                ..Default::default()
            };
            match admin_list_users(query).await {
                Ok(page) => match page
                    .rows
                    .into_iter()
                    .find(|u| u.username.to_lowercase() == wanted)
                {
                    Some(u) => {
                        error.set(None);
                        username.set(String::new());
                        set.dispatch(AdminSetGroupMember {
                            group,
                            user: u.id,
                            add: true,
                        });
                    }
                    None => error.set(Some("No user with this username.".into())),
                },
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    view! {
        <section class="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Members"</h2>
            <form on:submit=add class="flex gap-2">
                <input id="member-username" aria-label="Username to add" placeholder="username" class=INPUT_CLASS
                    prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
                <button type="submit" id="member-add" class=SECONDARY_CLASS>"Add"</button>
            </form>
            {move || error.get().map(|m| view! { <p class="field-error text-sm text-red-600">{m}</p> })}
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || {
                    let group = group.clone();
                    Suspend::new(async move {
                        match members.await {
                            Ok(rows) if rows.is_empty() => view! { <p class="text-sm text-slate-500">"No members."</p> }.into_any(),
                            Ok(rows) => view! {
                                <ul class="text-sm">
                                    {rows.into_iter().map(|u| {
                                        let (group, uid) = (group.clone(), u.id.clone());
                                        view! {
                                            <li class="flex items-center justify-between py-1">
                                                <span>{u.username}</span>
                                                <button type="button" class=SECONDARY_CLASS
                                                    on:click=move |_| { set.dispatch(AdminSetGroupMember { group: group.clone(), user: uid.clone(), add: false }); }>"Remove"</button>
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
        </section>
    }
}
