#!/usr/bin/env bash
# Installs every tool Ward needs to build and test on a fresh Debian machine with Rust.
# Idempotent: each step checks first, so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# --e2e: also the browser and Playwright; --bench: also what the benchmark uses.
want_e2e=${1:-}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  fi
}

# PostgreSQL server binaries (initdb, pg_ctl) for the embedded cluster.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql
fi

# mold is the linker .cargo/config.toml names: it must exist before the first cargo command.
command -v mold >/dev/null 2>&1 || apt_install mold

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

installed=$(cargo install --list)
echo "$installed" | grep -q '^cargo-leptos v0.3.10' || cargo install cargo-leptos --version 0.3.10 --locked
echo "$installed" | grep -q '^wasm-bindgen-cli v0.2.130' || cargo install wasm-bindgen-cli --version 0.2.130

# tailwindcss and wasm-opt come from npm, never from a download (see DESIGN.md).
if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ]; then
  # `npm install`, not `npm ci`: the registry mirror lacks other platforms' optional
  # packages, so `npm ci` calls the lock file out of sync.
  npm install --no-audit --no-fund
fi

if [ "$want_e2e" = "--bench" ]; then
  # wrk drives the forward-auth benchmark against nginx (auth_request) in front of Ward.
  apt_install brotli curl nginx wrk
fi

if [ "$want_e2e" = "--e2e" ]; then
  # Only tests and development need these (`make run` does not): the .sqlx/ check and the test runner.
  echo "$installed" | grep -q '^sqlx-cli v0.8' || cargo install sqlx-cli --version '^0.8' --no-default-features --features postgres,rustls --locked
  command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --version '^0.9' --locked
  apt_install chromium curl
  # The forward-auth tests run Debian's nginx (with http_auth_request) and Caddy in front of
  # Ward, each on a port and in a directory of its own (Caddy with `admin off`). Where the
  # packages start their system service (port 80, Caddy's admin on localhost:2019), the tests
  # neither use nor disturb it.
  apt_install nginx caddy
  # The REST API check installs its Python tools into a venv of its own.
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund)
  fi
fi
