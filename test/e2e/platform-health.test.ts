import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds } from "../posts/support.js";

const skip = browserTestSkip(webRoot);

describe("the platform health page", { skip }, () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let browser: Browser;

  before(async () => {
    sandbox = await startSandbox();
    ({ app } = await startAppWithSandbox({ sandbox, env: { PLATFORM_CALLS_FLUSH_MS: "50" } }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sandbox?.close();
  });

  test("shows a platform's outage and its error record, which an admin resolves", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Ivy Marsh" });
    await createOrganization(client, "Harbor Goods");
    await connectThroughConsent(client, "x", { identity: "ava" });
    const x = (await connectionIds(client)).byKey("x");
    const fault = await fetch(`${sandbox.url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix: "x", method: "GET", path: "/2/users/me", mode: "error", status: 503, count: 6 }),
    });
    assert.equal(fault.status, 201);
    for (let attempt = 0; attempt < 6; attempt++) await client.post(`/api/social-media/connections/${x}/check`);
    await app.runtime.callLog.flush();

    const page = await signedInPage(browser, app.url, user.email);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole("navigation").getByRole("link", { name: "Platform health" }).click();
    const card = page.getByRole("region", { name: "X health" });
    await card.getByText("Down").waitFor();
    await card.getByText("transient 6").waitFor();
    await card.getByText("GET /2/users/me").waitFor();
    const row = page.getByRole("row", { name: /API/ });
    await row.getByRole("cell", { name: "6", exact: true }).waitFor();
    await page.screenshot({ path: await screenshotPath("platform-health-1280"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: await screenshotPath("platform-health-390"), fullPage: true });
    await page
      .locator(".card", { has: page.getByRole("heading", { name: "Error records" }) })
      .screenshot({ path: await screenshotPath("platform-health-390-errors") });

    await row.getByRole("button", { name: "Resolve" }).click();
    await page.getByText("No error records for these filters.").waitFor();
    const [record] = (await client.get("/api/social-media/errors?platform=x")).body.errors;
    assert.equal(record.resolvedByUserId, user.id);
  });
});
