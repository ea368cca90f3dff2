import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { chromiumPath, launchBrowser, screenshotPath } from "../support/browser.js";
import { testPassword } from "../support/factories.js";

const skip = !existsSync(chromiumPath)
  ? `no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`
  : !existsSync(webRoot)
    ? "the dashboard is not built (npm run build)"
    : false;

describe("the dashboard in a browser", { skip }, () => {
  let app: TestApp;
  let browser: Browser;

  before(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("sign up, create an organization, invite a member, who joins; the audit log shows it", async () => {
    const admin = await browser.newPage({ baseURL: app.url.toString(), viewport: { width: 1360, height: 860 } });
    await admin.goto("/");
    await admin.waitForURL(/\/login/);
    await admin.getByRole("link", { name: "Create an account" }).click();
    await admin.getByLabel("Your name").fill("Dana Whitfield");
    await admin.getByLabel("Work email").fill("dana@northwind.example");
    await admin.getByLabel("Password").fill("short");
    await admin.getByRole("button", { name: "Create account" }).click();
    await admin.getByText("password: must be at least 10 characters").waitFor();
    await admin.getByLabel("Password").fill(testPassword);
    await admin.getByRole("button", { name: "Create account" }).click();

    await admin.getByRole("heading", { name: "Create an organization" }).waitFor();
    await admin.getByLabel("Organization name").fill("Northwind Marketing");
    await admin.getByRole("button", { name: "Create organization" }).click();
    await admin.getByRole("heading", { name: "Good to see you, Dana" }).waitFor();
    await admin.getByText("1 worker seen").waitFor();
    await admin.screenshot({ path: await screenshotPath("overview"), fullPage: true });

    await admin.getByRole("navigation").getByRole("link", { name: "Team" }).click();
    await admin.getByLabel("Email", { exact: true }).fill("sam@northwind.example");
    await admin.getByLabel("Role", { exact: true }).selectOption("USER");
    await admin.getByRole("button", { name: "Send invitation" }).click();
    const link = await admin.locator(".alert-success code").textContent();
    assert.match(link ?? "", /\/invite\/[\w-]{40,}$/);
    await admin.getByRole("cell", { name: "sam@northwind.example" }).waitFor();
    await admin.screenshot({ path: await screenshotPath("team-invited"), fullPage: true });

    const invitee = await browser.newPage({ baseURL: app.url.toString(), viewport: { width: 1360, height: 860 } });
    await invitee.goto(link!);
    await invitee.getByRole("heading", { name: "Join Northwind Marketing" }).waitFor();
    await invitee.getByRole("link", { name: "Create an account to join" }).click();
    await invitee.getByLabel("Your name").fill("Sam Ortiz");
    assert.equal(await invitee.getByLabel("Work email").inputValue(), "sam@northwind.example");
    await invitee.getByLabel("Password").fill(testPassword);
    await invitee.getByRole("button", { name: "Create account" }).click();
    await invitee.getByRole("button", { name: "Accept and join" }).click();
    await invitee.getByRole("heading", { name: "Good to see you, Sam" }).waitFor();
    assert.equal(
      await invitee.getByRole("navigation").getByRole("link", { name: "Audit log" }).count(),
      0,
      "a member sees no audit log",
    );

    await admin.getByRole("navigation").getByRole("link", { name: "Audit log" }).click();
    await admin.getByText("dana@northwind.example invited sam@northwind.example as USER").waitFor();
    await admin.getByText("sam@northwind.example joined as USER").waitFor();
    await admin.screenshot({ path: await screenshotPath("audit"), fullPage: true });

    await admin.getByRole("navigation").getByRole("link", { name: "Team" }).click();
    await admin.getByRole("cell", { name: /Sam Ortiz/ }).waitFor();
    await admin.getByLabel("Role of sam@northwind.example").selectOption("GUEST");
    await admin.getByLabel("Role of dana@northwind.example").selectOption("USER");
    await admin.getByText("An organization needs at least one admin").waitFor();
    await admin.screenshot({ path: await screenshotPath("team-last-admin"), fullPage: true });
    await admin.close();
    await invitee.close();
  });
});
