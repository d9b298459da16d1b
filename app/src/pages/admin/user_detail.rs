//! Admin → Users → one user: edit, groups, password, recovery link, delete, sessions, events.
use crate::api::admin::events::admin_list_events;
use crate::api::admin::mfa::{
    AdminRemoveUserMfa, AdminRevokeUserConsent, admin_user_consents, admin_user_mfa,
};
use crate::api::admin::sessions::{AdminRevokeSession, admin_list_sessions};
use crate::api::admin::users::{
    AdminDeleteUser, AdminRecoveryLink, AdminSetPassword, AdminUpdateUser, admin_group_options,
    admin_user_detail,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::confirm::ConfirmButton;
use crate::components::consent_list::ConsentList;
use crate::components::device_list::DeviceList;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, Checkbox, INPUT_CLASS, SECONDARY_CLASS, TextInput};
use crate::components::session_list::SessionList;
use crate::components::toast::{error_text, use_toasts};
use crate::types::activity::EventQuery;
use crate::types::directory::{GroupRef, Saved, UserDetail, UserForm};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn AdminUserDetail() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, admin_user_detail);
    let groups = Resource::new(|| (), |_| admin_group_options());
    view! {
        <AdminShell title="User">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match (detail.await, groups.await) {
                        (Ok(d), Ok(g)) => view! { <UserEditor detail=d all_groups=g/> }.into_any(),
                        (Err(e), _) | (_, Err(e)) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminShell>
    }
}

#[component]
fn UserEditor(detail: UserDetail, all_groups: Vec<GroupRef>) -> impl IntoView {
    let toasts = use_toasts();
    let id = detail.row.id.clone();
    let username = RwSignal::new(detail.row.username.clone());
    let name = RwSignal::new(detail.row.name.clone());
    let email = RwSignal::new(detail.row.email.clone());
    let active = RwSignal::new(detail.row.is_active);
    let attributes = RwSignal::new(detail.attributes.clone());
    let member_of = RwSignal::new(
        detail
            .groups
            .iter()
            .map(|g| g.id.clone())
            .collect::<Vec<_>>(),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let update = ServerAction::<AdminUpdateUser>::new();
    on_saved(*update, errors, "Saved.", |()| {});
    let save_id = id.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = UserForm {
            username: username.get(),
            name: name.get(),
            email: email.get(),
            is_active: active.get(),
            attributes: attributes.get(),
            groups: member_of.get(),
        };
        update.dispatch(AdminUpdateUser {
            id: save_id.clone(),
            form,
        });
    };
    let delete = ServerAction::<AdminDeleteUser>::new();
    let navigate = use_navigate();
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.ok("User deleted.");
            navigate("/if/admin/users/", Default::default());
        }
        Some(Err(e)) => toasts.error(error_text(&e)),
        None => {}
    });
    let delete_id = id.clone();
    let title = detail.row.username.clone();
    view! {
        <PageHeader title=title>
            <ConfirmButton label="Delete" question="Delete this user for good?"
                on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeleteUser { id: delete_id.clone() }); })/>
        </PageHeader>
        {detail.is_superuser.then(|| view! { <p class="mb-3 text-sm text-indigo-700 dark:text-indigo-300">"Superuser (through group membership)"</p> })}
        <div class="grid gap-6 lg:grid-cols-2">
            <form novalidate on:submit=save class="space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="font-semibold">"Details"</h2>
                <TextInput form="user" name="username" label="Username" value=username errors/>
                <TextInput form="user" name="name" label="Name" value=name errors/>
                <TextInput form="user" name="email" label="Email" kind="email" value=email errors/>
                <Checkbox id="user-active" label="Active (may sign in)" value=active/>
                {move || errors.with(|e| e.get("is_active").cloned()).map(|m| view! { <p class="field-error text-sm text-red-600">{m}</p> })}
                <TextInput form="user" name="attributes" label="Attributes (JSON object)" value=attributes errors multiline=true/>
                <fieldset class="space-y-1">
                    <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">"Groups"</legend>
                    {all_groups.into_iter().map(|g| {
                        let gid = g.id.clone();
                        let checked = RwSignal::new(member_of.get_untracked().contains(&gid));
                        Effect::new(move |_| {
                            let on = checked.get();
                            let gid = gid.clone();
                            member_of.update(|m| { m.retain(|x| *x != gid); if on { m.push(gid); } });
                        });
                        view! { <Checkbox id=format!("group-{}", g.id) label=g.name value=checked/> }
                    }).collect_view()}
                    {move || errors.with(|e| e.get("groups").cloned()).map(|m| view! { <p class="field-error text-sm text-red-600">{m}</p> })}
                </fieldset>
                <button type="submit" id="user-save" class=BUTTON_CLASS disabled=move || update.pending().get()>"Save"</button>
            </form>
            <div class="space-y-6">
                <PasswordPanel id=id.clone()/>
                <RecoveryPanel id=id.clone()/>
                <MfaPanel id=id.clone()/>
                <SessionsPanel id=id.clone()/>
                <ConsentsPanel id=id.clone()/>
                <EventsPanel username=detail.row.username.clone()/>
            </div>
        </div>
    }
}

