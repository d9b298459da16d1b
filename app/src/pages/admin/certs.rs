//! Admin → System → Certificates: certificate-key pairs (authentik's "Certificates" screen).
//! Generate a self-signed pair, import PEMs, download a certificate, delete. Private keys never
//! reach this page: the list carries only whether a pair has one.
use crate::api::admin::certs::{
    AdminDeleteCert, AdminGenerateCert, AdminImportCert, admin_list_certs,
};
use crate::components::admin_shell::{AdminShell, PageHeader};
use crate::components::confirm::ConfirmButton;
use crate::components::form::{on_done, on_saved};
use crate::components::inputs::{BUTTON_CLASS, INPUT_CLASS, SECONDARY_CLASS, TextInput};
use crate::components::toast::error_text;
use crate::types::certs::{CertRow, GenerateForm, ImportForm};
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// Certificates expiring within this many days are shown in red.
const WARN_DAYS: i64 = 30;

const FORM_CLASS: &str = "grid gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 dark:border-slate-800 dark:bg-slate-900";

/// The download route (authentik's path); `?download` makes it an attachment.
pub fn download_href(id: &str) -> String {
    format!("/api/v3/crypto/certificatekeypairs/{id}/view_certificate/?download")
}

#[component]
pub fn AdminCerts() -> impl IntoView {
    let generate = ServerAction::<AdminGenerateCert>::new();
    let import = ServerAction::<AdminImportCert>::new();
    let delete = ServerAction::<AdminDeleteCert>::new();
    let certs = Resource::new(
        move || {
            (
                generate.version().get(),
                import.version().get(),
                delete.version().get(),
            )
        },
        |_| admin_list_certs(),
    );
    on_done(*delete, "Certificate deleted.");
    view! {
        <AdminShell title="Certificates">
            <PageHeader title="Certificates"/>
            <div class="mb-6 grid gap-6 xl:grid-cols-2">
                <GenerateCert action=generate/>
                <ImportCert action=import/>
            </div>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match certs.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p id="certs-empty" class="rounded-lg border border-dashed border-slate-300 p-6 text-center text-slate-500 dark:border-slate-700">
                                "No certificates yet. Generate one or import a PEM above."
                            </p>
                        }.into_any(),
                        Ok(rows) => view! { <CertTable rows delete/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-red-600">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </AdminShell>
    }
}

