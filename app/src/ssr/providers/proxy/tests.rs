//! The proxy provider's settings: defaults, derived OAuth2 client, field checks.
use super::*;
use crate::ssr::typed::normalize;
use serde_json::{Value, json};

const FLOW: &str = "00000000-0000-0000-0000-000000000001";

fn config(extra: Value) -> Value {
    let mut c = json!({
        "authorization_flow": FLOW,
        "invalidation_flow": FLOW,
        "external_host": "https://app.example.com",
        "internal_host": "http://app:8080",
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        c[k] = v;
    }
    c
}

#[test]
fn defaults_are_authentiks_and_redirect_uris_are_derived() {
    let c = normalize::<ProxySettings>(&config(json!({})), "provider").expect("valid");
    assert_eq!(c["mode"], "proxy");
    assert_eq!(c["internal_host_ssl_validation"], true);
    assert_eq!(c["intercept_header_auth"], true);
    assert_eq!(c["basic_auth_enabled"], false);
    assert_eq!(c["access_token_validity"], "hours=1");
    assert_eq!(c["refresh_token_validity"], "days=30");
    assert_eq!(c["cookie_domain"], "");
    assert_eq!(c["outpost_set"], json!([]));
    assert_eq!(
        c["redirect_uris"],
        json!([
            { "matching_mode": "strict", "redirect_uri_type": "authorization",
              "url": "https://app.example.com/outpost.goauthentik.io/callback?X-authentik-auth-callback=true" },
            { "matching_mode": "strict", "redirect_uri_type": "authorization",
              "url": "https://app.example.com?X-authentik-auth-callback=true" },
        ])
    );
    // What a client sends as read-only is replaced, not refused.
    let sent = config(json!({ "redirect_uris": "https://evil/", "outpost_set": ["x"] }));
    let c2 = normalize::<ProxySettings>(&sent, "provider").expect("valid");
    assert_eq!(c2["redirect_uris"], c["redirect_uris"]);
    assert_eq!(c2["outpost_set"], json!([]));
}

#[test]
fn the_oauth_side_is_a_confidential_hs256_client() {
    let c = normalize::<ProxySettings>(&config(json!({})), "provider").expect("valid");
    let s: ProxySettings = serde_json::from_value(c).expect("settings");
    let o = s.oauth2_settings();
    assert_eq!(o.client_type, "confidential");
    assert!(o.signing_key.is_none());
    assert!(o.include_claims_in_id_token);
    assert!(o.grant_types.iter().any(|g| g == "authorization_code"));
    assert!(super::super::redirect_uris::allowed(
        &o.redirect_uris,
        "authorization",
        "https://app.example.com/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
    ));
    // The OAuth2 type accepts what the proxy derives.
    let o = serde_json::to_value(&o).expect("json");
    normalize::<OAuth2Settings>(&o, "provider").expect("a valid OAuth2 client");
}

#[test]
fn each_wrong_setting_is_named() {
    for (field, extra) in [
        ("mode", json!({ "mode": "forward" })),
        ("external_host", json!({ "external_host": "" })),
        (
            "external_host",
            json!({ "external_host": "app.example.com" }),
        ),
        (
            "external_host",
            json!({ "external_host": "ftp://app.example.com" }),
        ),
        (
            "external_host",
            json!({ "external_host": "https://app.example.com/app" }),
        ),
        (
            "external_host",
            json!({ "external_host": "https://app.example.com/?a=1" }),
        ),
        (
            "external_host",
            json!({ "external_host": "https://u:p@app.example.com" }),
        ),
        ("internal_host", json!({ "internal_host": "" })),
        (
            "internal_host",
            json!({ "internal_host": "javascript:alert(1)" }),
        ),
        (
            "cookie_domain",
            json!({ "mode": "forward_domain", "internal_host": "" }),
        ),
        ("cookie_domain", json!({ "cookie_domain": "other.com" })),
        ("cookie_domain", json!({ "cookie_domain": "ample.com" })),
        ("cookie_domain", json!({ "cookie_domain": "exa mple.com" })),
        ("skip_path_regex", json!({ "skip_path_regex": "^/ok\n(" })),
        ("basic_auth_enabled", json!({ "basic_auth_enabled": true })),
        (
            "access_token_validity",
            json!({ "access_token_validity": "seconds=0" }),
        ),
        (
            "refresh_token_validity",
            json!({ "refresh_token_validity": "soon" }),
        ),
        ("certificate", json!({ "certificate": "nope" })),
        (
            "jwt_federation_sources",
            json!({ "jwt_federation_sources": [FLOW] }),
        ),
        (
            "internal_host_ssl_validation",
            json!({ "internal_host_ssl_validation": "yes" }),
        ),
        ("colour", json!({ "colour": "blue" })),
    ] {
        let errors =
            normalize::<ProxySettings>(&config(extra.clone()), "provider").expect_err(field);
        assert!(errors.contains_key(field), "{extra}: {errors:?}");
    }
}

#[test]
fn forward_modes_need_no_internal_host_and_domains_take_a_leading_dot() {
    normalize::<ProxySettings>(
        &config(json!({ "mode": "forward_single", "internal_host": "" })),
        "provider",
    )
    .expect("forward_single");
    for domain in ["example.com", ".example.com", "EXAMPLE.com"] {
        normalize::<ProxySettings>(
            &config(json!({ "mode": "forward_domain", "internal_host": "",
                            "external_host": "https://auth.example.com", "cookie_domain": domain })),
            "provider",
        )
        .expect(domain);
    }
}

#[test]
fn hosts_are_under_a_domain_only_at_a_dot() {
    assert!(host_is_under("example.com", "example.com"));
    assert!(host_is_under("a.b.Example.com", "example.com"));
    assert!(!host_is_under("badexample.com", "example.com"));
    assert!(!host_is_under("example.com.evil", "example.com"));
    assert!(!host_is_under("example.com", ""));
}

proptest::proptest! {
    #[test]
    fn garbage_settings_are_field_errors_not_panics(raw in ".{0,200}", mode in 0..3usize) {
        let mode = ["proxy", "forward_single", "forward_domain"][mode];
        for field in ["external_host", "internal_host", "cookie_domain", "skip_path_regex"] {
            let _ = normalize::<ProxySettings>(
                &config(json!({ "mode": mode, field: raw.clone() })),
                "provider",
            );
        }
        if let Ok(value) = serde_json::from_str::<Value>(&raw) {
            let _ = normalize::<ProxySettings>(&value, "provider");
        }
    }
}
