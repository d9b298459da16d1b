import { expect, test } from "@playwright/test";
import { ADMIN, hydrated, login } from "./helpers";

test("set up the admin, log out, log in, see the admin dashboard, log out", async ({ page }) => {
  await page.goto("/if/flow/initial-setup/");
  await hydrated(page);
  await page.locator("#field-username").fill(ADMIN.username);
  await page.locator("#field-email").fill(ADMIN.email);
  await page.locator("#field-password").fill(ADMIN.password);
  await page.locator("#field-password_repeat").fill(ADMIN.password);
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page).toHaveURL(/\/if\/user\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Welcome, ${ADMIN.username}`);

  await page.locator("#logout").click();
  await expect(page).toHaveURL(/\/if\/flow\/default-authentication-flow\/\?next=\/if\/user\/$/);

  // Setup is closed for good.
  const again = await page.goto("/if/flow/initial-setup/");
  expect(again?.status()).toBe(404);

  await login(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await page.locator("#admin-link").click();
  await expect(page).toHaveURL(/\/if\/admin\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Admin" })).toContainText("Users");

  await page.locator("#logout").click();
  await expect(page.locator("#field-uid_field")).toBeVisible();
  const portal = await page.goto("/if/admin/");
  await expect(page).toHaveURL(/default-authentication-flow\/\?next=\/if\/admin\/$/);
  expect(portal?.ok()).toBe(true);
});
