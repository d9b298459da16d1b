// The application nginx protects in the forward-auth test (end2end/tests/16-forward-auth.spec.ts):
// it answers every request with a page listing the headers it received, so the test sees what
// nginx passed on from Ward (`X-authentik-*`) and that nothing the browser sent got through.
// Node's standard library only. Prints its port once it listens.
// Usage: node echo.mjs
import { createServer } from "node:http";

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

const server = createServer((req, res) => {
  // Node joins repeated headers with ", " (the `Cookie` one with "; "); names are lower case.
  const rows = Object.entries(req.headers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `<tr data-header="${escape(name)}"><th>${escape(name)}</th><td>${escape(value)}</td></tr>`)
    .join("");
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" }).end(
    `<!DOCTYPE html><title>Echo</title><h1>Protected application</h1>` +
      `<p id="echo-request">${escape(req.method)} ${escape(req.url)}</p>` +
      `<table id="echo-headers">${rows}</table>`,
  );
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
