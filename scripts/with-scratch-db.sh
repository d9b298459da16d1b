#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a throwaway PostgreSQL cluster (migrated database
# `ward`), and removes the cluster afterwards. Uses `ward scratch-db` (app/src/ssr/db/embedded.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
ward=./target/debug/ward
dir=$(mktemp -d /tmp/ward-scratch.XXXXXX)
chmod 755 "$dir"
cleanup() { "$ward" scratch-db stop --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
url=$("$ward" scratch-db start --dir "$dir")
# Migrated for sqlx's compile-time checks; the tests create databases of their own beside it.
WARD_DATABASE_URL="$url" WARD_LOG_LEVEL=warn "$ward" migrate >/dev/null
export DATABASE_URL="$url"
"$@"
