import { Browser, expect, Page, test } from "@playwright/test";
import { ADMIN, createUser, hydrated, login, totp } from "./helpers";

// Issue 13: second factors enrolled through their setup flows from the settings, then asked for at
// sign-in (TOTP codes computed here from the secret the page shows, as the app would).
const SETUP = "/if/flow/default-authenticator-totp-setup/";
const PASSWORD = "mfa-totp-password-1";

async function enrollThenSignIn(browser: Browser, username: string, js: boolean) {
  const context = await browser.newContext({ javaScriptEnabled: js });
  const page = await context.newPage();
  const ready = async (p: Page) => {
    if (js) await hydrated(p);
  };

  // Enroll: the QR code is an SVG from the server; the key is there to type instead.
  // Settings → MFA devices → Add an authenticator app.
  await login(page, username, PASSWORD, js);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await page.goto("/if/user/settings/");
  await ready(page);
  await expect(page.locator("#mfa-devices")).toContainText("No second factor yet");
  await page.locator("#enroll-totp").click();
  await expect(page).toHaveURL(new RegExp(SETUP));
  await ready(page);
  await expect(page.locator("#totp-qr svg")).toBeVisible();
  await page.getByText("Can't scan it? Enter the key instead").click();
  const secret = (await page.locator("#totp-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const current = totp(secret);
  await page.locator("#field-code").fill(current === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.locator("#error-code")).toContainText("That code is not right");
  await page.locator("#field-code").fill(current);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/if\/user\/settings\/$/);
  await expect(page.locator("#mfa-devices li")).toContainText("Authenticator app");
  await context.clearCookies();

  // Sign in: password, then a code; the one that enrolled the app is spent (RFC 6238 §5.2).
  await login(page, username, PASSWORD, js);
  await expect(page.locator("#field-code")).toBeVisible();
  await page.locator("#field-code").fill(current);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#error-code")).toHaveText("That code is not right.");
  await page.locator("#field-code").fill(totp(secret, 1));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await ready(page);
  await context.close();
}

test("enroll an authenticator app, then sign in with password and code", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);
  await createUser(admin, "mfa-totp-js", PASSWORD);
  await createUser(admin, "mfa-totp-plain", PASSWORD);

  await enrollThenSignIn(browser, "mfa-totp-js", true);
  // The same without JavaScript: plain form posts all the way.
  await enrollThenSignIn(browser, "mfa-totp-plain", false);
});

test("create recovery codes in settings, then sign in with one", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);
  await createUser(admin, "mfa-static", PASSWORD);

  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, "mfa-static", PASSWORD);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await page.goto("/if/user/settings/");
  await hydrated(page);
  await page.locator("#enroll-static").click();
  await expect(page.locator("#recovery-codes li")).toHaveCount(6);
  const codes = await page.locator("#recovery-codes li").allTextContents();
  await expect(page.locator("#recovery-codes-download")).toHaveAttribute("download", "ward-recovery-codes.txt");
  await page.getByRole("button", { name: "I have saved these codes" }).click();
  await expect(page).toHaveURL(/\/if\/user\/settings\/$/);
  await expect(page.locator("#mfa-devices li")).toContainText("Recovery codes");
  await context.clearCookies();

  await login(page, "mfa-static", PASSWORD);
  await expect(page.locator("#mfa-hint")).toHaveText("Enter one of your recovery codes.");
  await page.locator("#field-code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await context.close();
});
