//! The HTML shell and the router.
//!
//! The flow pages (sign-in, enrollment, recovery) are rendered on the server and taken over by
//! the small flow client (`flow-client/`), not hydrated: the Leptos runtime alone outweighs a
//! login page's budget. The other pages hydrate; the admin interface and the user portal are
//! lazy routes, split out by `cargo leptos build --split` into a chunk each, fetched when one of
//! their pages is first opened.
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, SsrMode,
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
    // A flow page without the flow client (not built) stays plain HTML forms.
    let scripts = if is_flow_page() {
        use_context::<FlowClient>()
            .map(|client| view! { <FlowClientScripts client nonce=nonce.clone()/> })
            .into_any()
    } else {
        view! { <HydrationScripts options=options.clone()/> }.into_any()
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href=icon type=icon_type/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet id="leptos" options=options.clone()/>
                {scripts}
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

/// The flow client's two files under `/pkg/`, as the build named them (the server provides this).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowClient {
    pub js: String,
    pub wasm: String,
}

/// Whether the page being rendered is a flow page (`/if/flow/<slug>/`).
fn is_flow_page() -> bool {
    #[cfg(feature = "ssr")]
    return use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/if/flow/"));
    #[cfg(not(feature = "ssr"))]
    false
}

/// Loads the flow client: its module, started with its WebAssembly (both preloaded).
#[component]
fn FlowClientScripts(client: FlowClient, nonce: Option<leptos::nonce::Nonce>) -> impl IntoView {
    let start = format!(
        "import init from '{}';init({{module_or_path:'{}'}});",
        client.js, client.wasm
    );
    view! {
        <link rel="modulepreload" href=client.js.clone()/>
        <link rel="preload" href=client.wasm.clone() r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module" nonce=nonce inner_html=start></script>
    }
}

/// A flow page opened from a hydrated page (a link the router caught): the server renders it.
#[component]
fn ServerRendered() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
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
        <Title text="Ward"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/if/flow/:slug/") view=FlowRoute ssr=SsrMode::Async/>
                <Route path=path!("/if/user/") view={Lazy::<UserPortalRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/user/settings/") view={Lazy::<UserSettingsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/") view={Lazy::<AdminDashboardRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/users/") view={Lazy::<AdminUsersRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/users/:id/") view={Lazy::<AdminUserDetailRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/groups/") view={Lazy::<AdminGroupsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/events/") view={Lazy::<AdminEventsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/sessions/") view={Lazy::<AdminSessionsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/tokens/") view={Lazy::<AdminTokensRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/core/providers/") view={Lazy::<AdminProvidersRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/outpost/outposts/") view={Lazy::<AdminOutpostsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/customization/policies/") view={Lazy::<AdminPoliciesRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/customization/property-mappings/") view={Lazy::<AdminPropertyMappingsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/brands/") view={Lazy::<AdminBrandsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/certificates/") view={Lazy::<AdminCertsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/blueprints/") view={Lazy::<AdminBlueprintsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/tasks/") view={Lazy::<AdminTasksRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/if/admin/system/settings/") view={Lazy::<AdminSettingsRoute>::new()} ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// The flow page on the server; in the browser, a page to load from the server.
#[cfg(feature = "ssr")]
use crate::pages::flow::FlowPage as FlowRoute;
#[cfg(not(feature = "ssr"))]
use ServerRendered as FlowRoute;

/// The pages outside the flows, each rendered by the chunk of its interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    UserPortal,
    UserSettings,
    AdminDashboard,
    AdminUsers,
    AdminUserDetail,
    AdminGroups,
    AdminEvents,
    AdminSessions,
    AdminTokens,
    AdminProviders,
    AdminOutposts,
    AdminPolicies,
    AdminPropertyMappings,
    AdminBrands,
    AdminCerts,
    AdminBlueprints,
    AdminTasks,
    AdminSettings,
}

/// The portal's part of the WebAssembly: one split point, so one chunk for all its pages.
#[lazy]
fn portal_page(page: Page) -> AnyView {
    use crate::pages::user::{portal::UserPortal, settings::UserSettings};
    match page {
        Page::UserSettings => view! { <UserSettings/> }.into_any(),
        _ => view! { <UserPortal/> }.into_any(),
    }
}

/// The admin interface's part: one split point for all its pages (a split point per page made
/// over a hundred small chunks that together weighed more than the code they held).
#[lazy]
fn admin_page(page: Page) -> AnyView {
    use crate::pages::admin::*;
    match page {
        Page::AdminUsers => view! { <users::AdminUsers/> }.into_any(),
        Page::AdminUserDetail => view! { <user_detail::AdminUserDetail/> }.into_any(),
        Page::AdminGroups => view! { <groups::AdminGroups/> }.into_any(),
        Page::AdminEvents => view! { <events::AdminEvents/> }.into_any(),
        Page::AdminSessions => view! { <sessions::AdminSessions/> }.into_any(),
        Page::AdminTokens => view! { <tokens::AdminTokens/> }.into_any(),
        Page::AdminProviders => view! { <providers::AdminProviders/> }.into_any(),
        Page::AdminOutposts => view! { <outposts::AdminOutposts/> }.into_any(),
        Page::AdminPolicies => view! { <policies::AdminPolicies/> }.into_any(),
        Page::AdminPropertyMappings => {
            view! { <property_mappings::AdminPropertyMappings/> }.into_any()
        }
        Page::AdminBrands => view! { <brands::AdminBrands/> }.into_any(),
        Page::AdminCerts => view! { <certs::AdminCerts/> }.into_any(),
        Page::AdminBlueprints => view! { <blueprints::AdminBlueprints/> }.into_any(),
        Page::AdminTasks => view! { <tasks::AdminTasks/> }.into_any(),
        Page::AdminSettings => view! { <settings::AdminSettings/> }.into_any(),
        _ => view! { <dashboard::AdminDashboard/> }.into_any(),
    }
}

/// A lazy route for a page that loads its own data: the router fetches the interface's chunk
/// (once), then the page starts its resources. The chunk must be in before hydration reaches
/// the page (`preload`, awaited by the router), or the page would hydrate as still loading.
macro_rules! lazy_page {
    ($route:ident, $chunk:ident, $preload:ident, $page:expr) => {
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $chunk($page).await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                $preload().await;
            }
        }
    };
}

lazy_page!(
    UserPortalRoute,
    portal_page,
    __preload_portal_page,
    Page::UserPortal
);
lazy_page!(
    UserSettingsRoute,
    portal_page,
    __preload_portal_page,
    Page::UserSettings
);
lazy_page!(
    AdminDashboardRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminDashboard
);
lazy_page!(
    AdminUsersRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminUsers
);
lazy_page!(
    AdminUserDetailRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminUserDetail
);
lazy_page!(
    AdminGroupsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminGroups
);
lazy_page!(
    AdminEventsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminEvents
);
lazy_page!(
    AdminSessionsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminSessions
);
lazy_page!(
    AdminTokensRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminTokens
);
lazy_page!(
    AdminProvidersRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminProviders
);
lazy_page!(
    AdminOutpostsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminOutposts
);
lazy_page!(
    AdminPoliciesRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminPolicies
);
lazy_page!(
    AdminPropertyMappingsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminPropertyMappings
);
lazy_page!(
    AdminBrandsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminBrands
);
lazy_page!(
    AdminCertsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminCerts
);
lazy_page!(
    AdminBlueprintsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminBlueprints
);
lazy_page!(
    AdminTasksRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminTasks
);
lazy_page!(
    AdminSettingsRoute,
    admin_page,
    __preload_admin_page,
    Page::AdminSettings
);
