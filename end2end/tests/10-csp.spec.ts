import { expect, Page, test } from "@playwright/test";
import { ADMIN, hydrated, login } from "./helpers";

/** Collects every Content-Security-Policy violation the page reports, as events and on the console. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) seen.push(msg.text());
  });
  await page.exposeFunction("reportViolation", (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      // @ts-expect-error: exposed by the test
      window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return seen;
}

test("pages hydrate and work under the Content-Security-Policy, with no violation", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  const violations = await watchViolations(page);

  const res = await page.goto("/if/flow/default-authentication-flow/");
  const policy = res?.headers()["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(policy).toContain("frame-ancestors 'self'");
  await hydrated(page);

  // The login runs on the flow client (fetch, in-place cards), then the portal on the app.
  await login(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await hydrated(page);

  for (const path of ["/if/admin/", "/if/admin/users/", "/if/admin/system/brands/", "/if/user/settings/"]) {
    await page.goto(path);
    await hydrated(page);
  }
  // A click handled by the app itself: the brand editor opens from the list.
  await page.goto("/if/admin/system/brands/");
  await hydrated(page);
  await expect(page.locator("#brand-list")).toBeVisible();
  expect(violations).toEqual([]);
});

test("a brand's custom CSS applies under the policy", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);
  await admin.goto("/if/admin/system/brands/");
  await hydrated(admin);
  if ((await admin.locator("#brand-edit-localhost").count()) > 0) {
    await admin.locator("#brand-edit-localhost").click();
  } else {
    await admin.locator("#brand-domain").fill("localhost");
    await admin.locator("#brand-title").fill("Localhost Brand");
  }
  await admin.locator("#brand-custom_css").fill("#brand-title { letter-spacing: 7px; }");
  await admin.locator("#brand-save").click();
  await expect(admin.locator(".toast").last()).toHaveText("Brand saved.");

  const base = new URL(process.env.BASE_URL ?? "http://127.0.0.1:9000");
  const visitor = await (await browser.newContext()).newPage();
  const violations = await watchViolations(visitor);
  await visitor.goto(`${base.protocol}//localhost:${base.port}/if/flow/default-authentication-flow/`);
  await hydrated(visitor);
  await expect(visitor.locator("#brand-title")).toHaveCSS("letter-spacing", "7px");
  expect(violations).toEqual([]);
});
