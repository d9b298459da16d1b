//! Admin → System → Brands: title, images, colour, custom CSS and default flows per domain.
use crate::api::admin::brands::{
    AdminDeleteBrand, AdminSaveBrand, AdminUploadBrandImage, admin_list_brands,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::confirm::ConfirmButton;
use crate::components::form::on_saved;
use crate::components::inputs::{BUTTON_CLASS, Checkbox, SECONDARY_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::brands::{Brand, BrandForm, FooterLink, SLOTS};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// The largest image the server keeps (checked here too, to spare the upload).
#[cfg(feature = "hydrate")]
const MAX_IMAGE: f64 = 512.0 * 1024.0;

/// The form's text fields, one signal each.
#[derive(Clone, Copy)]
struct Fields {
    domain: RwSignal<String>,
    title: RwSignal<String>,
    primary_color: RwSignal<String>,
    custom_css: RwSignal<String>,
    flow_authentication: RwSignal<String>,
    flow_invalidation: RwSignal<String>,
    flow_recovery: RwSignal<String>,
    flow_user_settings: RwSignal<String>,
    flow_device_code: RwSignal<String>,
    default_application: RwSignal<String>,
    /// One link a line: `name | https://…`.
    footer_links: RwSignal<String>,
    is_default: RwSignal<bool>,
}

impl Fields {
    fn new() -> Self {
        let s = || RwSignal::new(String::new());
        Self {
            domain: s(),
            title: s(),
            primary_color: s(),
            custom_css: s(),
            flow_authentication: s(),
            flow_invalidation: s(),
            flow_recovery: s(),
            flow_user_settings: s(),
            flow_device_code: s(),
            default_application: s(),
            footer_links: s(),
            is_default: RwSignal::new(false),
        }
    }

    fn load(&self, f: &BrandForm) {
        self.domain.set(f.domain.clone());
        self.title.set(f.title.clone());
        self.primary_color.set(f.primary_color.clone());
        self.custom_css.set(f.custom_css.clone());
        self.flow_authentication.set(f.flow_authentication.clone());
        self.flow_invalidation.set(f.flow_invalidation.clone());
        self.flow_recovery.set(f.flow_recovery.clone());
        self.flow_user_settings.set(f.flow_user_settings.clone());
        self.flow_device_code.set(f.flow_device_code.clone());
        self.default_application.set(f.default_application.clone());
        let links: Vec<String> = f
            .footer_links
            .iter()
            .map(|l| format!("{} | {}", l.name, l.href))
            .collect();
        self.footer_links.set(links.join("\n"));
        self.is_default.set(f.is_default);
    }

    fn form(&self) -> BrandForm {
        let footer_links = self
            .footer_links
            .get()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| match line.rsplit_once('|') {
                Some((name, href)) => FooterLink {
                    name: name.trim().to_string(),
                    href: href.trim().to_string(),
                },
                None => FooterLink {
                    name: String::new(),
                    href: line.trim().to_string(),
                },
            })
            .collect();
        BrandForm {
            domain: self.domain.get(),
            is_default: self.is_default.get(),
            title: self.title.get(),
            custom_css: self.custom_css.get(),
            primary_color: self.primary_color.get(),
            flow_authentication: self.flow_authentication.get(),
            flow_invalidation: self.flow_invalidation.get(),
            flow_recovery: self.flow_recovery.get(),
            flow_user_settings: self.flow_user_settings.get(),
            flow_device_code: self.flow_device_code.get(),
            default_application: self.default_application.get(),
            footer_links,
        }
    }
}

#[component]
pub fn AdminBrands() -> impl IntoView {
    let save = ServerAction::<AdminSaveBrand>::new();
    let delete = ServerAction::<AdminDeleteBrand>::new();
    let upload = ServerAction::<AdminUploadBrandImage>::new();
    let brands = Resource::new(
        move || {
            (
                save.version().get(),
                delete.version().get(),
                upload.version().get(),
            )
        },
        |_| admin_list_brands(),
    );
    let fields = Fields::new();
    fields.load(&BrandForm::default());
    // The brand being edited; an empty id while creating one.
    let editing = RwSignal::new(Brand::default());
    let errors = RwSignal::new(FieldErrors::new());
    let upload_errors = RwSignal::new(FieldErrors::new());
    on_saved(*save, errors, "Brand saved.", move |b: Brand| {
        editing.set(b);
    });
    on_saved(
        *upload,
        upload_errors,
        "Image uploaded.",
        move |b: Brand| {
            editing.set(b);
        },
    );
    on_saved(*delete, errors, "Brand deleted.", move |()| {});
    let start_new = move |_| {
        fields.load(&BrandForm::default());
        editing.set(Brand::default());
        errors.set(FieldErrors::new());
        upload_errors.set(FieldErrors::new());
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(AdminSaveBrand {
            id: editing.get_untracked().id,
            form: fields.form(),
        });
    };
    let is_default_error = Memo::new(move |_| errors.with(|e| e.get("is_default").cloned()));
    view! {
        <AdminShell title="Brands">
            <PageHeader title="Brands">
                <button type="button" id="brand-new" class=SECONDARY_CLASS on:click=start_new>"New brand"</button>
            </PageHeader>
            <p class="mb-4 max-w-3xl text-sm text-slate-500">
                "A brand is chosen by the host name a page is requested on: an exact match, else the longest domain the host ends in, else the default brand."
            </p>
            <form novalidate on:submit=submit class="mb-6 grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900">
                <h2 class="font-semibold sm:col-span-2">
                    {move || if editing.with(|b| b.id.is_empty()) { "New brand".to_string() } else { format!("Edit {}", editing.with(|b| b.form.domain.clone())) }}
                </h2>
                <TextInput form="brand" name="domain" label="Domain" value=fields.domain errors/>
                <TextInput form="brand" name="title" label="Title" value=fields.title errors/>
                <TextInput form="brand" name="primary_color" label="Primary colour (#rrggbb)" value=fields.primary_color errors/>
                <TextInput form="brand" name="default_application" label="Default application (slug)" value=fields.default_application errors/>
                <TextInput form="brand" name="flow_authentication" label="Authentication flow (slug)" value=fields.flow_authentication errors/>
                <TextInput form="brand" name="flow_invalidation" label="Invalidation flow (slug)" value=fields.flow_invalidation errors/>
                <TextInput form="brand" name="flow_recovery" label="Recovery flow (slug)" value=fields.flow_recovery errors/>
                <TextInput form="brand" name="flow_user_settings" label="User settings flow (slug)" value=fields.flow_user_settings errors/>
                <TextInput form="brand" name="flow_device_code" label="Device code flow (slug; empty: /device is off)" value=fields.flow_device_code errors/>
                <div class="sm:col-span-2">
                    <TextInput form="brand" name="footer_links" label="Footer links (one a line: name | https://…)" value=fields.footer_links errors multiline=true/>
                </div>
                <div class="sm:col-span-2">
                    <TextInput form="brand" name="custom_css" label="Custom CSS" value=fields.custom_css errors multiline=true/>
                </div>
                <div class="sm:col-span-2 space-y-1">
                    <Checkbox id="brand-is_default" label="Default brand (used when no domain matches)" value=fields.is_default/>
                    {move || is_default_error.get().map(|e| view! { <p id="brand-is_default-error" class="field-error text-sm text-red-600">{e}</p> })}
                </div>
                <div class="sm:col-span-2"><button type="submit" id="brand-save" class=BUTTON_CLASS>"Save"</button></div>
            </form>
            {move || {
                let brand = editing.get();
                (!brand.id.is_empty()).then(|| view! { <ImageUploads brand upload errors=upload_errors/> })
            }}
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match brands.await {
                        Ok(rows) => view! {
                            <ul id="brand-list" class="max-w-3xl divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                                {rows.into_iter().map(|b| {
                                    let id = b.id.clone();
                                    let for_edit = b.clone();
                                    let default = b.form.is_default;
                                    view! {
                                        <li class="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
                                            <span>
                                                <span class="font-medium">{b.form.domain.clone()}</span>
                                                {format!(" · {}", b.form.title)}
                                                {default.then(|| view! { <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs dark:bg-slate-800">"default"</span> })}
                                            </span>
                                            <span class="flex gap-2">
                                                <button type="button" class=SECONDARY_CLASS id=format!("brand-edit-{}", b.form.domain)
                                                    on:click=move |_| {
                                                        fields.load(&for_edit.form);
                                                        editing.set(for_edit.clone());
                                                        errors.set(FieldErrors::new());
                                                        upload_errors.set(FieldErrors::new());
                                                    }>"Edit"</button>
                                                {(!default).then(|| view! {
                                                    <ConfirmButton label="Delete" question="Delete this brand?"
                                                        on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeleteBrand { id: id.clone() }); })/>
                                                })}
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
        </AdminShell>
    }
}

/// File inputs for the logo, favicon and background of a saved brand; a chosen file is read
/// in the browser and sent as base64 right away.
#[component]
fn ImageUploads(
    brand: Brand,
    upload: ServerAction<AdminUploadBrandImage>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    view! {
        <section id="brand-images" class="mb-6 grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold sm:col-span-3">"Images (PNG, JPEG or SVG, at most 512 KiB)"</h2>
            {SLOTS.iter().map(|slot| {
                let slot = *slot;
                let current = match slot {
                    "logo" => brand.logo.clone(),
                    "favicon" => brand.favicon.clone(),
                    _ => brand.background.clone(),
                };
                let brand_id = brand.id.clone();
                let input_id = format!("brand-{slot}-file");
                let error_id = format!("brand-{slot}-error");
                let error = Memo::new(move |_| errors.with(|e| e.get(slot).cloned()));
                let on_change = move |ev: leptos::ev::Event| {
                    #[cfg(feature = "hydrate")]
                    read_and_upload(&ev, brand_id.clone(), slot, upload, errors);
                    #[cfg(not(feature = "hydrate"))]
                    let _ = (&ev, &brand_id, upload);
                };
                view! {
                    <div class="space-y-1">
                        <label for=input_id.clone() class="block text-sm font-medium capitalize text-slate-700 dark:text-slate-300">{slot}</label>
                        {Brand::media_url(&current).map(|src| view! {
                            <img id=format!("brand-{slot}-preview") src=src alt=slot class="max-h-12 max-w-full"/>
                        })}
                        <input id=input_id type="file" accept="image/png,image/jpeg,image/svg+xml" class="block w-full text-sm"
                            aria-describedby=error_id.clone() on:change=on_change/>
                        {move || error.get().map(|e| view! { <p id=error_id.clone() class="field-error text-sm text-red-600 dark:text-red-400">{e}</p> })}
                    </div>
                }
            }).collect_view()}
        </section>
    }
}

/// Reads the chosen file as a data URL (with the browser's FileReader, through js-sys so no
/// extra web-sys features are needed) and dispatches the upload.
#[cfg(feature = "hydrate")]
fn read_and_upload(
    ev: &leptos::ev::Event,
    brand_id: String,
    slot: &'static str,
    upload: ServerAction<AdminUploadBrandImage>,
    errors: RwSignal<FieldErrors>,
) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::JsValue;
    use wasm_bindgen::closure::Closure;
    use web_sys::js_sys::{Array, Function, Reflect, global};

    let get = |obj: &JsValue, key: &str| Reflect::get(obj, &JsValue::from_str(key)).ok();
    let Some(target) = ev.target() else {
        return;
    };
    let target: JsValue = target.into();
    let Some(file) = get(&target, "files")
        .and_then(|files| Reflect::get(&files, &JsValue::from(0)).ok())
        .filter(|f| !f.is_undefined() && !f.is_null())
    else {
        return;
    };
    let filename = get(&file, "name")
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    let size = get(&file, "size").and_then(|s| s.as_f64()).unwrap_or(0.0);
    if size > MAX_IMAGE {
        errors.update(|e| {
            e.insert(slot.into(), "The file is larger than 512 KiB.".into());
        });
        return;
    }
    let Some(reader) = get(&global(), "FileReader")
        .and_then(|c| c.dyn_into::<Function>().ok())
        .and_then(|ctor| Reflect::construct(&ctor, &Array::new()).ok())
    else {
        return;
    };
    let result_of = reader.clone();
    let on_load = Closure::once_into_js(move || {
        let data = Reflect::get(&result_of, &JsValue::from_str("result"))
            .ok()
            .and_then(|r| r.as_string())
            .unwrap_or_default();
        upload.dispatch(AdminUploadBrandImage {
            brand_id,
            slot: slot.to_string(),
            filename,
            data_base64: data,
        });
    });
    let _ = Reflect::set(&reader, &JsValue::from_str("onload"), &on_load);
    if let Some(read) = get(&reader, "readAsDataURL").and_then(|f| f.dyn_into::<Function>().ok()) {
        let _ = read.call1(&reader, &file);
    }
}
