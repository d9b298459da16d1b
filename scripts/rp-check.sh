#!/usr/bin/env bash
# A second relying party: Python's authlib (from PyPI, in a venv of its own) signs in to Ward by
# OpenID Connect through the real login pages (end2end/rp/authlib_journey.py). Runs the release
# build (WARD_BIN to choose another) on a fresh embedded database.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/rp-venv
# A venv made by another clone that shares the build cache names another python: made again.
if ! "$venv/bin/python" -c 'import authlib, requests' >/dev/null 2>&1; then
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'authlib==1.*' 'requests==2.*'
fi
dir=$(mktemp -d /tmp/ward-rp.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
WARD_LISTEN="127.0.0.1:$port" WARD_LISTEN__METRICS=off WARD_DATA_DIR="$dir" WARD_LOG_LEVEL=warn \
  LEPTOS_SITE_ROOT=target/site WARD_BOOTSTRAP_PASSWORD="rp-check-password" \
  WARD_BOOTSTRAP_EMAIL=admin@example.com WARD_BOOTSTRAP_TOKEN="$token" \
  "${WARD_BIN:-./target/release/ward}" serve >"$dir/ward.log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  curl -fsS "$base/-/health/ready/" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/ward.log"; exit 1; }
  sleep 0.1
done
if ! "$venv/bin/python" end2end/rp/authlib_journey.py "$base" "$token"; then
  tail -30 "$dir/ward.log"
  exit 1
fi
