#!/usr/bin/env bash
# Builds the flow pages' client (flow-client/) into the site: wasm-bindgen, wasm-opt -Oz, then
# content-hashed names with brotli and gzip copies, the hashes added to hash.txt (see
# scripts/pack-flow-client.mjs). Runs after `cargo leptos build`, which rewrites both.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/flow-client
# Its own target directory: the app's wasm is built with other flags (--emit-relocs for the split).
cargo build -p flow-client --lib --target wasm32-unknown-unknown --profile wasm-release \
  --target-dir "$out/cargo"
rm -rf "$out/bindgen"
wasm-bindgen --target web --no-typescript --out-dir "$out/bindgen" --out-name flow \
  "$out/cargo/wasm32-unknown-unknown/wasm-release/flow_client.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$out/bindgen/flow_bg.wasm" -o "$out/bindgen/flow_bg.wasm"
node scripts/pack-flow-client.mjs "$out/bindgen" target/site/pkg target/release/hash.txt
