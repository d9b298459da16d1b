import { expect, test } from "@playwright/test";
import * as fs from "fs";
import { ADMIN, hydrated, login } from "./helpers";

test("admin generates a certificate and downloads it without its key", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/if\/user\/$/);

  await page.goto("/if/admin/system/certificates/");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Certificates" })).toBeVisible();
  await expect(page.locator('tr[data-cert="authentik Self-signed Certificate"]')).toBeVisible();
  await expect(page.locator("#cert-generate-algorithm")).toHaveValue("ec_p256");
  await expect(page.locator("#cert-generate-validity_days")).toHaveValue("365");

  // A bad SAN is reported beside its field.
  await page.locator("#cert-generate-name").fill("e2e-cert");
  await page.locator("#cert-generate-common_name").fill("e2e.example.com");
  await page.locator("#cert-generate-sans").fill("e2e.example.com\nnot a host");
  await page.locator("#cert-generate-submit").click();
  await expect(page.locator("#cert-generate-sans-error")).toContainText("not a host");
  await expect(page.locator('tr[data-cert="e2e-cert"]')).toHaveCount(0);

  await page.locator("#cert-generate-algorithm").selectOption("ec_p256");
  await page.locator("#cert-generate-sans").fill("e2e.example.com, 127.0.0.1");
  await page.locator("#cert-generate-submit").click();
  await expect(page.locator(".toast").last()).toHaveText("Certificate generated.");
  await expect(page.locator("#cert-generate-sans-error")).toHaveCount(0);
  const row = page.locator('tr[data-cert="e2e-cert"]');
  await expect(row).toBeVisible();
  await expect(row).toContainText("CN=e2e.example.com");
  await expect(row).toContainText("e2e.example.com, 127.0.0.1");
  await expect(row).toContainText("EC P-256");
  await expect(row).toContainText("has key");
  await expect(row).toContainText("expires in 364 days");
  await expect(row).not.toContainText("PRIVATE KEY");

  const downloading = page.waitForEvent("download");
  await row.locator("a.cert-download").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("e2e-cert_certificate.pem");
  const file = await download.path();
  expect(file).toBeTruthy();
  const pem = fs.readFileSync(file!, "utf8");
  expect(pem.startsWith("-----BEGIN CERTIFICATE-----")).toBe(true);
  expect(pem).toContain("-----END CERTIFICATE-----");
  expect(pem).not.toContain("PRIVATE KEY");

  // At phone width the table scrolls inside its box; the page itself does not.
  await page.setViewportSize({ width: 375, height: 800 });
  await expect(row).toBeAttached();
  const overflow = await page.locator("main").evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
