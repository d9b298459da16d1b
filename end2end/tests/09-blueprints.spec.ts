import { expect, test } from "@playwright/test";
import { ADMIN, hydrated, login } from "./helpers";

// scripts/e2e.sh writes e2e-blueprint.yaml (a group named e2e-blueprint-group) into the data
// dir's blueprints/ before Ward starts, so it was applied at start.
test("admin sees the blueprint applied at start and applies it again", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/if\/user\/$/);

  await page.goto("/if/admin/system/blueprints/");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Blueprints" })).toBeVisible();
  const row = page.locator('tr[data-blueprint="e2e-blueprint"]');
  await expect(row).toBeVisible();
  await expect(row).toContainText("e2e-blueprint.yaml");
  await expect(row.locator(".blueprint-status")).toHaveText("successful");
  await expect(row.locator(".blueprint-error")).toHaveCount(0);

  await row.getByRole("button", { name: "Apply now" }).click();
  await expect(page.locator(".toast").last()).toHaveText(
    "Applied e2e-blueprint: 0 created, 0 updated, 0 deleted.",
  );
  await expect(row.locator(".blueprint-status")).toHaveText("successful");

  // What it made is an ordinary group.
  await page.goto("/if/admin/groups/");
  await hydrated(page);
  await expect(page.getByText("e2e-blueprint-group").first()).toBeVisible();
});
