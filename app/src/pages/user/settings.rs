//! `/if/user/settings/`: profile, password, MFA devices, own sessions and recent events.
use crate::api::me::current_user;
use crate::api::portal::{
    MyChangePassword, MyRemoveMfaDevice, MyRenameMfaDevice, MyRevokeConsent, MyRevokeSession,
    MyUpdateProfile, my_consents, my_events, my_mfa_devices, my_profile_rules, my_sessions,
};
use crate::components::consent_list::ConsentList;
use crate::components::device_list::DeviceList;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, TextInput};
use crate::components::layout::TopBar;
use crate::components::session_list::SessionList;
use crate::components::toast::{ToastHost, error_text};
use crate::types::flow::FieldErrors;
use crate::types::user::{Me, ProfileForm, ProfileRules};
use leptos::prelude::*;
use leptos_meta::Title;

const CARD: &str = "space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn UserSettings() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let rules = Resource::new(|| (), |_| my_profile_rules());
    view! {
        <Title text="Settings – Ward"/>
        <Suspense fallback=|| view! { <p class="p-8 text-center text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (me.await, rules.await) {
                    (Ok(Some(me)), Ok(rules)) => view! {
                        <TopBar me=me.clone()/>
                        <main class="mx-auto grid max-w-5xl gap-6 p-4 md:grid-cols-2 md:p-6">
                            <h1 class="text-2xl font-semibold md:col-span-2">"Settings"</h1>
                            <Profile me rules/>
                            <Password/>
                            <MfaDevices/>
                            <Sessions/>
                            <Consents/>
                            <Events/>
                        </main>
                        <ToastHost/>
                    }.into_any(),
                    (Ok(None), _) => view! { <p class="p-8 text-center">"Please sign in."</p> }.into_any(),
                    (Err(e), _) | (_, Err(e)) => view! { <p role="alert" class="p-8 text-center text-red-600">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Profile(me: Me, rules: ProfileRules) -> impl IntoView {
    let username = RwSignal::new(me.username);
    let name = RwSignal::new(me.name);
    let email = RwSignal::new(me.email);
    let errors = RwSignal::new(FieldErrors::new());
    let save = ServerAction::<MyUpdateProfile>::new();
    on_saved(*save, errors, "Profile saved.", |()| {});
    view! {
        <form novalidate class=CARD on:submit=move |ev| { ev.prevent_default(); save.dispatch(MyUpdateProfile { profile: ProfileForm { username: username.get(), name: name.get(), email: email.get() } }); }>
            <h2 class="font-semibold">"Profile"</h2>
            <TextInput form="profile" name="username" label="Username" value=username errors readonly=!rules.username/>
            <TextInput form="profile" name="name" label="Name" value=name errors readonly=!rules.name/>
            <TextInput form="profile" name="email" label="Email" kind="email" value=email errors readonly=!rules.email/>
            <button type="submit" id="profile-save" class=BUTTON_CLASS>"Save"</button>
        </form>
    }
}

#[component]
fn Password() -> impl IntoView {
    let (current, new, repeat) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let errors = RwSignal::new(FieldErrors::new());
    let change = ServerAction::<MyChangePassword>::new();
    on_saved(*change, errors, "Password changed.", move |()| {
        for s in [current, new, repeat] {
            s.set(String::new());
        }
    });
    view! {
        <form novalidate class=CARD on:submit=move |ev| {
            ev.prevent_default();
            change.dispatch(MyChangePassword { current: current.get(), new: new.get(), repeat: repeat.get() });
        }>
            <h2 class="font-semibold">"Change password"</h2>
            <TextInput form="password" name="current" label="Current password" kind="password" value=current errors/>
            <TextInput form="password" name="new" label="New password" kind="password" value=new errors/>
            <TextInput form="password" name="repeat" label="New password (repeat)" kind="password" value=repeat errors/>
            <button type="submit" id="password-save" class=BUTTON_CLASS>"Change password"</button>
        </form>
    }
}

/// The setup flows, back here when done.
const ENROLL_TOTP: &str = "/if/flow/default-authenticator-totp-setup/?next=/if/user/settings/";
const ENROLL_STATIC: &str = "/if/flow/default-authenticator-static-setup/?next=/if/user/settings/";
const ENROLL_EMAIL: &str = "/if/flow/default-authenticator-email-setup/?next=/if/user/settings/";
const ENROLL_WEBAUTHN: &str =
    "/if/flow/default-authenticator-webauthn-setup/?next=/if/user/settings/";

#[component]
fn MfaDevices() -> impl IntoView {
    let remove = ServerAction::<MyRemoveMfaDevice>::new();
    let rename = ServerAction::<MyRenameMfaDevice>::new();
    // Reloaded after a rename that took, not after a refused one (its editor stays open with
    // the message beside the field).
    let renamed = RwSignal::new(0u32);
    let devices = Resource::new(
        move || (remove.version().get(), renamed.get()),
        |_| my_mfa_devices(),
    );
    on_done(*remove, "Device removed.");
    let errors = RwSignal::new(FieldErrors::new());
    on_saved(*rename, errors, "Device renamed.", move |()| {
        renamed.update(|n| *n += 1)
    });
    let remove = Callback::new(move |id| {
        remove.dispatch(MyRemoveMfaDevice { id });
    });
    let rename = Callback::new(move |(id, name)| {
        rename.dispatch(MyRenameMfaDevice { id, name });
    });
    view! {
        <section class=CARD id="mfa-devices">
            <h2 class="font-semibold">"MFA devices"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(rows) => view! {
                            <DeviceList rows remove rename errors
                                empty="No second factor yet: signing in takes your password alone."
                                last="This is your last device: signing in will take your password alone. Remove it?"/>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <div class="flex flex-wrap gap-2">
                <a id="enroll-totp" href=ENROLL_TOTP rel="external" class=BUTTON_CLASS>"Add an authenticator app"</a>
                <a id="enroll-static" href=ENROLL_STATIC rel="external" class=BUTTON_CLASS>"Create recovery codes"</a>
                <a id="enroll-email" href=ENROLL_EMAIL rel="external" class=BUTTON_CLASS>"Get codes by email"</a>
                <a id="enroll-webauthn" href=ENROLL_WEBAUTHN rel="external" class=BUTTON_CLASS>"Add a security key or passkey"</a>
            </div>
        </section>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let revoke = ServerAction::<MyRevokeSession>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| my_sessions());
    on_done(*revoke, "Session signed out.");
    let revoke = Callback::new(move |id| {
        revoke.dispatch(MyRevokeSession { id });
    });
    view! {
        <section class=CARD>
            <h2 class="font-semibold">"Sessions"</h2>
            <SessionList sessions revoke button="Sign out"/>
        </section>
    }
}

/// What the user allowed applications; revoking one makes the application ask again.
#[component]
fn Consents() -> impl IntoView {
    let revoke = ServerAction::<MyRevokeConsent>::new();
    let consents = Resource::new(move || revoke.version().get(), |_| my_consents());
    on_done(*revoke, "Consent revoked.");
    let revoke = Callback::new(move |id| {
        revoke.dispatch(MyRevokeConsent { id });
    });
    view! {
        <section class=CARD id="consents">
            <h2 class="font-semibold">"Application consents"</h2>
            <ConsentList consents revoke/>
        </section>
    }
}

#[component]
fn Events() -> impl IntoView {
    let events = Resource::new(|| (), |_| my_events());
    view! {
        <section class=CARD>
            <h2 class="font-semibold">"Recent activity"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="text-sm text-slate-500">"Nothing yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul class="text-sm">
                                {rows.into_iter().take(20).map(|e| view! {
                                    <li class="py-1"><span class="font-medium">{e.action}</span>{format!(" · {} · {}", e.created_at.replace('T', " ").chars().take(16).collect::<String>(), e.client_ip)}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
