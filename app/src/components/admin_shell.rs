//! The admin interface's frame: top bar, section navigation, and the page in the middle.
use crate::api::me::current_user;
use crate::components::layout::TopBar;
use crate::components::toast::ToastHost;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// Sections: (label, link). Only what is built is listed.
const NAV: [(&str, &str); 15] = [
    ("Dashboard", "/if/admin/"),
    ("Events", "/if/admin/events/"),
    ("Users", "/if/admin/users/"),
    ("Groups", "/if/admin/groups/"),
    ("Sessions", "/if/admin/sessions/"),
    ("Tokens", "/if/admin/tokens/"),
    ("Providers", "/if/admin/core/providers/"),
    ("Outposts", "/if/admin/outpost/outposts/"),
    ("Policies", "/if/admin/customization/policies/"),
    (
        "Property mappings",
        "/if/admin/customization/property-mappings/",
    ),
    ("Brands", "/if/admin/system/brands/"),
    ("Certificates", "/if/admin/system/certificates/"),
    ("Blueprints", "/if/admin/system/blueprints/"),
    ("Tasks", "/if/admin/system/tasks/"),
    ("Settings", "/if/admin/system/settings/"),
];

#[component]
pub fn AdminShell(#[prop(into)] title: String, children: ChildrenFn) -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <leptos_meta::Title text=format!("{title} – Ward admin")/>
        <Suspense fallback=|| view! { <p class="p-8 text-center text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) if me.is_superuser => view! {
                        <TopBar me admin=true/>
                        <div class="flex flex-col md:flex-row">
                            <nav aria-label="Admin" class="border-b border-slate-200 bg-white p-3 md:min-h-[calc(100vh-57px)] md:w-56 md:border-b-0 md:border-r dark:border-slate-800 dark:bg-slate-900">
                                <ul class="flex gap-1 overflow-x-auto text-sm md:flex-col">
                                    {NAV.iter().map(|(label, href)| {
                                        let href = *href;
                                        let active = move || {
                                            let path = location.pathname.get();
                                            if href == "/if/admin/" { path == href } else { path.starts_with(href) }
                                        };
                                        view! {
                                            <li><A href=href attr:class=move || if active() {
                                                "block whitespace-nowrap rounded-md bg-indigo-50 px-3 py-2 font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300"
                                            } else {
                                                "block whitespace-nowrap rounded-md px-3 py-2 text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
                                            }>{*label}</A></li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </nav>
                            <main class="min-w-0 flex-1 p-4 md:p-6">{children.with_value(|c| c())}</main>
                        </div>
                        <ToastHost/>
                    }.into_any(),
                    _ => view! { <p role="alert" class="p-8 text-center">"You do not have access to the admin interface."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A page heading with room for actions on the right.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-semibold">{title}</h1>
            <div class="flex flex-wrap gap-2">{children.map(|c| c())}</div>
        </div>
    }
}
