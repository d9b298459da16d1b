//! A user's MFA devices with a remove button each: the portal's own list and the admin's view
//! of a user.
use crate::components::confirm::ConfirmButton;
use crate::types::mfa::DeviceRow;
use leptos::prelude::*;

/// `last`: the question when one device is left (removing it leaves the password alone).
#[component]
pub fn DeviceList(
    rows: Vec<DeviceRow>,
    remove: Callback<String>,
    #[prop(into)] last: String,
    #[prop(into)] empty: String,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="text-sm text-slate-500">{empty}</p> }.into_any();
    }
    let only_one = rows.len() == 1;
    view! {
        <ul class="divide-y divide-slate-200 text-sm dark:divide-slate-800">
            {rows.into_iter().map(|d| {
                let question = if only_one { last.clone() } else { "Remove this device?".to_string() };
                let id = d.id.clone();
                let used = d.last_used.clone().map(|t| format!(" · last used {}", short(&t))).unwrap_or_default();
                view! {
                    <li class="flex flex-wrap items-center justify-between gap-2 py-2" data-device=d.id.clone()>
                        <span>
                            <span class="font-medium">{d.name.clone()}</span>
                            <span class="text-slate-500">{format!(" · {} · added {}{used}", d.kind(), short(&d.created))}</span>
                        </span>
                        <ConfirmButton label="Remove" question on_confirm=Callback::new(move |()| remove.run(id.clone()))/>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM`.
pub fn short(t: &str) -> String {
    t.replace('T', " ").chars().take(16).collect()
}
