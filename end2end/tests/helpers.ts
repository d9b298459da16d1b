import { createHmac } from "node:crypto";
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

/** The TOTP code (RFC 6238: HMAC-SHA1, 30 s, 6 digits) of a base32 secret, `steps` steps from
 * now: what an authenticator app holding the secret shows. */
export function totp(secret: string, steps = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + steps));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

/** Creates a user through the admin's server functions, signed in as `admin`; the user's id. */
export async function createUser(admin: Page, username: string, password: string): Promise<string> {
  const created = await admin.request.post("/-/fn/admin/users/create", {
    data: {
      form: { username, name: username, email: `${username}@example.com`, is_active: true, attributes: "{}", groups: [] },
      service_account: false,
    },
  });
  const body = await created.json();
  expect(body.Ok, JSON.stringify(body)).toBeTruthy();
  const id = body.Ok as string;
  const set = await admin.request.post("/-/fn/admin/users/set-password", { data: { id, password } });
  expect(set.ok(), await set.text()).toBeTruthy();
  return id;
}
