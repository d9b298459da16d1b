//! authentik's proxy provider and outposts (forward auth for nginx, Traefik, Caddy and Envoy,
//! and reverse-proxy mode) under `/outpost.goauthentik.io/`. The provider's settings live in
//! `app::ssr::providers::proxy`; these modules are the pure protocol logic the endpoints use.
pub mod cookie;
pub mod forward_url;
pub mod host;
pub mod redirect;
pub mod skip_path;
