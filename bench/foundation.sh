#!/usr/bin/env bash
# Foundation numbers for Ward's release build: cold start to ready (existing cluster), idle RSS,
# login page transfer size and wasm size. Needs `cargo leptos build --release` to have run.
#
# stdout: one measurement per line, `name: value unit` (sometimes followed by a note in
# parentheses). Progress and diagnostics go to stderr.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN="$PWD/target/release/ward"
SITE="$PWD/target/site"
PKG="$SITE/pkg"
RUNS=5
FIRST_START_TIMEOUT_S=180 # initdb + migrations
START_TIMEOUT_S=60
STOP_TIMEOUT_S=60

say() { echo "bench: $*" >&2; }
die() {
  echo "bench: error: $*" >&2
  exit 1
}

# ---- preconditions -------------------------------------------------------------------------
[ -x "$BIN" ] || die "$BIN is missing: build it first with \`make build\` (cargo leptos build --release)"
[ -d "$PKG" ] || die "$PKG is missing: build it first with \`make build\` (cargo leptos build --release)"
[ -f "$PKG/ward.css" ] || die "$PKG/ward.css is missing: the release build looks incomplete"
command -v curl >/dev/null || die "curl is needed"
if [ -f "$PKG/ward_bg.wasm" ]; then
  WASM="$PKG/ward_bg.wasm"
elif [ -f "$PKG/ward.wasm" ]; then
  WASM="$PKG/ward.wasm"
else
  die "no ward_bg.wasm or ward.wasm in $PKG"
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  die "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
fi
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  die "running as root needs the postgres system user: apt-get install postgresql"
fi

# ---- environment for ward ------------------------------------------------------------------
TMP=$(mktemp -d /tmp/ward-bench.XXXXXX)
chmod 755 "$TMP" # the postgres user (ward runs initdb/pg_ctl as it when we are root) must enter
DATA="$TMP/data"
mkdir -p "$DATA"
chmod 755 "$DATA"
PG_PID_FILE="$DATA/postgres/data/postmaster.pid"

unset WARD_DATABASE_URL WARD_BOOTSTRAP_PASSWORD WARD_BOOTSTRAP_EMAIL WARD_BOOTSTRAP_TOKEN WARD_PUBLIC_URL
export WARD_DATA_DIR="$DATA"
export WARD_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789abcdef0123456789abcdef"
export WARD_LOG_LEVEL="${WARD_LOG_LEVEL:-info}"
export LEPTOS_SITE_ROOT="$SITE"

WARD_PID=""
LOG=""
URL=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$WARD_PID" ]; then
    stop_ward quiet || true
  fi
  # Belt and braces: never leave a postmaster behind (e.g. ward was SIGKILLed).
  if [ -f "$PG_PID_FILE" ]; then
    say "stopping a leftover PostgreSQL in $DATA/postgres"
    "$BIN" scratch-db stop --dir "$DATA" >/dev/null 2>&1 || say "warning: could not stop it; see $PG_PID_FILE"
  fi
  if [ -f "$PG_PID_FILE" ]; then
    say "keeping $TMP because a PostgreSQL may still be running from it"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- helpers -------------------------------------------------------------------------------
now_us() {
  # EPOCHREALTIME is "seconds.microseconds" (the separator follows the locale).
  local t=$EPOCHREALTIME
  echo "${t//[!0-9]/}"
}

# True while $1 runs (a zombie that we have not reaped yet counts as gone).
alive() {
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

port_taken() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free TCP port from the kernel's ephemeral range (never 9000 or a well-known service port).
free_port() {
  local p i
  for i in $(seq 1 50); do
    p=""
    if command -v python3 >/dev/null; then
      p=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) || p=""
    fi
    [ -n "$p" ] || p=$((20000 + RANDOM % 20000))
    case "$p" in 3000 | 5432 | 8000 | 8080 | 8443 | 9000 | 9001 | 9090 | 9100 | 9443) continue ;; esac
    if [ "$p" -gt 1024 ] && ! port_taken "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "could not find a free port"
}

# Starts ward in the background on a fresh port; sets WARD_PID, URL, LOG. $1: label for the log.
start_ward() {
  local port
  port=$(free_port)
  URL="http://127.0.0.1:$port"
  LOG="$TMP/ward-$1.log"
  export WARD_LISTEN="127.0.0.1:$port" WARD_LISTEN__METRICS=off
  START_US=$(now_us)
  "$BIN" serve >"$LOG" 2>&1 &
  WARD_PID=$!
}

# Polls /-/health/ready/ every 20 ms; prints ms from launch to the first 200. $1: timeout (s).
wait_ready() {
  local deadline=$(($(now_us) + $1 * 1000000)) code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/-/health/ready/" 2>/dev/null) || true
    if [ "$code" = 200 ]; then
      echo $((($(now_us) - START_US + 500) / 1000))
      return 0
    fi
    if ! alive "$WARD_PID"; then
      tail -n 30 "$LOG" >&2 || true
      die "ward exited before it became ready (log above, from $LOG)"
    fi
    if [ "$(now_us)" -gt "$deadline" ]; then
      tail -n 30 "$LOG" >&2 || true
      die "ward was not ready after $1 s (last status: $code)"
    fi
    sleep 0.02
  done
}

