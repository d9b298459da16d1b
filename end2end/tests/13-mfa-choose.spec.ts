import { expect, Page, test } from "@playwright/test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, createUser, hydrated, login, totp } from "./helpers";

// Issue 13: a person with two kinds of second factor picks the one at hand. Email codes arrive
// through the SMTP sink scripts/e2e.sh starts.
const SINK = process.env.SMTP_SINK_DIR ?? "";
const PASSWORD = "mfa-choose-password-1";

/** The mails to `address`, oldest first. */
function mailsTo(address: string): string[] {
  return readdirSync(SINK)
    .map((f) => join(SINK, f))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
    .map((f) => readFileSync(f, "utf8"))
    .filter((m) => m.includes(`X-Rcpt: ${address}`));
}

/** The code in the `n`th mail (from 1) to `address`, once it arrived. */
async function mailedCode(address: string, n: number): Promise<string> {
  await expect.poll(() => mailsTo(address).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(n);
  const mail = mailsTo(address)[n - 1];
  const code = mail.slice(mail.indexOf("sign-in code for")).match(/\b(\d{6})\b/);
  expect(code, mail).not.toBeNull();
  return code![1];
}

async function settings(page: Page) {
  await page.goto("/if/user/settings/");
  await hydrated(page);
}

test("with an app and email codes, choose email at sign-in", async ({ browser }) => {
  expect(SINK, "SMTP_SINK_DIR is set by scripts/e2e.sh").not.toBe("");
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);
  await createUser(admin, "mfa-choose", PASSWORD);
  const address = "mfa-choose@example.com";

  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, "mfa-choose", PASSWORD);
  await expect(page).toHaveURL(/\/if\/user\/$/);

  // An authenticator app …
  await settings(page);
  await page.locator("#enroll-totp").click();
  await page.getByText("Can't scan it? Enter the key instead").click();
  const secret = (await page.locator("#totp-secret").textContent())?.trim() ?? "";
  await page.locator("#field-code").fill(totp(secret));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/if\/user\/settings\/$/);

  // … and email codes: the code goes to the account's address (from the settings page the app's
  // setup came back to).
  await hydrated(page);
  await page.locator("#enroll-email").click();
  await expect(page.locator("#email-hint")).toContainText("m•••@example.com");
  await page.locator("#field-code").fill(await mailedCode(address, 1));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/if\/user\/settings\/$/);
  await hydrated(page);
  await expect(page.locator("#mfa-devices li")).toHaveCount(2);
  await expect(page.locator("#mfa-devices")).toContainText("Email code");
  await context.clearCookies();

  // Sign in: the app is asked for first; the person picks email instead.
  await login(page, "mfa-choose", PASSWORD);
  await expect(page.locator("#mfa-hint")).toContainText("authenticator app");
  await page.locator("#mfa-other").getByRole("button", { name: "Email code" }).click();
  await expect(page.locator("#mfa-hint")).toContainText("We sent a code to m•••@example.com");
  await page.locator("#field-code").fill(await mailedCode(address, 2));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/if\/user\/$/);

  // The person renames the email device; a name that will not do is said beside the field.
  await settings(page);
  const mail = page.locator("#mfa-devices li", { hasText: "Email code" });
  await mail.getByRole("button", { name: "Rename" }).click();
  const name = mail.getByLabel("Device name");
  await name.fill("   ");
  await mail.getByRole("button", { name: "Save" }).click();
  await expect(mail.locator(".field-error")).toHaveText("Give the device a name.");
  await name.fill("Work inbox");
  await mail.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#mfa-devices")).toContainText("Work inbox");
  await context.close();
});
