//! Admin → System → Settings: the one settings row.
use crate::api::admin::system::{
    AdminSaveSettings, AdminSendTestEmail, admin_email_settings, admin_settings,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::form::on_saved;
use crate::components::inputs::{BUTTON_CLASS, Checkbox, INPUT_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::flow::FieldErrors;
use crate::types::system::SystemSettings;
use leptos::prelude::*;

#[component]
pub fn AdminSettings() -> impl IntoView {
    let settings = Resource::new(|| (), |_| admin_settings());
    view! {
        <AdminShell title="Settings">
            <PageHeader title="System settings"/>
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(s) => view! { <SettingsForm settings=s/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <EmailPanel/>
        </AdminShell>
    }
}

#[component]
fn SettingsForm(settings: SystemSettings) -> impl IntoView {
    let avatars = RwSignal::new(settings.avatars);
    let (username, name, email) = (
        RwSignal::new(settings.allow_change_username),
        RwSignal::new(settings.allow_change_name),
        RwSignal::new(settings.allow_change_email),
    );
    let retention = RwSignal::new(settings.event_retention_days.to_string());
    let token_length = RwSignal::new(settings.default_token_length.to_string());
    let token_minutes = RwSignal::new(settings.default_token_duration_minutes.to_string());
    let admin_mfa = RwSignal::new(settings.require_admin_mfa);
    let errors = RwSignal::new(FieldErrors::new());
    let save = ServerAction::<AdminSaveSettings>::new();
    on_saved(*save, errors, "Settings saved.", |_| {});
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A number that does not parse is sent as 0, which the server reports beside its field.
        let number = |s: RwSignal<String>| s.get().trim().parse::<i32>().unwrap_or(0);
        save.dispatch(AdminSaveSettings {
            settings: SystemSettings {
                avatars: avatars.get(),
                allow_change_username: username.get(),
                allow_change_name: name.get(),
                allow_change_email: email.get(),
                event_retention_days: number(retention),
                default_token_length: number(token_length),
                default_token_duration_minutes: number(token_minutes),
                require_admin_mfa: admin_mfa.get(),
            },
        });
    };
    let avatar_error = Memo::new(move |_| errors.with(|e| e.get("avatars").cloned()));
    let admin_mfa_error = Memo::new(move |_| errors.with(|e| e.get("require_admin_mfa").cloned()));
    view! {
        <form novalidate on:submit=submit class="max-w-xl space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <div class="space-y-1">
                <label for="settings-avatars" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Avatars"</label>
                <select id="settings-avatars" class=INPUT_CLASS prop:value=move || avatars.get()
                    on:change=move |ev| avatars.set(event_target_value(&ev))>
                    <option value="none">"None"</option>
                    <option value="initials">"Initials"</option>
                    <option value="gravatar">"Gravatar (sends a hash of each email to gravatar.com)"</option>
                </select>
                {move || avatar_error.get().map(|e| view! { <p id="settings-avatars-error" class="field-error text-sm text-red-600">{e}</p> })}
            </div>
            <fieldset class="space-y-2">
                <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">"Users may change their own"</legend>
                <Checkbox id="settings-allow-username" label="Username" value=username/>
                <Checkbox id="settings-allow-name" label="Name" value=name/>
                <Checkbox id="settings-allow-email" label="Email" value=email/>
            </fieldset>
            <fieldset class="space-y-1">
                <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">"Multi-factor authentication"</legend>
                <Checkbox id="settings-require-admin-mfa" label="Require MFA for administrators" value=admin_mfa/>
                <p class="text-sm text-slate-500">"An administrator without a device sets one up at their next sign-in. This binds the stage default-authentication-mfa-enforce into default-authentication-flow for the superuser groups; bind it to other groups there to require it of them too."</p>
                {move || admin_mfa_error.get().map(|e| view! { <p id="settings-require_admin_mfa-error" class="field-error text-sm text-red-600">{e}</p> })}
            </fieldset>
            <TextInput form="settings" name="event_retention_days" label="Keep events for (days)" kind="number" value=retention errors/>
            <TextInput form="settings" name="default_token_length" label="Default token length (characters)" kind="number" value=token_length errors/>
            <TextInput form="settings" name="default_token_duration_minutes" label="Default token duration (minutes)" kind="number" value=token_minutes errors/>
            <button type="submit" id="settings-save" class=BUTTON_CLASS>"Save"</button>
        </form>
    }
}

/// The SMTP settings (from the environment, so read-only here) and a test send.
#[component]
fn EmailPanel() -> impl IntoView {
    let email = Resource::new(|| (), |_| admin_email_settings());
    let to = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let send = ServerAction::<AdminSendTestEmail>::new();
    on_saved(
        *send,
        errors,
        "Test email queued; the worker sends it within seconds.",
        |()| {},
    );
    view! {
        <section class="mt-6 max-w-xl space-y-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">"Email"</h2>
            <p class="text-sm text-slate-500">"Set with the WARD_EMAIL__* environment variables."</p>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match email.await {
                        Ok(e) => view! {
                            <dl id="email-settings" class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                                <dt class="text-slate-500">"Server"</dt><dd>{format!("{}:{}", e.host, e.port)}</dd>
                                <dt class="text-slate-500">"Security"</dt>
                                <dd>{if e.use_ssl { "TLS (SMTPS)" } else if e.use_tls { "STARTTLS" } else { "none" }}</dd>
                                <dt class="text-slate-500">"Username"</dt>
                                <dd>{if e.username.is_empty() { "none".to_string() } else { e.username }}{if e.password_set { " (password set)" } else { "" }}</dd>
                                <dt class="text-slate-500">"From"</dt><dd>{e.from}</dd>
                                <dt class="text-slate-500">"Timeout"</dt><dd>{format!("{} s", e.timeout_secs)}</dd>
                            </dl>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-sm text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <form novalidate class="space-y-3" on:submit=move |ev| {
                ev.prevent_default();
                send.dispatch(AdminSendTestEmail { to: to.get() });
            }>
                <TextInput form="email-test" name="to" label="Send a test email to" kind="email" value=to errors/>
                <button type="submit" id="email-test-send" class=BUTTON_CLASS>"Send test email"</button>
            </form>
        </section>
    }
}