#[component]
fn CertTable(rows: Vec<CertRow>, delete: ServerAction<AdminDeleteCert>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table id="certs" class="min-w-full text-sm">
                <thead class="border-b border-slate-200 text-left dark:border-slate-800">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Name"</th>
                        <th scope="col" class="px-3 py-2">"Subject"</th>
                        <th scope="col" class="px-3 py-2">"Alternative names"</th>
                        <th scope="col" class="px-3 py-2">"Key type"</th>
                        <th scope="col" class="px-3 py-2">"Fingerprint (SHA-256)"</th>
                        <th scope="col" class="px-3 py-2">"Expires"</th>
                        <th scope="col" class="px-3 py-2"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|c| view! { <CertRowView cert=c delete/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CertRowView(cert: CertRow, delete: ServerAction<AdminDeleteCert>) -> impl IntoView {
    let id = cert.id.clone();
    let href = download_href(&cert.id);
    let sans = if cert.sans.is_empty() {
        "—".to_string()
    } else {
        cert.sans.join(", ")
    };
    let expiry_class = if cert.expires_in_days <= WARN_DAYS {
        "text-xs font-medium text-red-600 dark:text-red-400"
    } else {
        "text-xs text-slate-500"
    };
    let badge = if cert.has_key {
        view! { <span class="cert-has-key ml-2 inline-block whitespace-nowrap rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300">"has key"</span> }.into_any()
    } else {
        view! { <span class="ml-2 inline-block whitespace-nowrap rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">"certificate only"</span> }.into_any()
    };
    let question = format!("Delete \"{}\"?", cert.name);
    let row_key = cert.name.clone();
    let fingerprint_title = colon_hex(&cert.fingerprint_sha256);
    let fingerprint = short_fingerprint(&cert.fingerprint_sha256);
    let key_type = key_type_label(&cert.key_type);
    let expires_on = date(&cert.not_after);
    view! {
        <tr class="border-b border-slate-100 align-top last:border-0 dark:border-slate-800" data-cert=row_key>
            <td class="px-3 py-2"><span class="font-medium">{cert.name}</span>{badge}</td>
            <td class="max-w-xs break-words px-3 py-2">{cert.subject}</td>
            <td class="max-w-xs break-words px-3 py-2">{sans}</td>
            <td class="whitespace-nowrap px-3 py-2">{key_type}</td>
            <td class="whitespace-nowrap px-3 py-2 font-mono text-xs" title=fingerprint_title>
                {fingerprint}
            </td>
            <td class="whitespace-nowrap px-3 py-2">
                <div>{expires_on}</div>
                <div class=expiry_class>{expiry_text(cert.expires_in_days)}</div>
            </td>
            <td class="px-3 py-2">
                <div class="flex flex-wrap items-center justify-end gap-2">
                    <a href=href download class=format!("cert-download whitespace-nowrap {SECONDARY_CLASS}")>"Download certificate"</a>
                    <ConfirmButton label="Delete" question
                        on_confirm=Callback::new(move |_| { delete.dispatch(AdminDeleteCert { id: id.clone() }); })/>
                </div>
            </td>
        </tr>
    }
}

#[component]
fn GenerateCert(action: ServerAction<AdminGenerateCert>) -> impl IntoView {
    let (name, common_name, sans) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let algorithm = RwSignal::new("ec_p256".to_string());
    let validity = RwSignal::new("365".to_string());
    let errors = RwSignal::new(FieldErrors::new());
    on_saved(*action, errors, "Certificate generated.", move |_| {
        name.set(String::new());
        common_name.set(String::new());
        sans.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(AdminGenerateCert {
            form: GenerateForm {
                name: name.get(),
                algorithm: algorithm.get(),
                common_name: common_name.get(),
                sans: sans.get(),
                // Not a number: sent as 0, which the server reports beside the field.
                validity_days: validity.get().trim().parse().unwrap_or(0),
            },
        });
    };
    let algorithm_error = Memo::new(move |_| errors.with(|e| e.get("algorithm").cloned()));
    view! {
        <form id="cert-generate" novalidate on:submit=submit class=FORM_CLASS>
            <h2 class="text-lg font-semibold sm:col-span-2">"Generate a self-signed certificate"</h2>
            <TextInput form="cert-generate" name="name" label="Name" value=name errors/>
            <div class="space-y-1">
                <label for="cert-generate-algorithm" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Key algorithm"</label>
                <select id="cert-generate-algorithm" class=INPUT_CLASS aria-describedby="cert-generate-algorithm-error"
                    prop:value=move || algorithm.get() on:change=move |ev| algorithm.set(event_target_value(&ev))>
                    <option value="rsa2048">"RSA 2048"</option>
                    <option value="rsa4096">"RSA 4096 (slow to generate)"</option>
                    <option value="ec_p256" selected=true>"EC P-256"</option>
                    <option value="ec_p384">"EC P-384"</option>
                    <option value="ed25519">"Ed25519"</option>
                </select>
                {move || algorithm_error.get().map(|e| view! { <p id="cert-generate-algorithm-error" class="field-error text-sm text-red-600 dark:text-red-400">{e}</p> })}
            </div>
            <TextInput form="cert-generate" name="common_name" label="Common name" value=common_name errors/>
            <TextInput form="cert-generate" name="validity_days" label="Valid for (days)" kind="number" value=validity errors/>
            <div class="sm:col-span-2">
                <TextInput form="cert-generate" name="sans" label="Subject alternative names (DNS names or IP addresses, one a line or comma-separated)" multiline=true value=sans errors/>
            </div>
            <div class="sm:col-span-2">
                <button type="submit" id="cert-generate-submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Generating…" } else { "Generate" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn ImportCert(action: ServerAction<AdminImportCert>) -> impl IntoView {
    let (name, certificate, key) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let errors = RwSignal::new(FieldErrors::new());
    on_saved(*action, errors, "Certificate imported.", move |_| {
        name.set(String::new());
        certificate.set(String::new());
        // The key is cleared from the page as soon as the server has it.
        key.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(AdminImportCert {
            form: ImportForm {
                name: name.get(),
                certificate: certificate.get(),
                key: key.get(),
            },
        });
    };
    view! {
        <form id="cert-import" novalidate on:submit=submit class=FORM_CLASS>
            <h2 class="text-lg font-semibold sm:col-span-2">"Import a certificate"</h2>
            <div class="sm:col-span-2">
                <TextInput form="cert-import" name="name" label="Name" value=name errors/>
            </div>
            <div class="sm:col-span-2">
                <TextInput form="cert-import" name="certificate" label="Certificate (PEM; a chain starts with the leaf)" multiline=true value=certificate errors/>
            </div>
            <div class="sm:col-span-2">
                <TextInput form="cert-import" name="key" label="Private key (PEM, optional)" multiline=true value=key errors/>
            </div>
            <div class="sm:col-span-2">
                <button type="submit" id="cert-import-submit" class=BUTTON_CLASS disabled=move || action.pending().get()>"Import"</button>
            </div>
        </form>
    }
}

fn key_type_label(key_type: &str) -> String {
    match key_type {
        "rsa2048" => "RSA 2048",
        "rsa4096" => "RSA 4096",
        "rsa" => "RSA",
        "ec_p256" => "EC P-256",
        "ec_p384" => "EC P-384",
        "ec" => "EC",
        "ed25519" => "Ed25519",
        other => other,
    }
    .to_string()
}

/// "AB:CD:…" for a lowercase hex string.
fn colon_hex(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(":")
}

/// The first eight bytes, enough to tell pairs apart; the whole one is in the title.
fn short_fingerprint(hex: &str) -> String {
    let short: String = hex.chars().take(16).collect();
    if short.len() < hex.len() {
        format!("{}…", colon_hex(&short))
    } else {
        colon_hex(&short)
    }
}

/// The date of an RFC 3339 timestamp.
fn date(rfc3339: &str) -> String {
    rfc3339.chars().take(10).collect()
}

fn expiry_text(days: i64) -> String {
    match days {
        d if d < -1 => format!("expired {} days ago", -d),
        -1 => "expired yesterday".into(),
        0 => "expires today".into(),
        1 => "expires in 1 day".into(),
        d => format!("expires in {d} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_shortened() {
        let hex = "ab".repeat(32);
        assert_eq!(short_fingerprint(&hex), "AB:AB:AB:AB:AB:AB:AB:AB…");
        assert_eq!(colon_hex("0a1b"), "0A:1B");
        assert_eq!(short_fingerprint("0a1b"), "0A:1B");
    }

    #[test]
    fn expiry_reads_naturally() {
        assert_eq!(expiry_text(365), "expires in 365 days");
        assert_eq!(expiry_text(1), "expires in 1 day");
        assert_eq!(expiry_text(0), "expires today");
        assert_eq!(expiry_text(-1), "expired yesterday");
        assert_eq!(expiry_text(-3), "expired 3 days ago");
        assert_eq!(date("2030-01-02T03:04:05Z"), "2030-01-02");
    }
}
