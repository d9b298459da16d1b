//! The Content-Security-Policy every HTML page carries. Scripts run only from Ward's own files
//! and, on pages Leptos renders, the inline hydration scripts that carry this response's nonce;
//! `'wasm-unsafe-eval'` lets the app's WebAssembly compile. Styles follow the same rule for
//! `<style>` elements (the brand's variables and custom CSS get the nonce); `style` attributes
//! stay allowed because a brand's background is one.
use axum::http::HeaderValue;

/// The policy for a page whose inline scripts and styles carry `nonce`; without one (pages not
/// rendered by Leptos: the API browser, the 403 page), no inline script runs at all.
pub fn policy(nonce: Option<&str>) -> String {
    let (scripts, styles) = match nonce {
        Some(n) => (
            format!("'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
            format!("'self' 'nonce-{n}'"),
        ),
        // Those pages are static strings written here, with their CSS inline.
        None => ("'self'".to_string(), "'self' 'unsafe-inline'".to_string()),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src {styles}; \
         style-src-attr 'unsafe-inline'; img-src 'self' https: data:; \
         font-src 'self' https: data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; frame-ancestors 'self'"
    )
}

/// Puts the policy for this render's nonce on the response (called from the shell, server side).
pub fn attach() {
    let nonce = leptos::nonce::use_nonce();
    let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&policy(nonce.as_deref())) {
        options.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or("")
    }

    #[test]
    fn scripts_need_the_nonce_and_never_inline() {
        let p = policy(Some("abc123"));
        let scripts = directive(&p, "script-src");
        assert_eq!(
            scripts,
            "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"
        );
        assert!(!scripts.contains("unsafe-inline"));
        assert_eq!(directive(&p, "frame-ancestors"), "frame-ancestors 'self'");
        assert_eq!(
            directive(&p, "style-src"),
            "style-src 'self' 'nonce-abc123'"
        );
    }

    #[test]
    fn pages_without_a_nonce_run_no_inline_script() {
        let p = policy(None);
        assert_eq!(directive(&p, "script-src"), "script-src 'self'");
        assert_eq!(directive(&p, "object-src"), "object-src 'none'");
    }
}