#[component]
fn PasswordPanel(id: String) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let set = ServerAction::<AdminSetPassword>::new();
    on_saved(*set, errors, "Password set.", move |()| {
        password.set(String::new())
    });
    view! {
        <form class="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
            on:submit=move |ev| { ev.prevent_default(); set.dispatch(AdminSetPassword { id: id.clone(), password: password.get() }); }>
            <h2 class="font-semibold">"Set password"</h2>
            <TextInput form="set-password" name="password" label="New password" kind="password" value=password errors/>
            <button type="submit" id="set-password-submit" class=SECONDARY_CLASS>"Set password"</button>
        </form>
    }
}

#[component]
fn RecoveryPanel(id: String) -> impl IntoView {
    let make = ServerAction::<AdminRecoveryLink>::new();
    view! {
        <section class="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Recovery link"</h2>
            <p class="text-sm text-slate-500">"A single-use link, valid for one hour, that signs this user in."</p>
            <button type="button" class=SECONDARY_CLASS on:click=move |_| { make.dispatch(AdminRecoveryLink { id: id.clone() }); }>"Create recovery link"</button>
            {move || make.value().get().map(|r| match r {
                Ok(link) => view! { <input id="recovery-link" readonly class=INPUT_CLASS prop:value=link/> }.into_any(),
                Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn MfaPanel(id: String) -> impl IntoView {
    let remove = ServerAction::<AdminRemoveUserMfa>::new();
    let user = id.clone();
    let devices = Resource::new(
        move || (remove.version().get(), user.clone()),
        |(_, user)| admin_user_mfa(user),
    );
    on_done(*remove, "MFA devices removed.");
    let user = id.clone();
    let remove_one = Callback::new(move |device| {
        remove.dispatch(AdminRemoveUserMfa {
            user: user.clone(),
            id: Some(device),
        });
    });
    let reset = Callback::new(move |()| {
        remove.dispatch(AdminRemoveUserMfa {
            user: id.clone(),
            id: None,
        });
    });
    view! {
        <section id="user-mfa" class="space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"MFA devices"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(rows) => {
                            let any = !rows.is_empty();
                            view! {
                                <DeviceList rows remove=remove_one empty="No second factor."
                                    last="This is the user's last device: signing in will take the password alone. Remove it?"/>
                                {any.then(|| view! {
                                    <ConfirmButton label="Reset MFA" question="Remove all of this user's devices? They enroll again where sign-in asks for a second factor." on_confirm=reset/>
                                })}
                            }.into_any()
                        }
                        Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SessionsPanel(id: String) -> impl IntoView {
    let revoke = ServerAction::<AdminRevokeSession>::new();
    let sessions = Resource::new(
        move || (revoke.version().get(), id.clone()),
        |(_, id)| admin_list_sessions(Some(id)),
    );
    on_done(*revoke, "Session revoked.");
    let revoke = Callback::new(move |id| {
        revoke.dispatch(AdminRevokeSession { id });
    });
    view! {
        <section class="space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Sessions"</h2>
            <SessionList sessions revoke button="Revoke"/>
        </section>
    }
}

/// The applications the user consented to, each revocable.
#[component]
fn ConsentsPanel(id: String) -> impl IntoView {
    let revoke = ServerAction::<AdminRevokeUserConsent>::new();
    let user = id.clone();
    let consents = Resource::new(
        move || (revoke.version().get(), id.clone()),
        |(_, user)| admin_user_consents(user),
    );
    on_done(*revoke, "Consent revoked.");
    let revoke = Callback::new(move |consent| {
        revoke.dispatch(AdminRevokeUserConsent {
            user: user.clone(),
            id: consent,
        });
    });
    view! {
        <section id="user-consents" class="space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Application consents"</h2>
            <ConsentList consents revoke/>
        </section>
    }
}

#[component]
fn EventsPanel(username: String) -> impl IntoView {
    let events = Resource::new(
        move || username.clone(),
        |u| {
            admin_list_events(EventQuery {
                username: u,
                ..Default::default()
            })
        },
    );
    view! {
        <section class="space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Recent events"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(Saved::Ok(page)) if !page.rows.is_empty() => view! {
                            <ul class="text-sm">
                                {page.rows.into_iter().take(20).map(|e| view! {
                                    <li class="py-1"><span class="font-medium">{e.action}</span>" · "{e.created_at.replace('T', " ").chars().take(16).collect::<String>()}" · "{e.client_ip}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(_) => view! { <p class="text-sm text-slate-500">"No events yet."</p> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
