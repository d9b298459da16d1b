#!/usr/bin/env bash
# Checks the REST API against its own OpenAPI document: the document must validate
# (openapi-spec-validator) and schemathesis, fuzzing every operation with a superuser token,
# must find no server error (5xx). Runs the release build on a fresh embedded database.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/api-venv
# The venv's scripts name its python by absolute path: a venv made by another clone that shares
# the build cache (CI) cannot run here, so it is made again.
if ! "$venv/bin/st" --version >/dev/null 2>&1 \
    || ! "$venv/bin/openapi-spec-validator" --help >/dev/null 2>&1; then
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'openapi-spec-validator==0.7.*' 'schemathesis==4.32.*'
fi
dir=$(mktemp -d /tmp/ward-api.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
WARD_LISTEN="127.0.0.1:$port" WARD_LISTEN__METRICS=off WARD_DATA_DIR="$dir" WARD_LOG_LEVEL=warn \
  LEPTOS_SITE_ROOT=target/site WARD_BOOTSTRAP_PASSWORD="api-check-password" \
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
passed=0
failed=0
curl -fsS "$base/api/v3/schema/" -o "$dir/schema.json"
if "$venv/bin/openapi-spec-validator" "$dir/schema.json"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi
# A total example budget shared by every operation (at least 5 each), so the run's time stays
# flat as endpoints are added rather than growing with each one.
ops=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for p in d["paths"].values() for m in p if m in ("get","put","post","patch","delete")))' "$dir/schema.json")
examples=${API_CHECK_EXAMPLES:-$(( ${API_CHECK_BUDGET:-3000} / ops > 5 ? ${API_CHECK_BUDGET:-3000} / ops : 5 ))}
echo "api-check: $ops operations, $examples examples each"
# Deleting its own token would only lock the fuzzer out (the integration tests cover it).
if "$venv/bin/st" run "$base/api/v3/schema/" --url "$base/api/v3" \
    -H "Authorization: Bearer $token" --checks not_a_server_error \
    --exclude-operation-id delete_token \
    --max-examples "$examples" --seed 1 --no-color; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  tail -50 "$dir/ward.log"
fi
echo "api-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
