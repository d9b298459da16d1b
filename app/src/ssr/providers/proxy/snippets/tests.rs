use super::*;
use proptest::prelude::*;

fn settings(mode: ProxyMode, external: &str, cookie_domain: &str, internal: &str) -> ProxySettings {
    serde_json::from_value(serde_json::json!({
        "external_host": external,
        "cookie_domain": cookie_domain,
        "internal_host": internal,
        "mode": mode,
    }))
    .expect("settings")
}

fn single() -> Snippets {
    snippets(
        &settings(
            ProxyMode::ForwardSingle,
            "https://app.example.com",
            "",
            "http://app:8000/ignored",
        ),
        "http://ward:9000/",
    )
    .expect("safe")
    .expect("some")
}

#[test]
fn proxy_mode_has_nothing_to_paste() {
    let s = settings(
        ProxyMode::Proxy,
        "https://app.example.com",
        "",
        "http://app",
    );
    assert_eq!(snippets(&s, "http://ward:9000"), Ok(None));
}

#[test]
fn nginx_is_authentiks_standalone_snippet_with_the_providers_hosts() {
    let nginx = single().nginx;
    for expected in [
        "map $http_host $ak_http_host {\n    default $http_host;\n    ''      $host;\n}",
        "    listen 443 ssl;\n",
        "    server_name app.example.com;\n",
        "        proxy_pass http://app:8000;\n",
        "        auth_request     /outpost.goauthentik.io/auth/nginx;\n",
        "        error_page       401 = @goauthentik_proxy_signin;\n",
        "        auth_request_set $authentik_entitlements $upstream_http_x_authentik_entitlements;\n",
        "        proxy_set_header X-authentik-uid $authentik_uid;\n",
        "    location /outpost.goauthentik.io {\n        proxy_pass              http://ward:9000/outpost.goauthentik.io;\n        proxy_set_header        Host $ak_http_host;\n        proxy_set_header        X-Original-URL $scheme://$ak_http_host$request_uri;\n        add_header              Set-Cookie $auth_cookie;\n        auth_request_set        $auth_cookie $upstream_http_set_cookie;\n        proxy_pass_request_body off;\n        proxy_set_header        Content-Length \"\";\n    }\n",
        "        return 302 /outpost.goauthentik.io/start?rd=$scheme://$ak_http_host$request_uri;\n",
    ] {
        assert!(nginx.contains(expected), "{expected}\n---\n{nginx}");
    }
    for h in NGINX_HEADERS {
        assert!(nginx.contains(&format!("auth_request_set $authentik_{h} ")));
    }
}

#[test]
fn traefik_caddy_and_envoy_name_wards_endpoints() {
    let s = single();
    assert!(s.traefik.contains(
        "  - \"traefik.http.middlewares.ward.forwardauth.address=http://ward:9000/outpost.goauthentik.io/auth/traefik\"\n"
    ));
    assert!(
        s.traefik
            .contains("forwardauth.trustForwardHeader=true\"\n")
    );
    assert!(s.traefik.contains(
        "authResponseHeaders=X-authentik-username,X-authentik-groups,X-authentik-entitlements,"
    ));
    assert!(
        s.traefik
            .contains("traefik.http.routers.app-example-com.rule=Host(`app.example.com`)\"")
    );
    let caddy_route = "https://app.example.com {\n\t# directives run in the order written only inside route\n\troute {\n\t\t# the outpost paths go to Ward\n\t\treverse_proxy /outpost.goauthentik.io/* http://ward:9000\n\n\t\t# ask Ward about every other request\n\t\tforward_auth http://ward:9000 {\n\t\t\turi /outpost.goauthentik.io/auth/caddy\n";
    assert!(s.caddy.contains(caddy_route), "{}", s.caddy);
    assert!(s.caddy.contains("copy_headers X-Authentik-Username X-Authentik-Groups X-Authentik-Entitlements X-Authentik-Email X-Authentik-Name X-Authentik-Uid X-Authentik-Jwt X-Authentik-Meta-Jwks X-Authentik-Meta-Outpost X-Authentik-Meta-Provider X-Authentik-Meta-App X-Authentik-Meta-Version\n"));
    assert!(s.caddy.contains("trusted_proxies private_ranges\n"));
    assert!(s.envoy.contains("          uri: http://ward:9000\n"));
    assert!(
        s.envoy
            .contains("        path_prefix: /outpost.goauthentik.io/auth/envoy\n")
    );
    assert!(s.envoy.contains("              - prefix: x-authentik-\n"));
    assert!(
        s.envoy
            .contains("domains: [\"app.example.com\", \"app.example.com:*\"]")
    );
    assert!(!s.envoy.contains("UpstreamTlsContext"));
}

#[test]
fn domain_mode_covers_the_domain_and_signs_in_at_the_external_host() {
    let s = snippets(
        &settings(
            ProxyMode::ForwardDomain,
            "https://auth.example.com:8443",
            ".Example.com",
            "",
        ),
        "https://ward.example.com",
    )
    .expect("safe")
    .expect("some");
    assert!(s.nginx.contains("    server_name .example.com;\n"));
    assert!(s.nginx.contains("    listen 8443 ssl;\n"));
    assert!(
        s.nginx
            .contains(&format!("proxy_pass {PLACEHOLDER_UPSTREAM};"))
    );
    assert!(
        s.nginx
            .contains("return 302 https://auth.example.com:8443/outpost.goauthentik.io/start?rd=")
    );
    assert!(s.caddy.contains("\nexample.com, *.example.com {\n"));
    assert!(
        s.traefik
            .contains("HostRegexp(`^[a-z0-9_-]+[.]example[.]com$`)")
    );
    assert!(s.envoy.contains("sni: ward.example.com"));
    assert!(s.envoy.contains("port_value: 443"));
}

