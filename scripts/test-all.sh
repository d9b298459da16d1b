#!/usr/bin/env bash
# The whole suite (lint, Rust unit + integration tests, Playwright e2e, the footprint budgets, REST
# API conformance, the authlib relying party), ending with a timing line per phase and one summary line `N passed, M failed`
# that counts every test that ran (each footprint budget counts as one). CI's budget (README):
# cold ≤ 40 min, warm ≤ 15 min.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/ward-test-log.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0
timings=()
phase() {
  local name=$1
  shift
  local start=$SECONDS
  "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  timings+=("$name $((SECONDS - start))s")
  [ "$rc" -eq 0 ] || status=$rc
}
# Builds are phases of their own so the figures show where the time goes.
phase lint make --no-print-directory lint
phase debug-build cargo build -p server
phase tests make --no-print-directory test-rust
phase release-build make --no-print-directory build
phase e2e bash scripts/e2e.sh
phase footprint bash scripts/footprint-check.sh
phase api-check bash scripts/api-check.sh
phase rp-check bash scripts/rp-check.sh
counts=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i } }
  /^ +Summary \[.*tests? run:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^ +[0-9]+ passed \(/ { p += $1 }
  /^ +[0-9]+ failed$/ { f += $1 }
  /^(api|rp)-check: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  /\(budget [^,]+, ok\)$/ { p += 1 }
  /\(budget [^,]+, OVER\)$/ { f += 1 }
  END { printf "%d %d", p, f }')
read -r passed failed <<<"$counts"
echo
echo "make test timing: ${timings[*]} (total ${SECONDS}s)" | sed 's/s \([a-z]\)/s · \1/g'
echo "make test: $passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
