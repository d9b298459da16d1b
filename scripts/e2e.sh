#!/usr/bin/env bash
# Starts the release build of Ward on a free port with a fresh embedded database and runs the
# Playwright suite against it in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/ward-e2e.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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
WARD_LISTEN="127.0.0.1:$port" WARD_LISTEN__METRICS=off WARD_DATA_DIR="$dir" WARD_LOG_LEVEL=warn LEPTOS_SITE_ROOT=target/site \
  WARD_EMAIL__HOST=127.0.0.1 WARD_EMAIL__PORT="$(cat "$dir/sink.port")" WARD_EMAIL__FROM="Ward <ward@example.com>" \
  ./target/release/ward serve >"$dir/ward.log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$sink" 2>/dev/null || true
  kill -TERM "$rp" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/-/health/ready/" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/ward.log"; exit 1; }
  sleep 0.1
done
cd end2end
BASE_URL="http://127.0.0.1:$port" SMTP_SINK_DIR="$dir/mail" npx playwright test "$@" || { tail -50 "$dir/ward.log"; exit 1; }
