import { expect, test } from "@playwright/test";
import { ADMIN, hydrated, login } from "./helpers";

// Every page must work on a 375 px wide phone: nothing may push the page wider than the screen
// (wide tables scroll inside their own box).
const PAGES = [
  "/if/user/",
  "/if/user/settings/",
  "/if/admin/",
  "/if/admin/users/",
  "/if/admin/groups/",
  "/if/admin/events/",
  "/if/admin/sessions/",
  "/if/admin/tokens/",
  "/if/admin/system/blueprints/",
  "/if/admin/system/tasks/",
  "/if/admin/system/settings/",
];

test("pages fit a 375 px wide screen", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 375, height: 740 } })).newPage();
  await login(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  for (const path of PAGES) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.locator("main, form").first()).toBeVisible();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width} px wide`).toBeLessThanOrEqual(375);
  }
});
