import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds } from "../posts/support.js";

describe("alerts in the dashboard", { skip: browserTestSkip(webRoot) }, () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let admin: HttpClient;
  let email: string;

  before(async () => {
    sandbox = await startSandbox();
    ({ app } = await startAppWithSandbox({ sandbox }));
    browser = await launchBrowser();
    admin = app.client();
    email = (await signUp(admin, { name: "Dana Whitfield" })).email;
    await createOrganization(admin, "Northwind Marketing");
    await connectThroughConsent(admin, "x", { identity: "ava" });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sandbox?.close();
  });

  const shoot = async (page: Page, name: string) =>
    page.screenshot({ path: await screenshotPath(name), fullPage: true });

  test("the bell counts a new alert live, lists it, and the account needing attention leads the overview", async () => {
    const page = await signedInPage(browser, app.url, email);
    await page.setViewportSize({ width: 1280, height: 900 });
    const bell = page.getByRole("button", { name: /^Alerts/ });
    await bell.waitFor();
    assert.equal(await bell.getAttribute("aria-label"), "Alerts");

    // The account is revoked at the platform and a check finds it: no page reload follows.
    await fetch(`${sandbox.url}_sandbox/revoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ platform: "x", personId: "ava" }),
    });
    const checked = await admin.post(`/api/social-media/connections/${(await connectionIds(admin)).byKey("x")}/check`);
    assert.equal(checked.body.connection.status, "invalid");
    await page.getByRole("button", { name: "Alerts: 1 unread" }).waitFor({ timeout: 15_000 });

    await page.getByRole("button", { name: "Alerts: 1 unread" }).click();
    const panel = page.getByRole("dialog", { name: "Recent alerts" });
    await panel.getByText("must be reconnected").waitFor();
    await shoot(page, "alerts-bell-1280");
    await panel.getByRole("button", { name: "Mark read" }).click();
    await page.getByRole("button", { name: "Alerts", exact: true }).waitFor();
    await page.keyboard.press("Escape");

    await page.reload();
    await page.getByRole("heading", { name: "Needs attention" }).waitFor();
    await page.getByText("Reconnect needed").waitFor();
    await shoot(page, "alerts-overview-1280");

    await page.getByRole("navigation").getByRole("link", { name: "Alerts" }).click();
    await page.getByRole("heading", { name: "Alerts", exact: true }).waitFor();
    await page.getByText("How alerts reach you").waitFor();
    await page.getByText("E-mail is off on this server").waitFor();
    await shoot(page, "alerts-page-1280");

    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, "alerts-page-390");
    await page.getByRole("button", { name: /^Alerts/ }).click();
    await shoot(page, "alerts-bell-390");
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Resolve" }).click();
    await page.getByText("No alerts here. All quiet.").waitFor();
  });
});
