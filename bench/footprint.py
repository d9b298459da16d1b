#!/usr/bin/env python3
"""Ward's footprint beside its budgets (issue 12): what a login page transfers, the WebAssembly,
resident memory after start / after the admin pages / after 1,000 sign-ins, and start to ready.

Runs the release build (`make build`) on a fresh embedded cluster. stdout: one line per figure,
`name: value unit (budget B, ok|OVER)`; times are printed without a verdict. With `--check`
(scripts/footprint-check.sh, run by `make test`) it exits 1 when a size or memory budget is
exceeded. Standard library only.
"""
import concurrent.futures
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/ward")
SITE = os.path.join(ROOT, "target/site")
PASSWORD = "bench-admin-password-1"
ADMIN_PAGES = [
    "/if/admin/", "/if/admin/users/", "/if/admin/groups/", "/if/admin/events/",
    "/if/admin/sessions/", "/if/admin/tokens/", "/if/admin/system/brands/",
    "/if/admin/system/certificates/", "/if/admin/system/blueprints/",
    "/if/admin/system/tasks/", "/if/admin/system/settings/", "/if/user/", "/if/user/settings/",
]
KB = 1000
MB = 1000 * 1000
OVER = []


def report(name, value, unit, budget=None, scale=1):
    line = f"{name}: {value / scale:.1f} {unit}" if scale != 1 else f"{name}: {value} {unit}"
    if budget is not None:
        verdict = "ok" if value <= budget * scale else "OVER"
        if verdict == "OVER":
            OVER.append(name)
        line += f" (budget {budget} {unit}, {verdict})"
    print(line, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class Ward:
    def __init__(self, data):
        self.data = data
        self.proc = None
        self.url = ""

    def start(self):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, WARD_DATA_DIR=self.data, WARD_LISTEN=f"127.0.0.1:{port}",
                   WARD_LISTEN__METRICS="off", WARD_LOG_LEVEL="warn", LEPTOS_SITE_ROOT=SITE,
                   WARD_BOOTSTRAP_PASSWORD=PASSWORD, WARD_BOOTSTRAP_EMAIL="admin@example.com",
                   WARD_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789abcdef0123")
        started = time.monotonic()
        self.proc = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.data, "..", "ward.log"), "ab"))
        while True:
            try:
                with urllib.request.urlopen(self.url + "/-/health/ready/", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - started
            except OSError:
                pass
            if self.proc.poll() is not None:
                sys.exit("bench: ward exited before it was ready (see ward.log)")
            if time.monotonic() - started > 180:
                sys.exit("bench: ward not ready after 180 s")
            time.sleep(0.01)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def sent_size(url, path, accept="br, gzip"):
    """Bytes of the body as the server sends it (not decoded) and its encoding."""
    req = urllib.request.Request(url + path, headers={"Accept-Encoding": accept, "Accept": "text/html"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return len(r.read()), r.headers.get("Content-Encoding", "identity"), r.headers


class Browser:
    """A cookie jar of its own: one session."""

    def __init__(self, url):
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def fn(self, endpoint, form):
        data = urllib.parse.urlencode(form).encode()
        req = urllib.request.Request(f"{self.url}/-/fn/{endpoint}", data=data,
                                     headers={"Accept": "application/json"})
        with self.opener.open(req, timeout=60) as r:
            return r.read().decode()

    def sign_in(self):
        slug = "default-authentication-flow"
        self.fn("flow/load", {"slug": slug})
        self.fn("flow/submit", {"slug": slug, "fields[uid_field]": "akadmin"})
        answer = self.fn("flow/submit", {"slug": slug, "fields[password]": PASSWORD})
        if '"component":"redirect"' not in answer:
            raise RuntimeError(f"sign-in failed: {answer[:300]}")

    def page(self, path):
        with self.opener.open(self.url + path, timeout=30) as r:
            r.read()
            return r.status


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"bench: {BIN} is missing: run `make build` first")
    tmp = tempfile.mkdtemp(prefix="ward-footprint.")
    os.chmod(tmp, 0o755)
    data = os.path.join(tmp, "data")
    os.mkdir(data)
    os.chmod(data, 0o755)
    ward = Ward(data)
    try:
        report("start_to_ready_new_cluster", round(ward.start() * 1000), "ms")
        ward.stop()
        runs = []
        for run in range(5):
            if run:
                ward.stop()
            runs.append(round(ward.start() * 1000))
        runs.sort()
        report("start_to_ready_existing_cluster", runs[2], "ms")
        print(f"start to ready, existing cluster, 5 runs: min {runs[0]} ms, median {runs[2]} ms, "
              f"max {runs[-1]} ms", file=sys.stderr)
        time.sleep(2)
        report("rss_after_start", rss_bytes(ward.proc.pid), "MB", 30, MB)

        # What the login page makes the browser fetch, as sent: the HTML, what it links under
        # /pkg/ (stylesheet, the flow client's module and wasm, preloaded) and the modules the
        # glue imports statically. Playwright checks the same in a real browser
        # (end2end/tests/11-footprint.spec.ts).
        html, enc, _ = sent_size(ward.url, "/if/flow/default-authentication-flow/")
        page = urllib.request.urlopen(ward.url + "/if/flow/default-authentication-flow/").read().decode()
        assets = set(re.findall(r'(?:href|src)="(/pkg/[^"]+)"', page))
        for js in [a for a in assets if a.endswith(".js")]:
            glue = urllib.request.urlopen(ward.url + js).read().decode()
            for module in re.findall(r"""(?:from|import)\s*["']\./([^"']+\.js)["']""", glue):
                assets.add("/pkg/" + module)
        total = html
        print(f"login page: html {html} bytes ({enc})", file=sys.stderr)
        for a in sorted(assets):
            size, enc, headers = sent_size(ward.url, a)
            total += size
            print(f"login page: {a} {size} bytes ({enc}, cache-control: "
                  f"{headers.get('Cache-Control', 'none')})", file=sys.stderr)
        if not any(a.endswith(".wasm") for a in assets):
            sys.exit("bench: the login page links no WebAssembly")
        report("login_page_transfer", total, "KB", 100, KB)
        # The admin interface may load every chunk: all the app's WebAssembly, as sent (the flow
        # client's is the flow pages' own).
        wasm_total = 0
        for name in sorted(os.listdir(os.path.join(SITE, "pkg"))):
            if name.endswith(".wasm") and not name.startswith("flow."):
                size, enc, _ = sent_size(ward.url, "/pkg/" + name, "br")
                if enc != "br":
                    sys.exit(f"bench: {name} was sent as {enc} to a client that asked for br")
                print(f"wasm: {name} {size} bytes (br)", file=sys.stderr)
                wasm_total += size
        report("admin_wasm_brotli", wasm_total, "KB", 600, KB)

        admin = Browser(ward.url)
        admin.sign_in()
        for p in ADMIN_PAGES:
            status = admin.page(p)
            if status != 200:
                sys.exit(f"bench: {p} answered {status}")
        time.sleep(1)
        report("rss_after_admin_pages", rss_bytes(ward.proc.pid), "MB", 40, MB)

        browsers = [Browser(ward.url) for _ in range(1000)]
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda b: b.sign_in(), browsers))
        print(f"1000 sign-ins in {time.monotonic() - started:.1f} s", file=sys.stderr)
        time.sleep(1)
        report("rss_after_1000_sign_ins", rss_bytes(ward.proc.pid), "MB", 60, MB)
        ward.stop()
        if "--check" in sys.argv and OVER:
            sys.exit(f"footprint: over budget: {', '.join(OVER)}")
    finally:
        if ward.proc and ward.proc.poll() is None:
            ward.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
