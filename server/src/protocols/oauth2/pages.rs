//! The few HTML pages the OAuth2 endpoints answer with themselves: an error that must not go
//! back to an untrusted redirect URI, and the `form_post` response mode's self-submitting form
//! (its button works without JavaScript).
use app::ssr::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rand::RngCore;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(state: &AppState, title: &str, body: &str, script_nonce: Option<&str>) -> String {
    let css = crate::assets::stylesheet_href(&state.leptos_options);
    let script = script_nonce.map_or(String::new(), |n| {
        format!(r#"<script nonce="{n}">document.getElementById("post").submit();</script>"#)
    });
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} – Ward</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="{css}"></head>
<body class="min-h-screen bg-slate-100 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
<main class="mx-auto flex min-h-screen max-w-md flex-col items-center justify-center gap-3 p-6 text-center">
{body}</main>{script}</body></html>"#,
        title = escape(title),
    )
}

/// An error shown on Ward's own page (the request named no trusted redirect URI).
pub fn error(state: &AppState, status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        r#"<h1 class="text-xl font-semibold">{}</h1><p id="oauth-error">{}</p>"#,
        escape(title),
        escape(message)
    );
    page_response(state, status, title, &body)
}

/// A page of Ward's with `body` (already escaped HTML), never cached.
pub fn page_response(state: &AppState, status: StatusCode, title: &str, body: &str) -> Response {
    let mut res = (status, Html(page(state, title, body, None))).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Posts `params` to `to` (OAuth 2.0 Form Post Response Mode).
pub fn form_post(state: &AppState, to: &str, params: &[(&str, String)]) -> Response {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = hex::encode(bytes);
    let inputs: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(k),
                escape(v)
            )
        })
        .collect();
    let body = format!(
        r#"<form id="post" method="post" action="{}">{inputs}<p>Signing you in…</p>
<button type="submit" class="mt-3 rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white">Continue</button></form>"#,
        escape(to)
    );
    let mut res = Html(page(state, "Redirecting", &body, Some(&nonce))).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&app::ssr::csp::policy(Some(&nonce))) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}
