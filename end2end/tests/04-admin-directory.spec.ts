import { expect, test } from "@playwright/test";
import { ADMIN, hydrated, login } from "./helpers";

const CAROL = { username: "carol", email: "carol@example.com", first: "carol-password-1", second: "carol-password-2" };

test("admin manages a user; the user changes the password; admin audits and revokes", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await login(admin, ADMIN.username, ADMIN.password);
  await expect(admin).toHaveURL(/\/if\/user\/$/);

  // A group, then a user in it with a password.
  await admin.goto("/if/admin/groups/");
  await hydrated(admin);
  await admin.locator("#group-name").fill("e2e-team");
  await admin.locator("#group-save").click();
  await expect(admin.getByRole("button", { name: "e2e-team" })).toBeVisible();

  await admin.goto("/if/admin/users/");
  await hydrated(admin);
  await admin.locator("#create-user").click();
  await admin.locator("#new-user-username").fill(CAROL.username);
  await admin.locator("#new-user-email").fill("not-an-email");
  await admin.locator("form button[type=submit]").click();
  await expect(admin.locator("#new-user-email-error")).toHaveText("Please enter a valid email address.");
  await admin.locator("#new-user-email").fill(CAROL.email);
  await admin.locator("#new-user-name").fill("Carol Example");
  await admin.locator("form button[type=submit]").click();
  await expect(admin).toHaveURL(/\/if\/admin\/users\/[0-9a-f-]+\/$/);
  await admin.getByLabel("e2e-team").check();
  await admin.locator("#user-save").click();
  await expect(admin.locator(".toast").last()).toHaveText("Saved.");
  await admin.locator("#set-password-password").fill(CAROL.first);
  await admin.locator("#set-password-submit").click();
  await expect(admin.locator(".toast").last()).toHaveText("Password set.");

  // Carol signs in, changes her password, signs out and in again.
  const carol = await (await browser.newContext()).newPage();
  await login(carol, CAROL.username, CAROL.first);
  await expect(carol).toHaveURL(/\/if\/user\/$/);
  await carol.locator("#settings-link").click();
  await expect(carol).toHaveURL(/\/if\/user\/settings\/$/);
  await hydrated(carol);
  await carol.locator("#password-current").fill(CAROL.first);
  await carol.locator("#password-new").fill(CAROL.second);
  await carol.locator("#password-repeat").fill(CAROL.second);
  await carol.locator("#password-save").click();
  await expect(carol.locator(".toast").last()).toHaveText("Password changed.");
  await carol.locator("#logout").click();
  await expect(carol.locator("#field-uid_field")).toBeVisible();
  await login(carol, CAROL.username, CAROL.second);
  await expect(carol).toHaveURL(/\/if\/user\/$/);

  // The admin sees all of it, filtered by user, and exports it.
  await admin.goto("/if/admin/events/");
  await hydrated(admin);
  await admin.locator("#events-username").fill(CAROL.username);
  await admin.locator("#events-filter").click();
  const rows = admin.locator("#events-rows tr");
  await expect(rows.filter({ hasText: "password_set" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "login" }).first()).toBeVisible();
  const href = await admin.locator("#export-csv").getAttribute("href");
  expect(href).toContain("username=carol");
  const csv = await admin.context().request.get(href!);
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  expect(text.split("\r\n")[0]).toBe("created_at,action,username,client_ip,context");
  expect(text).toContain(",password_set,carol,");

  // Revoking Carol's session sends her next navigation to the login page.
  await admin.goto("/if/admin/sessions/");
  await hydrated(admin);
  await admin.locator('tr[data-user="carol"] button').first().click();
  await expect(admin.locator(".toast").last()).toHaveText("Session revoked.");
  await expect(admin.locator('tr[data-user="carol"]')).toHaveCount(0);
  await carol.goto("/if/user/");
  await expect(carol).toHaveURL(/default-authentication-flow\/\?next=\/if\/user\/$/);
});
