import { expect, test } from "@playwright/test";
import { ADMIN, login } from "./helpers";

test.use({ javaScriptEnabled: false });

test("log in with JavaScript disabled", async ({ page }) => {
  await page.goto("/if/admin/");
  await expect(page).toHaveURL(/default-authentication-flow\/\?next=\/if\/admin\/$/);
  await page.locator("#field-uid_field").fill(ADMIN.email);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#pending-user")).toHaveText(ADMIN.email);
  await page.locator("#field-password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/if\/admin\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await page.locator("#logout").click();
  await expect(page.locator("#field-uid_field")).toBeVisible();
});

test("a wrong password without JavaScript shows the error next to the field", async ({ page }) => {
  await login(page, ADMIN.username, "not-the-password", false);
  await expect(page.locator("#error-password")).toHaveText("Invalid username or password.");
});
