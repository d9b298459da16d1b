import { expect, test } from "@playwright/test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, hydrated, login } from "./helpers";

// scripts/e2e.sh starts end2end/smtp-sink.mjs and points Ward's WARD_EMAIL__* at it.
const SINK = process.env.SMTP_SINK_DIR ?? "";

function mailTo(address: string): string | undefined {
  return readdirSync(SINK)
    .map((f) => readFileSync(join(SINK, f), "utf8"))
    .find((m) => m.includes(`X-Rcpt: ${address}`));
}

test("admin sends a test email and it arrives", async ({ page }) => {
  expect(SINK, "SMTP_SINK_DIR is set by scripts/e2e.sh").not.toBe("");
  await login(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/if\/user\/$/);
  await page.goto("/if/admin/system/settings/");
  await hydrated(page);
  await expect(page.locator("#email-settings")).toContainText("127.0.0.1");

  await page.locator("#email-test-to").fill("nope");
  await page.locator("#email-test-send").click();
  await expect(page.locator("#email-test-to-error")).toHaveText("Please enter a valid email address.");

  await page.locator("#email-test-to").fill("e2e-mail@example.com");
  await page.locator("#email-test-send").click();
  await expect(page.locator(".toast").last()).toContainText("Test email queued");
  await expect.poll(() => mailTo("e2e-mail@example.com") ?? "", { timeout: 15_000 }).toContain("Subject: Ward test email");
  expect(mailTo("e2e-mail@example.com")).toContain("sent by akadmin");
});
