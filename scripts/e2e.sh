#!/usr/bin/env bash
# Starts the release build of Ward on a free port with a fresh embedded database and runs the
# Playwright suite against it in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/ward-e2e.XXXXXX)
chmod 755 "$dir"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
# Every helper started below, by its pid; cleanup stops them all.
sink='' rp='' echo_app='' pid='' nginx=''
cleanup() {
  for p in "$sink" "$rp" "$echo_app" "$pid" "$nginx"; do
    [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
  done
  for p in "$pid" "$nginx"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT
# The SMTP sink the email test reads from.
mkdir -p "$dir/mail"
# The blueprint the blueprints test finds applied (end2end/tests/09-blueprints.spec.ts).
mkdir -p "$dir/blueprints"
cat >"$dir/blueprints/e2e-blueprint.yaml" <<'YAML'
version: 1
metadata:
  name: e2e-blueprint
entries:
  - model: authentik_core.group
    identifiers: { name: e2e-blueprint-group }
YAML
node end2end/smtp-sink.mjs "$dir/mail" >"$dir/sink.port" &
sink=$!
for _ in $(seq 1 50); do [ -s "$dir/sink.port" ] && break; sleep 0.1; done
# The relying party the OIDC test signs in to (end2end/tests/15-oidc.spec.ts), and its provider
# and application, from a blueprint as an authentik user would write them.
rp_secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
node end2end/rp/rp.mjs "http://127.0.0.1:$port" e2e-rp "$rp_secret" >"$dir/rp.port" &
rp=$!
for _ in $(seq 1 50); do [ -s "$dir/rp.port" ] && break; sleep 0.1; done
cat >"$dir/blueprints/e2e-oidc.yaml" <<YAML
version: 1
metadata:
  name: e2e-oidc
entries:
  - model: authentik_providers_oauth2.oauth2provider
    id: provider
    identifiers: { name: e2e-rp }
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-explicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      client_id: e2e-rp
      client_secret: $rp_secret
      redirect_uris:
        - { matching_mode: strict, url: "http://127.0.0.1:$(cat "$dir/rp.port")/callback" }
  - model: authentik_core.application
    identifiers: { slug: e2e-rp }
    attrs: { name: E2E Relying Party, provider: !KeyOf provider, meta_description: Shows its ID token }
YAML
# The application the forward-auth test signs in to (end2end/tests/16-forward-auth.spec.ts):
# an echo app behind Debian's nginx, which asks Ward's embedded outpost with authentik's
# nginx snippet (as SWAG has it; server/tests/api/proxy_peers.rs runs the same). Its proxy
# provider, application and the embedded outpost's assignment come from a blueprint.
node end2end/echo.mjs >"$dir/echo.port" &
echo_app=$!
for _ in $(seq 1 50); do [ -s "$dir/echo.port" ] && break; sleep 0.1; done
nginx_port=$(free_port)
cat >"$dir/blueprints/e2e-proxy.yaml" <<YAML
version: 1
metadata:
  name: e2e-proxy
entries:
  - model: authentik_providers_proxy.proxyprovider
    id: provider
    identifiers: { name: e2e-forward-auth }
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      mode: forward_single
      external_host: http://127.0.0.1:$nginx_port
  - model: authentik_core.application
    identifiers: { slug: e2e-echo }
    attrs: { name: E2E Echo, provider: !KeyOf provider, meta_description: Shows what nginx passed on }
  # Browsers sign in at Ward's own address (its public URL default says localhost).
  - model: authentik_outposts.outpost
    identifiers: { managed: goauthentik.io/outposts/embedded }
    attrs:
      providers: [!KeyOf provider]
      config:
        authentik_host: "http://127.0.0.1:$port/"
        authentik_host_insecure: false
        log_level: info
        refresh_interval: minutes=5
        object_naming_template: "ak-outpost-%(name)s"
YAML
# nginx runs from a prefix directory of its own: config, pid, logs and temp files in there.
mkdir -p "$dir/nginx"
cat >"$dir/nginx/nginx.conf" <<NGINX
daemon off;
master_process off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log info;
events { worker_connections 256; }
http {
    access_log $dir/nginx/access.log;
    client_body_temp_path $dir/nginx/client_body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;

    # authentik's nginx snippet from here on.
    map \$http_upgrade \$connection_upgrade_keepalive {
        default upgrade;
        ''      '';
    }
    map \$http_host \$ak_http_host {
        default \$http_host;
        ''      \$host;
    }
    server {
        listen 127.0.0.1:$nginx_port;
        proxy_buffers 8 16k;
        proxy_buffer_size 32k;

        location / {
            proxy_pass http://127.0.0.1:$(cat "$dir/echo.port");
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade_keepalive;

            auth_request     /outpost.goauthentik.io/auth/nginx;
            error_page       401 = @goauthentik_proxy_signin;
            auth_request_set \$auth_cookie \$upstream_http_set_cookie;
            add_header       Set-Cookie \$auth_cookie;

            auth_request_set \$authentik_username \$upstream_http_x_authentik_username;
            auth_request_set \$authentik_groups \$upstream_http_x_authentik_groups;
            auth_request_set \$authentik_entitlements \$upstream_http_x_authentik_entitlements;
            auth_request_set \$authentik_email \$upstream_http_x_authentik_email;
            auth_request_set \$authentik_name \$upstream_http_x_authentik_name;
            auth_request_set \$authentik_uid \$upstream_http_x_authentik_uid;

            proxy_set_header X-authentik-username \$authentik_username;
            proxy_set_header X-authentik-groups \$authentik_groups;
            proxy_set_header X-authentik-entitlements \$authentik_entitlements;
            proxy_set_header X-authentik-email \$authentik_email;
            proxy_set_header X-authentik-name \$authentik_name;
            proxy_set_header X-authentik-uid \$authentik_uid;
        }

        location /outpost.goauthentik.io {
            proxy_pass              http://127.0.0.1:$port/outpost.goauthentik.io;
            proxy_set_header        Host \$ak_http_host;
            proxy_set_header        X-Original-URL \$scheme://\$ak_http_host\$request_uri;
            add_header              Set-Cookie \$auth_cookie;
            auth_request_set        \$auth_cookie \$upstream_http_set_cookie;
            proxy_pass_request_body off;
            proxy_set_header        Content-Length "";
        }

        location @goauthentik_proxy_signin {
            internal;
            add_header Set-Cookie \$auth_cookie;
            return 302 /outpost.goauthentik.io/start?rd=\$scheme://\$ak_http_host\$request_uri;
        }
    }
}
NGINX
/usr/sbin/nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" >"$dir/nginx/stderr" 2>&1 &
nginx=$!
WARD_LISTEN="127.0.0.1:$port" WARD_LISTEN__METRICS=off WARD_DATA_DIR="$dir" WARD_LOG_LEVEL=warn LEPTOS_SITE_ROOT=target/site \
  WARD_EMAIL__HOST=127.0.0.1 WARD_EMAIL__PORT="$(cat "$dir/sink.port")" WARD_EMAIL__FROM="Ward <ward@example.com>" \
  ./target/release/ward serve >"$dir/ward.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/-/health/ready/" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/ward.log"; exit 1; }
  sleep 0.1
done
# Ward answers through nginx: the outpost's ping is its 204.
nginx_ping() { curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/outpost.goauthentik.io/ping" 2>/dev/null || true; }
for _ in $(seq 1 100); do
  [ "$(nginx_ping)" = 204 ] && break
  kill -0 "$nginx" 2>/dev/null || break
  sleep 0.1
done
[ "$(nginx_ping)" = 204 ] || { echo "nginx did not pass Ward's ping on"; cat "$dir/nginx/stderr" "$dir/nginx/error.log"; exit 1; }
cd end2end
BASE_URL="http://127.0.0.1:$port" SMTP_SINK_DIR="$dir/mail" FORWARD_AUTH_URL="http://127.0.0.1:$nginx_port" \
  npx playwright test "$@" || { tail -50 "$dir/ward.log"; tail -20 "$dir/nginx/error.log"; exit 1; }