#[test]
fn values_that_would_break_a_configuration_are_refused() {
    let ok = "https://app.example.com";
    for (external, cookie, internal, ward, field) in [
        (
            "https://a;b.example.com",
            "",
            "",
            "http://w",
            "external host",
        ),
        (
            "https://a{b}.example.com",
            "",
            "",
            "http://w",
            "external host",
        ),
        (
            "https://a\"b.example.com",
            "",
            "",
            "http://w",
            "external host",
        ),
        (
            "https://a$b.example.com",
            "",
            "",
            "http://w",
            "external host",
        ),
        (
            "https://app.example.com\nlocation / {",
            "",
            "",
            "http://w",
            "external host",
        ),
        ("ftp://app.example.com", "", "", "http://w", "external host"),
        (ok, "", "http://x;y", "http://w", "internal host"),
        (ok, "", "", "http://w}", "Ward URL"),
        (ok, "", "", "", "Ward URL"),
        (ok, "", "", "javascript:alert(1)", "Ward URL"),
    ] {
        let s = settings(ProxyMode::ForwardSingle, external, cookie, internal);
        assert_eq!(
            snippets(&s, ward),
            Err(Unsafe(field)),
            "{external} {internal} {ward}"
        );
    }
    let s = settings(ProxyMode::ForwardDomain, ok, "example.com;", "");
    assert_eq!(snippets(&s, "http://w"), Err(Unsafe("cookie domain")));
    let s = settings(ProxyMode::ForwardDomain, ok, "", "");
    assert_eq!(snippets(&s, "http://w"), Err(Unsafe("cookie domain")));
}

#[test]
fn ip_hosts_and_case_are_normalised() {
    let s = snippets(
        &settings(
            ProxyMode::ForwardSingle,
            "http://APP.Example.com:8080",
            "",
            "http://[::1]:3000",
        ),
        "http://127.0.0.1:9000",
    )
    .expect("safe")
    .expect("some");
    assert!(s.nginx.contains("    server_name app.example.com;\n"));
    assert!(s.nginx.contains("    listen 8080;\n"));
    assert!(s.nginx.contains("proxy_pass http://[::1]:3000;"));
    assert!(s.envoy.contains("address: \"127.0.0.1\", port_value: 9000"));
    assert!(s.caddy.contains("\nhttp://app.example.com:8080 {\n"));
}

fn mode() -> impl Strategy<Value = ProxyMode> {
    prop_oneof![
        Just(ProxyMode::Proxy),
        Just(ProxyMode::ForwardSingle),
        Just(ProxyMode::ForwardDomain),
    ]
}

/// Text that is often almost a URL: a valid prefix with garbage, or plain garbage.
fn urlish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z:/.;{}\"'$`\n\r\\\\ #@\\[\\]-]{0,40}",
        "[a-zA-Z0-9.;{}\"'$\n\r -]{0,30}".prop_map(|s| format!("https://{s}")),
        "[a-zA-Z0-9.;{}\"'$\n\r -]{0,30}".prop_map(|s| format!("http://app.example.com{s}")),
    ]
}

proptest! {
    #[test]
    fn garbage_never_panics_nor_injects(
        mode in mode(),
        external in urlish(),
        cookie in "[a-zA-Z0-9.;{}\"'$\n -]{0,20}",
        internal in urlish(),
        ward in urlish(),
    ) {
        let s = settings(mode, &external, &cookie, &internal);
        if let Ok(Some(out)) = snippets(&s, &ward) {
            let baseline = single();
            for (text, base) in [
                (&out.nginx, &baseline.nginx),
                (&out.traefik, &baseline.traefik),
                (&out.caddy, &baseline.caddy),
                (&out.envoy, &baseline.envoy),
            ] {
                // The same shape whatever went in: as many lines and structural characters
                // as the fixed template gives (give or take the lines the mode/TLS add).
                for c in [';', '{', '}', '"', '$', '`', '\''] {
                    let n = |t: &str| t.matches(c).count();
                    prop_assert!(n(text) <= n(base) + 12, "{c} in {text}");
                }
                for value in [&external, &cookie, &internal, &ward] {
                    for line in value.lines().skip(1) {
                        let line = line.trim();
                        if line.len() > 3 {
                            prop_assert!(!text.lines().any(|l| l.trim() == line), "{line:?} in {text}");
                        }
                    }
                }
                prop_assert!(text.chars().all(|c| c == '\n' || c == '\t' || !c.is_control()));
            }
            // The host nginx serves is made of the whitelist only.
            for l in out.nginx.lines().filter_map(|l| l.trim().strip_prefix("server_name ")) {
                prop_assert!(l.trim_end_matches(';').chars().all(|c| c.is_ascii_alphanumeric() || "._-:[]".contains(c)), "{l}");
            }
        }
    }
}
