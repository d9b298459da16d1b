//! What an admin pastes into a reverse proxy for a forward-auth proxy provider (authentik's
//! provider "Setup" tab): nginx, Traefik, Caddy and Envoy, filled in with the provider's hosts
//! and Ward's URL. Nothing typed is copied as is: every interpolated value is rebuilt from a
//! whitelist (http or https, a host of letters, digits, dots, dashes and underscores or an IP
//! address, a port number), so no setting can add a line, a quote, a `;` or a block.
use super::{ProxyMode, ProxySettings, bare_cookie_domain};

/// The path a reverse proxy forwards to Ward unchecked.
const OUTPOST: &str = "/outpost.goauthentik.io";

/// The headers Ward answers an allowed request with, as authentik names them.
const HEADERS: [&str; 12] = [
    "X-authentik-username",
    "X-authentik-groups",
    "X-authentik-entitlements",
    "X-authentik-email",
    "X-authentik-name",
    "X-authentik-uid",
    "X-authentik-jwt",
    "X-authentik-meta-jwks",
    "X-authentik-meta-outpost",
    "X-authentik-meta-provider",
    "X-authentik-meta-app",
    "X-authentik-meta-version",
];

/// The ones nginx hands the application (authentik's snippet).
const NGINX_HEADERS: [&str; 6] = ["username", "groups", "entitlements", "email", "name", "uid"];

/// Where the upstream goes when the provider names no internal host.
const PLACEHOLDER_UPSTREAM: &str = "http://app.internal:8080";

/// One configuration per reverse proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippets {
    pub nginx: String,
    pub traefik: String,
    pub caddy: String,
    pub envoy: String,
}

/// A setting that cannot be written into a configuration safely; names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "The {0} cannot be written into a reverse-proxy configuration: give a plain http(s) URL or domain name."
)]
pub struct Unsafe(pub &'static str);

/// What to tell an admin when there is nothing to paste.
pub const PROXY_MODE_NOTE: &str = "This provider is in proxy mode: Ward serves its external host itself and forwards to the internal host, so no reverse-proxy configuration is needed.";

/// An http(s) origin made only of safe characters.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    scheme: &'static str,
    /// A lower-case domain name, an IPv4 address, or an IPv6 address in brackets.
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn parse(text: &str) -> Option<Origin> {
        let text = text.trim();
        if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let u = url::Url::parse(text).ok()?;
        let scheme = match u.scheme() {
            "http" => "http",
            "https" => "https",
            _ => return None,
        };
        let host = match u.host()? {
            url::Host::Domain(d) => safe_domain(d)?,
            url::Host::Ipv4(a) => a.to_string(),
            url::Host::Ipv6(a) => format!("[{a}]"),
        };
        Some(Origin {
            scheme,
            host,
            port: u.port(),
        })
    }

    /// `scheme://host[:port]`.
    fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority())
    }

    fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    fn port_or_default(&self) -> u16 {
        self.port
            .unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    /// The host without IPv6 brackets (what a socket address takes).
    fn bare_host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }
}

/// `d` in lower case when it is dot-separated labels of letters, digits, `-` and `_`.
fn safe_domain(d: &str) -> Option<String> {
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    ok.then(|| d.to_ascii_lowercase())
}

