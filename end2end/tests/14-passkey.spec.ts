import { CDPSession, expect, Page, test } from "@playwright/test";
import { ADMIN, createUser, hydrated, login } from "./helpers";

// Issue 13: a passkey enrolled in settings, then signing in with it from the username field's
// autofill, no username or password typed. WebAuthn needs a domain name as its relying party
// (never an IP address), so this file talks to Ward as localhost.
test.use({ baseURL: (process.env.BASE_URL ?? "http://127.0.0.1:9000").replace("127.0.0.1", "localhost") });

const PASSWORD = "mfa-passkey-password-1";

/** Chromium's DevTools virtual authenticator: a platform passkey store that verifies the user. */
async function authenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

test("enroll a passkey in settings, then sign in with it and no password", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);
  await createUser(admin, "mfa-passkey", PASSWORD);

  const context = await browser.newContext();
  const page = await context.newPage();
  const { cdp, id } = await authenticator(page);
  // The username field offers passkeys (none on this authenticator yet, so it stays quiet).
  await page.goto("/if/flow/default-authentication-flow/");
  await hydrated(page);
  await expect(page.locator("#field-uid_field")).toHaveAttribute("autocomplete", "username webauthn");
  await expect(page.locator("#passwordless")).toHaveText("Sign in with a passkey");
  await login(page, "mfa-passkey", PASSWORD);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await page.goto("/if/user/settings/");
  await hydrated(page);
  await page.locator("#enroll-webauthn").click();
  await expect(page).toHaveURL(/default-authenticator-webauthn-setup/);
  await hydrated(page);
  await page.locator("#field-name").fill("Laptop");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page).toHaveURL(/\/if\/user\/settings\/$/);
  await hydrated(page);
  await expect(page.locator("#mfa-devices li")).toContainText("Laptop");
  await expect(page.locator("#mfa-devices li")).toContainText("Security key or passkey");
  // A passkey: kept on the authenticator, for this site, naming its user.
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId: id });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  expect(credentials[0].rpId).toBe("localhost");
  const signCount = credentials[0].signCount;

  // Signed out, the sign-in page offers the passkey in the username field (autofill); picking
  // it (the virtual authenticator picks at once) signs in, with nothing typed.
  await context.clearCookies();
  await page.goto("/if/flow/default-authentication-flow/");
  await expect(page).toHaveURL(/\/if\/user\/$/, { timeout: 15_000 });
  const after = await cdp.send("WebAuthn.getCredentials", { authenticatorId: id });
  expect(after.credentials[0].signCount).toBeGreaterThan(signCount);

  // The passwordless flow does the same on its own, as a button.
  await context.clearCookies();
  await page.goto("/if/flow/default-passwordless-flow/");
  await expect(page).toHaveURL(/\/if\/user\/$/, { timeout: 15_000 });

  // After a password, a passkey is the second factor too.
  await context.clearCookies();
  await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: id });
  await login(page, "mfa-passkey", PASSWORD);
  await expect(page.locator("#mfa-hint")).toContainText("security key or passkey");
  await context.close();
});

test("without JavaScript, the key's page says it needs it", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await login(page, ADMIN.username, ADMIN.password, false);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await page.goto("/if/flow/default-authenticator-webauthn-setup/");
  await expect(page.locator("noscript")).toHaveCount(1);
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page.getByRole("alert")).toContainText("need JavaScript");
  await context.close();
});
