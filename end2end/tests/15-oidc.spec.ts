import { expect, test } from "@playwright/test";
import { ADMIN, createUser, hydrated, login } from "./helpers";

// Issue 14: from "My applications", an app signs its user in by OpenID Connect through Ward's
// login and consent pages; the relying party (end2end/rp/rp.mjs, with its provider from the
// blueprint scripts/e2e.sh writes) shows the ID token's claims; the consent is in the portal
// and can be revoked.
const PASSWORD = "oidc-user-password-1";

test("the admin's providers page lists the provider, shows its secret and warns of old grants", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await page.goto("/if/admin/core/providers/");
  await hydrated(page);
  const row = page.locator('#providers li[data-provider="e2e-rp"]');
  await expect(row).toContainText("E2E Relying Party");
  await row.getByRole("button", { name: "View secret" }).click();
  await expect(page.locator("#provider-secret")).toHaveValue(/.{20,}/);
  await row.getByRole("button", { name: "Edit" }).click();
  await expect(page.locator("#provider-name")).toHaveValue("e2e-rp");
  await expect(page.locator("#provider-grant-warning")).toHaveCount(0);
  await page.locator('input[data-grant="implicit"]').check();
  await expect(page.locator("#provider-grant-warning")).toBeVisible();
});

test("launch an app from My applications, consent, land signed in; revoke the consent", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);
  await createUser(admin, "oidc-user", PASSWORD);

  const page = await (await browser.newContext()).newPage();
  // Not signed in: the portal sends the person to the login pages first.
  await page.goto("/if/user/");
  await expect(page).toHaveURL(/\/if\/flow\/default-authentication-flow\//);
  await hydrated(page);
  await page.locator("#field-uid_field").fill("oidc-user");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.locator("#field-password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await hydrated(page);

  const card = page.locator('#library a[data-app="e2e-rp"]');
  await expect(card).toContainText("E2E Relying Party");
  await expect(card).toContainText("Shows its ID token");
  // The search filters the library.
  // The portal's own chunk may still be loading: typing again until the filter answers.
  await expect(async () => {
    await page.locator("#library-search").fill("nothing like it");
    await expect(card).toHaveCount(0, { timeout: 1000 });
  }).toPass();
  await page.locator("#library-search").fill("relying");
  await expect(card).toHaveCount(1);
  await card.click();

  // Ward's consent page names the application and what it will see.
  await expect(page).toHaveURL(/\/if\/flow\/default-provider-authorization-explicit-consent\//);
  await expect(page.locator("#consent-application")).toContainText("E2E Relying Party");
  await expect(page.locator('#consent-permissions li[data-scope="email"]')).toHaveText("Email address");
  await expect(page.locator('#consent-permissions li[data-scope="profile"]')).toBeVisible();
  await page.getByRole("button", { name: "Continue" }).click();

  // The relying party's page: the ID token's claims.
  await expect(page.locator("#claims")).toBeVisible();
  const claims = JSON.parse((await page.locator("#claims").textContent()) ?? "{}");
  expect(claims.preferred_username).toBe("oidc-user");
  expect(claims.email).toBe("oidc-user@example.com");
  expect(claims.aud).toBe("e2e-rp");
  expect(claims.iss).toMatch(/\/application\/o\/e2e-rp\/$/);
  await expect(page.locator("#nonce-ok")).toHaveText("true");

  // The consent is in the portal, and revoking it makes the app ask again.
  await page.goto("/if/user/settings/");
  await hydrated(page);
  const row = page.locator('#consents li[data-consent="E2E Relying Party"]');
  await expect(row).toContainText("Email address");
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toHaveCount(0);
  await expect(page.locator("#consents")).toContainText("No application has consent.");
});