/// A name for routers and virtual hosts: the host with every other character as `-`.
fn ident(host: &str) -> String {
    host.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// The hosts the configuration protects.
enum Protected {
    /// One application host.
    Single(Origin),
    /// Every host under a domain; sign-in happens at the external host.
    Domain { domain: String, signin: Origin },
}

struct Input {
    protected: Protected,
    ward: Origin,
    upstream: String,
}

/// The reverse-proxy configurations for a provider, with Ward reachable at `ward_url` (the
/// embedded outpost's `authentik_host`, else Ward's public URL). None in proxy mode, where
/// Ward serves the host itself (say [`PROXY_MODE_NOTE`]).
pub fn snippets(settings: &ProxySettings, ward_url: &str) -> Result<Option<Snippets>, Unsafe> {
    if settings.mode == ProxyMode::Proxy {
        return Ok(None);
    }
    let external = Origin::parse(&settings.external_host).ok_or(Unsafe("external host"))?;
    let ward = Origin::parse(ward_url).ok_or(Unsafe("Ward URL"))?;
    let upstream = if settings.internal_host.trim().is_empty() {
        PLACEHOLDER_UPSTREAM.to_string()
    } else {
        Origin::parse(&settings.internal_host)
            .ok_or(Unsafe("internal host"))?
            .url()
    };
    let protected = match settings.mode {
        ProxyMode::ForwardDomain => Protected::Domain {
            domain: safe_domain(&bare_cookie_domain(&settings.cookie_domain))
                .ok_or(Unsafe("cookie domain"))?,
            signin: external,
        },
        _ => Protected::Single(external),
    };
    let input = Input {
        protected,
        ward,
        upstream,
    };
    Ok(Some(Snippets {
        nginx: nginx(&input),
        traefik: traefik(&input),
        caddy: caddy(&input),
        envoy: envoy(&input),
    }))
}

fn what(p: &Protected) -> String {
    match p {
        Protected::Single(o) => o.host.clone(),
        Protected::Domain { domain, .. } => format!("every host under {domain}"),
    }
}

fn nginx(i: &Input) -> String {
    let (listen, server_name, signin) = match &i.protected {
        Protected::Single(o) => (o, o.host.clone(), String::new()),
        Protected::Domain { domain, signin } => (signin, format!(".{domain}"), signin.url()),
    };
    let listen = match listen.scheme {
        "https" => format!(
            "listen {} ssl;\n    # ssl_certificate and ssl_certificate_key here",
            listen.port_or_default()
        ),
        _ => format!("listen {};", listen.port_or_default()),
    };
    let ward = i.ward.url();
    let upstream = &i.upstream;
    let set: String = NGINX_HEADERS
        .iter()
        .map(|h| {
            format!("        auth_request_set $authentik_{h} $upstream_http_x_authentik_{h};\n")
        })
        .collect();
    let pass: String = NGINX_HEADERS
        .iter()
        .map(|h| format!("        proxy_set_header X-authentik-{h} $authentik_{h};\n"))
        .collect();
    format!(
        r#"# nginx: Ward forward auth for {what}.
# In the http block, once:
# upgrade WebSocket requests, otherwise keep the connection alive
map $http_upgrade $connection_upgrade_keepalive {{
    default upgrade;
    ''      '';
}}
# keep an explicit Host header, port included
map $http_host $ak_http_host {{
    default $http_host;
    ''      $host;
}}

server {{
    {listen}
    server_name {server_name};
    # room for the large headers Ward answers with
    proxy_buffers 8 16k;
    proxy_buffer_size 32k;

    location / {{
        # the application
        proxy_pass {upstream};
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade_keepalive;

        auth_request     {OUTPOST}/auth/nginx;
        error_page       401 = @goauthentik_proxy_signin;
        auth_request_set $auth_cookie $upstream_http_set_cookie;
        add_header       Set-Cookie $auth_cookie;

        # hand Ward's answer on to the application
{set}
{pass}    }}

    # the outpost paths reach Ward without signing in
    location {OUTPOST} {{
        proxy_pass              {ward}{OUTPOST};
        proxy_set_header        Host $ak_http_host;
        proxy_set_header        X-Original-URL $scheme://$ak_http_host$request_uri;
        add_header              Set-Cookie $auth_cookie;
        auth_request_set        $auth_cookie $upstream_http_set_cookie;
        proxy_pass_request_body off;
        proxy_set_header        Content-Length "";
    }}

    # not signed in (401 from auth/nginx): start signing in
    location @goauthentik_proxy_signin {{
        internal;
        add_header Set-Cookie $auth_cookie;
        return 302 {signin}{OUTPOST}/start?rd=$scheme://$ak_http_host$request_uri;
    }}
}}
"#,
        what = what(&i.protected),
    )
}

fn traefik(i: &Input) -> String {
    let (name, rule) = match &i.protected {
        Protected::Single(o) => (ident(&o.host), format!("Host(`{}`)", o.host)),
        Protected::Domain { domain, .. } => (
            ident(domain),
            format!(
                "Host(`{domain}`) || HostRegexp(`^[a-z0-9_-]+[.]{}$`)",
                domain.replace('.', "[.]")
            ),
        ),
    };
    let ward = i.ward.url();
    let headers = HEADERS.join(",");
    let note = match i.protected {
        Protected::Domain { .. } => "\n# (HostRegexp in Traefik v3 syntax.)",
        Protected::Single(_) => "",
    };
    format!(
        r#"# Traefik (Docker labels): Ward forward auth for {what}.{note}
# On the application's container:
labels:
  - "traefik.http.routers.{name}.rule={rule}"
  - "traefik.http.routers.{name}.middlewares=ward@docker"
  - "traefik.http.middlewares.ward.forwardauth.address={ward}{OUTPOST}/auth/traefik"
  - "traefik.http.middlewares.ward.forwardauth.trustForwardHeader=true"
  - "traefik.http.middlewares.ward.forwardauth.authResponseHeaders={headers}"

# On Ward's container: the outpost paths of the same hosts go to Ward.
labels:
  - "traefik.http.routers.{name}-outpost.rule=({rule}) && PathPrefix(`{OUTPOST}/`)"
  - "traefik.http.routers.{name}-outpost.priority=15"
"#,
        what = what(&i.protected),
    )
}

fn caddy(i: &Input) -> String {
    let site = match &i.protected {
        Protected::Single(o) => o.url(),
        Protected::Domain { domain, .. } => format!("{domain}, *.{domain}"),
    };
    let ward = i.ward.url();
    let upstream = &i.upstream;
    let headers = HEADERS
        .iter()
        .map(|h| caddy_case(h))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        r#"# Caddy: Ward forward auth for {what}.
{site} {{
	# directives run in the order written only inside route
	route {{
		# the outpost paths go to Ward
		reverse_proxy {OUTPOST}/* {ward}

		# ask Ward about every other request
		forward_auth {ward} {{
			uri {OUTPOST}/auth/caddy

			# Caddy copies the headers only with this capitalisation
			copy_headers {headers}

			# trusts X-Forwarded-* from private networks; better: only your proxy's address
			trusted_proxies private_ranges
		}}

		# the application
		reverse_proxy {upstream}
	}}
}}
"#,
        what = what(&i.protected),
    )
}

/// `X-authentik-meta-app` → `X-Authentik-Meta-App`.
fn caddy_case(h: &str) -> String {
    h.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn envoy(i: &Input) -> String {
    let (vhost, domains) = match &i.protected {
        Protected::Single(o) => (ident(&o.host), format!("\"{}\", \"{}:*\"", o.host, o.host)),
        Protected::Domain { domain, .. } => (
            ident(domain),
            format!("\"{domain}\", \"*.{domain}\", \"{domain}:*\", \"*.{domain}:*\""),
        ),
    };
    let ward = i.ward.url();
    let (ward_host, ward_port) = (i.ward.bare_host(), i.ward.port_or_default());
    let tls = if i.ward.scheme == "https" {
        format!(
            r#"
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        sni: {ward_host}"#
        )
    } else {
        String::new()
    };
    format!(
        r#"# Envoy (ext_authz over HTTP): Ward forward auth for {what}.
# In the listener's http_connection_manager (the "app" cluster is your application):
route_config:
  virtual_hosts:
    - name: {vhost}
      domains: [{domains}]
      routes:
        # the outpost paths go to Ward, unchecked
        - match: {{ prefix: "{OUTPOST}/" }}
          route: {{ cluster: ward }}
          typed_per_filter_config:
            envoy.filters.http.ext_authz:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
              disabled: true
        - match: {{ prefix: "/" }}
          route: {{ cluster: app }}
http_filters:
  - name: envoy.filters.http.ext_authz
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
      http_service:
        server_uri:
          uri: {ward}
          cluster: ward
          timeout: 5s
        path_prefix: {OUTPOST}/auth/envoy
        authorization_request:
          allowed_headers:
            patterns:
              - exact: cookie
              - exact: x-forwarded-proto
        authorization_response:
          allowed_upstream_headers:
            patterns:
              - prefix: x-authentik-
          allowed_client_headers_on_success:
            patterns:
              - exact: set-cookie
  - name: envoy.filters.http.router
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router

# In static_resources.clusters:
clusters:
  - name: ward
    type: STRICT_DNS
    load_assignment:
      cluster_name: ward
      endpoints:
        - lb_endpoints:
            - endpoint:
                address:
                  socket_address: {{ address: "{ward_host}", port_value: {ward_port} }}{tls}
"#,
        what = what(&i.protected),
    )
}

#[cfg(test)]
mod tests;
