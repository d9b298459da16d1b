import { expect, Page, test } from "@playwright/test";
import { ADMIN, createUser, hydrated, login } from "./helpers";

// Issue 15: forward auth through a real nginx. scripts/e2e.sh runs Debian's nginx with
// authentik's `auth_request` snippet in front of an echo app (end2end/echo.mjs), and a
// blueprint gives the app a proxy provider (forward_single) on the embedded outpost. The
// person opens the app, signs in at Ward, and the app's page shows the X-authentik-* headers
// nginx passed on from Ward.
const APP = process.env.FORWARD_AUTH_URL ?? "http://127.0.0.1:9080";
const PASSWORD = "forward-auth-password-1";

/** What the echo app received as header `name` (lower case). */
const received = (page: Page, name: string) => page.locator(`#echo-headers tr[data-header="${name}"] td`);

/** The app's answer to a request with the context's cookies: nginx's redirect to the outpost's
 * `/start` while nobody is signed in, not the app. */
async function expectSignInAsked(page: Page, path: string) {
  const res = await page.context().request.get(`${APP}${path}`, { maxRedirects: 0 });
  expect(res.status(), await res.text()).toBe(302);
  // nginx makes its relative redirect absolute; the original URL goes in as it is.
  expect(res.headers()["location"]).toBe(`${APP}/outpost.goauthentik.io/start?rd=${APP}${path}`);
}

test("open the app through nginx, sign in at Ward, see the echoed user; sign out", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);
  const user = await createUser(admin, "proxy-user", PASSWORD);
  const saved = await admin.request.post("/-/fn/admin/groups/save", {
    data: { id: "", form: { name: "proxy-staff" } },
  });
  const group = (await saved.json()).Ok as string;
  expect(group, "the group's id").toBeTruthy();
  const member = await admin.request.post("/-/fn/admin/groups/set-member", { data: { group, user, add: true } });
  expect(member.ok(), await member.text()).toBeTruthy();

  const context = await browser.newContext();
  const page = await context.newPage();
  // Whatever the browser claims, nginx sends the app only what Ward said.
  await page.setExtraHTTPHeaders({ "X-authentik-username": ADMIN.username });
  const original = "/private/page?a=1";
  await expectSignInAsked(page, original);

  // The app is behind a sign-in: Ward's login flow, then back at the page asked for.
  await page.goto(`${APP}${original}`);
  await expect(page).toHaveURL(/\/if\/flow\/default-authentication-flow\//);
  await hydrated(page);
  await page.locator("#field-uid_field").fill("proxy-user");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.locator("#field-password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(`${APP}${original}`);
  await expect(page.locator("#echo-request")).toHaveText(`GET ${original}`);
  await expect(received(page, "x-authentik-username")).toHaveText("proxy-user");
  await expect(received(page, "x-authentik-email")).toHaveText("proxy-user@example.com");
  await expect(received(page, "x-authentik-groups")).toHaveText("proxy-staff");
  await expect(received(page, "x-authentik-uid")).toHaveText(/^[0-9a-f]{64}$/);

  // The session is the proxy provider's cookie on the app's host; another page needs no sign-in.
  const cookies = await context.cookies(APP);
  const session = cookies.find((c) => c.name.startsWith("authentik_proxy_"));
  expect(session, JSON.stringify(cookies.map((c) => c.name))).toBeTruthy();
  expect(session!.httpOnly).toBe(true);
  await page.goto(`${APP}/another`);
  await expect(page.locator("#echo-request")).toHaveText("GET /another");
  await expect(received(page, "x-authentik-username")).toHaveText("proxy-user");

  // Signing out at the outpost ends the app's session (not Ward's: the provider's invalidation
  // flow has no logout stage, as in authentik): the next visit is sent to sign in, and a copy of
  // the old cookie is nobody.
  await page.goto(`${APP}/outpost.goauthentik.io/sign_out`);
  await expect(page).toHaveURL((url) => !url.href.startsWith(APP));
  await expectSignInAsked(page, "/");
  const stranger = await browser.newContext();
  const copy = await stranger.request.get(`${APP}/`, {
    maxRedirects: 0,
    headers: { Cookie: `${session!.name}=${session!.value}` },
  });
  expect(copy.status()).toBe(302);
  await stranger.close();

  // Still signed in at Ward, the app's card in My applications signs in again without asking.
  await page.goto("/if/user/");
  await hydrated(page);
  await page.locator('#library a[data-app="e2e-echo"]').click();
  await expect(page).toHaveURL(`${APP}/`);
  await expect(received(page, "x-authentik-username")).toHaveText("proxy-user");

  // Signed out of Ward too, the next visit to the app is the login again.
  await page.goto("/if/user/");
  await hydrated(page);
  await page.locator("#logout").click();
  await expect(page.locator("#field-uid_field")).toBeVisible();
  await page.goto(`${APP}/`);
  await expect(page).toHaveURL(/\/if\/flow\/default-authentication-flow\//);
  await expect(page.locator("#field-uid_field")).toBeVisible();
  await context.close();
});
