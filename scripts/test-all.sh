#!/usr/bin/env bash
# The whole suite (lint, Rust unit + integration tests, Playwright e2e, REST API conformance),
# ending with one summary line `N passed, M failed` that counts every test that ran.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/ward-test-log.XXXXXX)
trap 'rm -f "$log"' EXIT
make --no-print-directory lint test-rust e2e api-check 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
counts=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i } }
  /^ +[0-9]+ passed \(/ { p += $1 }
  /^ +[0-9]+ failed$/ { f += $1 }
  /^api-check: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  END { printf "%d %d", p, f }')
read -r passed failed <<<"$counts"
echo
echo "make test: $passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
