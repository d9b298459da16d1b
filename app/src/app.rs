//! The HTML shell and the router.
use crate::pages::admin::{
    events::AdminEvents, groups::AdminGroups, sessions::AdminSessions,
    user_detail::AdminUserDetail, users::AdminUsers,
};
use crate::pages::{
    admin::dashboard::AdminDashboard, flow::FlowPage, not_found::NotFound, user::portal::UserPortal,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The brand the server matched on the Host; these head elements are rendered on the server
    // only (they are outside the hydrated `App`).
    #[cfg(feature = "ssr")]
    let brand = crate::ssr::brands::from_context();
    #[cfg(not(feature = "ssr"))]
    let brand = crate::types::brands::Brand::default();
    let (icon, icon_type) = match crate::types::brands::Brand::media_url(&brand.favicon) {
        Some(url) => {
            let kind = match url.rsplit('.').next() {
                Some("png") => "image/png",
                Some("jpg") => "image/jpeg",
                _ => "image/svg+xml",
            };
            (url, kind)
        }
        None => ("/favicon.svg".to_string(), "image/svg+xml"),
    };
    let vars = crate::types::brands::css_vars(&brand);
    // Checked when saved: no "</style", so it cannot leave the element.
    let custom_css = (!brand.form.custom_css.is_empty()
        && !brand
            .form
            .custom_css
            .to_ascii_lowercase()
            .contains("</style"))
    .then(|| brand.form.custom_css.clone());
    #[cfg(feature = "ssr")]
    crate::ssr::csp::attach();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href=icon type=icon_type/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
                <style id="brand-vars" nonce=nonce.clone() inner_html=vars></style>
                {custom_css.map(|css| view! { <style id="brand-css" nonce=nonce inner_html=css></style> })}
            </head>
            <body class="min-h-screen bg-slate-100 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::components::toast::provide_toasts();
    // Marks the page as interactive once hydrated (the e2e tests wait for it before typing).
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/ward.css"/>
        <Title text="Ward"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/if/flow/:slug/") view=FlowPage ssr=SsrMode::Async/>
                <Route path=path!("/if/user/") view=UserPortal ssr=SsrMode::Async/>
                <Route path=path!("/if/user/settings/") view=crate::pages::user::settings::UserSettings ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/") view=AdminDashboard ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/users/") view=AdminUsers ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/users/:id/") view=AdminUserDetail ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/groups/") view=AdminGroups ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/events/") view=AdminEvents ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/sessions/") view=AdminSessions ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/tokens/") view=crate::pages::admin::tokens::AdminTokens ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/brands/") view=crate::pages::admin::brands::AdminBrands ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/certificates/") view=crate::pages::admin::certs::AdminCerts ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/blueprints/") view=crate::pages::admin::blueprints::AdminBlueprints ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/tasks/") view=crate::pages::admin::tasks::AdminTasks ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/settings/") view=crate::pages::admin::settings::AdminSettings ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