# SIGTERM, wait for ward to exit (it stops its PostgreSQL first). $1=quiet: don't fail (cleanup).
stop_ward() {
  local pid=$WARD_PID quiet=${1:-} rc=0 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT_S * 50; i++)); do
    alive "$pid" || break
    sleep 0.02
  done
  if alive "$pid"; then
    say "ward did not exit within $STOP_TIMEOUT_S s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  WARD_PID=""
  [ "$quiet" = quiet ] && return 0
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$LOG" >&2 || true
    die "ward exited with status $rc on SIGTERM (log above)"
  fi
  [ ! -f "$PG_PID_FILE" ] || die "ward exited but its PostgreSQL is still running ($PG_PID_FILE)"
}

# Bytes of the response body as sent (curl does not decode it) for Accept-Encoding $2 (default
# "br, gzip"). Prints "<bytes> <content-encoding or identity>"; fails unless the status is 200.
transfer_size() {
  local path=$1 accept=${2:-br, gzip} hdr="$TMP/headers" out status enc
  out=$(curl -s -H "Accept-Encoding: $accept" -D "$hdr" -o /dev/null \
    -w '%{http_code} %{size_download}' --max-time 10 "$URL$path") || die "GET $path failed"
  status=${out%% *}
  [ "$status" = 200 ] || die "GET $path answered $status, expected 200"
  enc=$(tr -d '\r' <"$hdr" | awk -F': *' 'tolower($1) == "content-encoding" {print tolower($2)}' | tail -n 1)
  echo "${out#* } ${enc:-identity}"
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

# ---- 1. cold start to ready, with an existing cluster -------------------------------------------
say "first start (creates the PostgreSQL cluster and migrates) in $DATA"
start_ward first
first_ms=$(wait_ready "$FIRST_START_TIMEOUT_S")
say "first start ready after $first_ms ms"
stop_ward

times=()
for ((run = 1; run <= RUNS; run++)); do
  start_ward "run$run"
  ms=$(wait_ready "$START_TIMEOUT_S")
  times+=("$ms")
  say "run $run/$RUNS: ready after $ms ms"
  [ "$run" -eq "$RUNS" ] || stop_ward # the last one stays up for the measurements below
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
start_min=$(head -n 1 <<<"$sorted")
start_max=$(tail -n 1 <<<"$sorted")
start_median=$(median "${times[@]}")

# ---- 2. idle RSS of the ward process (not its postgres) ----------------------------------------
sleep 2
rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$WARD_PID/status") || die "cannot read /proc/$WARD_PID/status"
[ -n "$rss_kib" ] || die "no VmRSS in /proc/$WARD_PID/status"
rss_mib=$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')

# ---- 3. login page transfer size ---------------------------------------------------------------
# (Assign first: a failing command substitution inside a here-string would not stop the script.)
html=$(transfer_size /if/flow/default-authentication-flow/)
css=$(transfer_size /pkg/ward.css)
read -r html_bytes html_enc <<<"$html"
read -r css_bytes css_enc <<<"$css"

# ---- 4. wasm size ------------------------------------------------------------------------------
wasm_name=$(basename "$WASM")
wasm_raw=$(wc -c <"$WASM" | tr -d ' ')
wasm_br=""
if command -v brotli >/dev/null; then
  wasm_br=$(brotli -c -q 11 -- "$WASM" | wc -c | tr -d ' ')
  wasm_br_how="brotli CLI, quality 11"
else
  for py in python3 /usr/bin/python3; do
    command -v "$py" >/dev/null || continue
    if wasm_br=$("$py" -c 'import sys, brotli
print(len(brotli.compress(open(sys.argv[1], "rb").read(), quality=11)))' "$WASM" 2>/dev/null); then
      wasm_br_how="python3 brotli module, quality 11"
      break
    fi
    wasm_br=""
  done
fi
if [ -z "$wasm_br" ]; then
  served=$(transfer_size "/pkg/$wasm_name" 'br')
  read -r wasm_br served_enc <<<"$served"
  if [ "$served_enc" = br ]; then
    wasm_br_how="as served by ward for Accept-Encoding: br, at the server's quality; no brotli CLI or python module"
  else
    wasm_br_how="WARNING: not brotli, ward answered with content-encoding $served_enc; no brotli CLI or python module"
  fi
fi

stop_ward

# ---- report ------------------------------------------------------------------------------------
echo "cold_start_ready_min: $start_min ms"
echo "cold_start_ready_median: $start_median ms"
echo "cold_start_ready_max: $start_max ms"
echo "idle_rss: $rss_mib MiB"
echo "login_html_transfer: $html_bytes bytes ($html_enc)"
echo "login_css_transfer: $css_bytes bytes ($css_enc)"
echo "login_html_css_transfer_total: $((html_bytes + css_bytes)) bytes"
echo "wasm_raw: $wasm_raw bytes ($wasm_name)"
echo "wasm_brotli: $wasm_br bytes ($wasm_br_how)"
