import { expect, test } from "@playwright/test";
import { ADMIN, hydrated } from "./helpers";

test("a wrong password shows the error next to the password field", async ({ page }) => {
  await page.goto("/if/flow/default-authentication-flow/");
  await hydrated(page);
  await page.locator("#field-uid_field").fill(ADMIN.username);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.locator("#field-password").fill("definitely-wrong");
  await page.getByRole("button", { name: "Log in" }).click();

  const error = page.locator("#error-password");
  await expect(error).toHaveText("Invalid username or password.");
  // Beside the field: right after it, and the input points at it.
  await expect(page.locator("#field-password")).toHaveAttribute("aria-describedby", "error-password");
  await expect(page.locator("#field-password")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/default-authentication-flow/);

  // The right password still works afterwards.
  await page.locator("#field-password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/if\/user\/$/);
});
