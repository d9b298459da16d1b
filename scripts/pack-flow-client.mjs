// Puts the flow client's two files into the site as cargo-leptos puts the app's: named after an
// MD5 of their content in unpadded base64url (when the build hashes, i.e. hash.txt exists), with
// brotli and gzip copies beside them, and their hashes added to hash.txt as `flow-js` and
// `flow-wasm` (server/src/assets.rs reads them).
// Usage: node pack-flow-client.mjs <wasm-bindgen out dir> <site pkg dir> <hash.txt>
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const [src, pkg, hashFile] = process.argv.slice(2);
if (!src || !pkg || !hashFile) {
  console.error("usage: pack-flow-client.mjs <bindgen dir> <pkg dir> <hash.txt>");
  process.exit(2);
}
const hashed = existsSync(hashFile);
mkdirSync(pkg, { recursive: true });
for (const old of readdirSync(pkg).filter((f) => f.startsWith("flow."))) rmSync(join(pkg, old));

const lines = [];
for (const [kind, file, ext] of [["flow-js", "flow.js", "js"], ["flow-wasm", "flow_bg.wasm", "wasm"]]) {
  const body = readFileSync(join(src, file));
  const hash = createHash("md5").update(body).digest("base64url");
  const name = hashed ? `flow.${hash}.${ext}` : `flow.${ext}`;
  writeFileSync(join(pkg, name), body);
  writeFileSync(
    join(pkg, `${name}.br`),
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  writeFileSync(join(pkg, `${name}.gz`), gzipSync(body, { level: 9 }));
  lines.push(`${kind}: ${hash}`);
  console.log(`flow client: ${name} ${body.length} bytes`);
}
if (hashed) {
  const kept = readFileSync(hashFile, "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("flow-"));
  writeFileSync(hashFile, [...kept, ...lines, ""].join("\n"));
}
