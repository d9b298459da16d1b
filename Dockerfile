# Ward container image, two stages:
# - builder: has the Rust toolchain, the wasm target, cargo-leptos, the wasm-bindgen CLI and Node
#   (tailwindcss and wasm-opt come from npm; nothing downloads a binary) to run
#   `cargo leptos build --release --split --precompress`, which makes the server binary and the static
#   site (wasm, js, css), then scripts/flow-client.sh, the flow pages' own small client.
# - runtime: a slim Debian with only what `ward` needs at run time: PostgreSQL's server binaries for
#   the zero-config embedded cluster (unused when WARD_DATABASE_URL is set), CA certificates, the
#   binary and the site. No compilers or Node in the final image.
#
# Build: docker build -t ward .
# Run:   docker run -p 9000:9000 -v ward-data:/data ward

FROM rust:1.95-bookworm AS builder

# Debian's Node 18 runs the tailwindcss 4 CLI and binaryen's wasm-opt from package-lock.json
# (npm warns that @tailwindcss/oxide asks for Node 20; the output is the same). Never install
# Debian's binaryen: its wasm-opt breaks the release wasm (see DESIGN.md).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

# The tools, pinned as in DESIGN.md: cargo-leptos 0.3.11 needs rustc 1.96, and the wasm-bindgen CLI
# must equal the wasm-bindgen crate version (=0.2.130 in Cargo.toml) exactly.
RUN rustup target add wasm32-unknown-unknown
RUN cargo install cargo-leptos --version 0.3.10 --locked
RUN cargo install wasm-bindgen-cli --version 0.2.130

WORKDIR /app

# npm packages first, so source changes don't reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Only what the build reads (keeps the host's target/, node_modules/ and data/ out).
COPY Cargo.toml Cargo.lock ./
COPY .sqlx ./.sqlx
COPY app ./app
COPY server ./server
COPY flow-client ./flow-client
COPY scripts/flow-client.sh scripts/pack-flow-client.mjs ./scripts/
COPY style ./style
COPY public ./public

# The cache mounts keep downloaded crates and compiled dependencies between builds; they are not
# part of the image, so the results are copied out in the same step.
ENV SQLX_OFFLINE=true
# As .cargo/config.toml (not copied: it names the mold linker): Leptos's erase_components for the
# server and the browser alike, so what the server renders is what the browser hydrates.
ENV RUSTFLAGS="--cfg erase_components"
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/app/target,sharing=locked \
    PATH=/app/node_modules/.bin:$PATH SQLX_OFFLINE=true cargo leptos build --release --split --precompress \
    && PATH=/app/node_modules/.bin:$PATH bash scripts/flow-client.sh \
    && mkdir -p /out \
    && cp target/release/ward target/release/hash.txt /out/ \
    && cp -r target/site /out/site


FROM debian:bookworm-slim AS runtime

# postgresql: initdb/pg_ctl/postgres under /usr/lib/postgresql/15/bin and the `postgres` user that
# ward runs them as when it runs as root. The package's default cluster is not created: ward makes
# its own under $WARD_DATA_DIR/postgres.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-common \
    && sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data \
    && chmod 755 /data

# hash.txt names the content-hashed assets; Leptos reads it from beside the binary.
COPY --from=builder /out/ward /out/hash.txt /usr/local/bin/
COPY --from=builder /out/site /app/site

WORKDIR /app
ENV LEPTOS_SITE_ROOT=/app/site \
    WARD_DATA_DIR=/data \
    WARD_LISTEN=0.0.0.0:9000

# The secret key (unless WARD_SECRET_KEY is set) and the embedded PostgreSQL cluster live here.
# /data stays 755 so the postgres user can reach /data/postgres.
VOLUME /data
EXPOSE 9000 9300

# First start runs initdb and the migrations: give it time before failures count.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["ward", "healthcheck"]

ENTRYPOINT ["ward"]
CMD ["serve"]
