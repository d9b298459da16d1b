# Ward: `make run` and `make test` are the two commands (see README). Both install what is missing.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Builds use the committed query data in .sqlx/, so no database is needed to compile.
export SQLX_OFFLINE := true
# One-shot builds: incremental caches would only fill the disk (they reach tens of GB).
export CARGO_INCREMENTAL := 0

.PHONY: setup setup-e2e build run test lint test-rust e2e api-check bench sqlx-prepare

setup:
	bash scripts/setup.sh

setup-e2e:
	bash scripts/setup.sh --e2e

# --split: the admin and the portal load their own WebAssembly chunks (flow pages stay small);
# --precompress: brotli and gzip copies of every asset, served as they are (server/src/assets.rs).
# Then the flow pages' own small client (flow-client/), which they load instead of the app.
build: setup
	cargo leptos build --release --split --precompress
	bash scripts/flow-client.sh

run: build
	LEPTOS_SITE_ROOT=target/site ./target/release/ward serve

test: setup-e2e
	bash scripts/test-all.sh

lint:
	cargo fmt --all --check
	cargo clippy -p server -p flow-client --all-targets -- -D warnings
	cargo clippy -p flow-client --lib --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

# Unit and integration tests (cargo nextest: one process per test, I/O-bound tests in parallel)
# against a scratch PostgreSQL cluster started for the run; also checks that .sqlx/ matches the queries.
test-rust:
	cargo build -p server
	bash scripts/with-scratch-db.sh bash -c 'cargo nextest run --workspace --no-fail-fast && cargo sqlx prepare --workspace --check'

e2e: build
	bash scripts/e2e.sh

# The OpenAPI document validates, and schemathesis finds no server error in the REST API.
api-check: build
	bash scripts/api-check.sh

bench: build
	bash scripts/setup.sh --bench
	python3 bench/footprint.py
	cargo build -p server
	bash scripts/with-scratch-db.sh cargo bench -p server --bench directory
	bash scripts/with-scratch-db.sh cargo bench -p server --bench oauth2
	bash scripts/with-scratch-db.sh cargo bench -p server --bench forward_auth
	cargo bench -p server --bench expressions

# Regenerates .sqlx/ after a query changed.
sqlx-prepare:
	cargo build -p server
	bash scripts/with-scratch-db.sh bash -c 'SQLX_OFFLINE=false cargo sqlx prepare --workspace'
