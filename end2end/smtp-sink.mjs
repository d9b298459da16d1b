// A local SMTP server for the e2e run: stores each message as a file in the directory given
// as the first argument, and prints its port once it listens. Node's standard library only.
import { createServer } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
let count = 0;
const server = createServer((socket) => {
  let buffer = "";
  let inData = false;
  let data = [];
  let rcpt = [];
  socket.write("220 e2e-sink ESMTP\r\n");
  socket.on("data", (chunk) => {
    buffer += chunk.toString("utf8");
    let at;
    while ((at = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      if (inData) {
        if (line === ".") {
          inData = false;
          count += 1;
          writeFileSync(join(dir, `${Date.now()}-${count}.eml`), `X-Rcpt: ${rcpt.join(",")}\n${data.join("\n")}\n`);
          data = [];
          rcpt = [];
          socket.write("250 OK queued\r\n");
        } else {
          data.push(line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO") socket.write("250-e2e-sink\r\n250 8BITMIME\r\n");
      else if (verb === "RCPT") {
        rcpt.push(line.slice(8).replace(/[<>]/g, "").trim());
        socket.write("250 OK\r\n");
      } else if (verb === "DATA") {
        inData = true;
        socket.write("354 End with .\r\n");
      } else if (verb === "QUIT") {
        socket.end("221 bye\r\n");
      } else if (["HELO", "MAIL", "RSET", "NOOP"].includes(verb)) socket.write("250 OK\r\n");
      else socket.write("502 Command not implemented\r\n");
    }
  });
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => {
  console.log(server.address().port);
});
