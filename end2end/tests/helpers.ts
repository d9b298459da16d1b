import { expect, Page } from "@playwright/test";

export const ADMIN = { username: "akadmin", email: "admin@example.com", password: "e2e-admin-password-1" };

/** Waits until the WebAssembly app has taken over the page. */
export async function hydrated(page: Page) {
  await page.locator('html[data-hydrated="true"]').waitFor({ state: "attached" });
}

export async function login(page: Page, uid: string, password: string, js = true) {
  await page.goto("/if/flow/default-authentication-flow/");
  if (js) await hydrated(page);
  await page.locator("#field-uid_field").fill(uid);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#field-password")).toBeVisible();
  await page.locator("#field-password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}
