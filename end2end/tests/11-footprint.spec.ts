import { expect, Page, Response, test } from "@playwright/test";
import { ADMIN, hydrated } from "./helpers";

// Issue 12: a flow page loads only the flow client; the other pages load the app, and the admin
// and the portal fetch their own chunks (split_*/chunk_* under /pkg/) when one of their pages opens.
const LAZY_CHUNK = /\/pkg\/(split|chunk)_[^/]*\.wasm$/;

/** Every response the page receives from now on, listed as it arrives; its body size as sent
 * (compressed) is filled in a moment later (`settled` waits for all of them). */
function recordNetwork(page: Page): { url: string; bytes: number }[] & { settled: () => Promise<unknown> } {
  const seen: { url: string; bytes: number }[] = [];
  const pending: Promise<void>[] = [];
  page.on("response", (res: Response) => {
    const entry = { url: new URL(res.url()).pathname, bytes: 0 };
    seen.push(entry);
    pending.push(
      res
        .request()
        .sizes()
        .then((sizes) => {
          entry.bytes = sizes.responseBodySize;
        })
        .catch(() => {}),
    );
  });
  return Object.assign(seen, { settled: () => Promise.all(pending) });
}

test("the login page loads only the flow client and signs in without reloading", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const network = recordNetwork(page);

  await page.goto("/if/flow/default-authentication-flow/");
  await hydrated(page);
  await page.waitForLoadState("networkidle");
  await network.settled();
  // The flow pages are server-rendered and taken over by their own small client: no app, no chunk.
  const wasm = network.filter((r) => r.url.endsWith(".wasm"));
  expect(wasm.map((r) => r.url)).toHaveLength(1);
  expect(wasm[0].url).toMatch(/^\/pkg\/flow\.[A-Za-z0-9_-]{22}\.wasm$/);
  expect(network.filter((r) => /\/pkg\/ward\./.test(r.url) && !r.url.endsWith(".css"))).toEqual([]);
  expect(network.filter((r) => LAZY_CHUNK.test(r.url))).toEqual([]);
  const total = network.reduce((sum, r) => sum + r.bytes, 0);
  // The budget itself is checked by scripts/footprint-check.sh; the browser's figure is logged.
  console.log(`login page: ${network.length} responses, ${total} bytes as sent`);
  expect(total).toBeGreaterThan(0);

  // Each answer is sent by the client and the next card swapped in: the document stays the same.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  await page.locator("#field-uid_field").fill(ADMIN.username);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#pending-user")).toHaveText(ADMIN.username);
  await expect(page.locator("#field-password")).toBeFocused();
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);

  // An answer the server refuses as a whole: its message in the card's error slot, and the
  // form still works.
  await page.evaluate(() => {
    const big = document.createElement("input");
    big.type = "hidden";
    big.name = "fields[padding]";
    big.value = "x".repeat(5000);
    document.querySelector("#flow-background form")?.append(big);
  });
  await page.locator("#field-password").fill("whatever");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator("#flow-error")).toHaveText("The form is too large.");
  await page.evaluate(() => document.querySelector('input[name="fields[padding]"]')?.remove());

  await page.locator("#field-password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/if\/user\/$/);
  // The portal hydrates on the app, whose portal code is a chunk of its own fetched only now.
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "My applications" })).toBeVisible();
  await expect.poll(() => network.filter((r) => LAZY_CHUNK.test(r.url)).length).toBeGreaterThan(0);
  await context.close();
});

test("an admin page loads its chunk lazily, hydrates and works", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/if/flow/default-authentication-flow/");
  await hydrated(page);
  await page.locator("#field-uid_field").fill(ADMIN.username);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.locator("#field-password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/if\/user\/$/);

  const network = recordNetwork(page);
  await page.goto("/if/admin/users/");
  await hydrated(page);
  await expect.poll(() => network.filter((r) => LAZY_CHUNK.test(r.url)).length).toBeGreaterThan(0);
  const chunks = network.filter((r) => LAZY_CHUNK.test(r.url)).map((r) => r.url);
  // Hashed names are cached for a year.
  const res = await page.request.get(chunks[0]);
  expect(res.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  // The page's own code runs: a client-side toggle opens the new-user form, whose validation
  // answers beside the field.
  await page.locator("#create-user").click();
  await page.locator("#new-user-username").fill("footprint-user");
  await page.locator("#new-user-email").fill("not-an-email");
  await page.locator("form button[type=submit]").click();
  await expect(page.locator("#new-user-email-error")).toHaveText("Please enter a valid email address.");
  await context.close();
});
