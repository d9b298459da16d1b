#!/usr/bin/env bash
# Issue 12's budgets, checked on the release build: fails when the login page's transfer, the
# admin's WebAssembly or Ward's resident memory (after start, after the admin pages, after 1,000
# sign-ins) exceeds its budget. Times are printed, not checked. `make bench` prints the same.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 bench/footprint.py --check
