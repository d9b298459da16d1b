// A small OpenID Connect relying party for the e2e run (Node's standard library only): `/`
// sends the browser to Ward's authorize endpoint (code + PKCE S256), `/callback` exchanges the
// code at the token endpoint and shows the ID token's claims. Prints its port once it listens.
// Usage: node rp.mjs <ward base URL> <client id> <client secret>
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";

const [ward, clientId, secret] = process.argv.slice(2);
const pending = new Map();
const b64url = (buf) => buf.toString("base64url");

const server = createServer(async (req, res) => {
  const self = `http://127.0.0.1:${server.address().port}`;
  const url = new URL(req.url, self);
  const redirect = `${self}/callback`;
  if (url.pathname === "/") {
    const state = b64url(randomBytes(16));
    const verifier = b64url(randomBytes(32));
    const nonce = b64url(randomBytes(16));
    pending.set(state, { verifier, nonce });
    const auth = new URL("/application/o/authorize/", ward);
    auth.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirect,
      response_type: "code",
      scope: "openid email profile",
      state,
      nonce,
      code_challenge: b64url(createHash("sha256").update(verifier).digest()),
      code_challenge_method: "S256",
    }).toString();
    res.writeHead(302, { Location: auth.toString() }).end();
    return;
  }
  if (url.pathname === "/callback") {
    const state = url.searchParams.get("state");
    const waiting = pending.get(state);
    pending.delete(state);
    if (!waiting || url.searchParams.get("error")) {
      res.writeHead(400, { "Content-Type": "text/html" }).end(`<p id="rp-error">${url.searchParams.get("error") ?? "unknown state"}</p>`);
      return;
    }
    const token = await fetch(new URL("/application/o/token/", ward), {
      method: "POST",
      headers: {
        Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: url.searchParams.get("code") ?? "",
        redirect_uri: redirect,
        code_verifier: waiting.verifier,
      }),
    });
    const body = await token.json();
    if (!body.id_token) {
      res.writeHead(502, { "Content-Type": "text/html" }).end(`<p id="rp-error">${JSON.stringify(body)}</p>`);
      return;
    }
    const claims = JSON.parse(Buffer.from(body.id_token.split(".")[1], "base64url").toString("utf8"));
    const escape = (s) => s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
    res.writeHead(200, { "Content-Type": "text/html" }).end(
      `<!DOCTYPE html><title>Relying party</title><h1>Signed in</h1>` +
        `<p id="nonce-ok">${claims.nonce === waiting.nonce}</p>` +
        `<pre id="claims">${escape(JSON.stringify(claims, null, 2))}</pre>`,
    );
    return;
  }
  res.writeHead(404).end();
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
