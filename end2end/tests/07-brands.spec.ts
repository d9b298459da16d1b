import { expect, test } from "@playwright/test";
import { ADMIN, hydrated, login } from "./helpers";

// A 1×1 PNG.
const PNG_1X1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

test("a brand for localhost changes the login page on that host only", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);

  await admin.goto("/if/admin/system/brands/");
  await hydrated(admin);
  await expect(admin.locator("#brand-list")).toBeVisible();
  // On a second run against the same installation, edit the brand made by the first.
  if ((await admin.locator("#brand-edit-localhost").count()) > 0) {
    await admin.locator("#brand-edit-localhost").click();
  }
  await admin.locator("#brand-domain").fill("localhost");
  await admin.locator("#brand-title").fill("Localhost Brand");
  await admin.locator("#brand-primary_color").fill("red");
  await admin.locator("#brand-save").click();
  await expect(admin.locator("#brand-primary_color-error")).toHaveText("Enter a colour as #rrggbb.");
  await admin.locator("#brand-primary_color").fill("#ff0000");
  await admin.locator("#brand-save").click();
  await expect(admin.locator(".toast").last()).toHaveText("Brand saved.");
  await expect(admin.locator("#brand-edit-localhost")).toBeVisible();

  // Text is refused whatever its name; a PNG is kept.
  await admin.locator("#brand-logo-file").setInputFiles({
    name: "logo.png",
    mimeType: "image/png",
    buffer: Buffer.from("this is not an image"),
  });
  await expect(admin.locator("#brand-logo-error")).toHaveText("Upload a PNG, JPEG or SVG image.");
  await admin.locator("#brand-logo-file").setInputFiles({
    name: "logo.png",
    mimeType: "image/png",
    buffer: Buffer.from(PNG_1X1, "base64"),
  });
  await expect(admin.locator(".toast").last()).toHaveText("Image uploaded.");
  await expect(admin.locator("#brand-logo-preview")).toBeVisible();

  // The same Ward on the host "localhost" shows the brand.
  const base = new URL(process.env.BASE_URL ?? "http://127.0.0.1:9000");
  const port = base.port || (base.protocol === "https:" ? "443" : "80");
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`${base.protocol}//localhost:${port}/if/flow/default-authentication-flow/`);
  await hydrated(visitor);
  await expect(visitor.locator("#brand-title")).toHaveText("Localhost Brand");
  await expect(visitor).toHaveTitle(/Localhost Brand/);
  await expect(visitor.locator("#brand-logo")).toBeVisible();
  await expect(visitor.getByRole("button", { name: "Continue" })).toHaveCSS(
    "background-color",
    "rgb(255, 0, 0)",
  );

  // The admin's host (127.0.0.1) keeps the default brand.
  const other = await (await browser.newContext()).newPage();
  await other.goto("/if/flow/default-authentication-flow/");
  await expect(other.locator("#brand-title")).toHaveText("Ward");
  await expect(other.locator("#brand-logo")).toHaveCount(0);
});
