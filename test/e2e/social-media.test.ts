import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { platformIds } from "../../src/platforms/profiles.js";

const skip = browserTestSkip(webRoot);

describe("connecting accounts from the dashboard, against the in-process sandbox", { skip }, () => {
  let app: TestApp;
  let browser: Browser;

  before(async () => {
    app = await startTestApp({ sandboxTwin: sandboxTwin() });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("Facebook through the consent page and the account picker, Telegram through the bot form", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Ivy Marsh" });
    await createOrganization(client, "Harbor Goods");
    const page = await signedInPage(browser, app.url, user.email);
    await page.getByRole("navigation").getByRole("link", { name: "Social accounts" }).click();

    const facebook = page.getByTestId("platform-facebook");
    await facebook.getByText("Sandbox").waitFor();
    assert.equal(
      await page.locator(".badge-sandbox").count(),
      platformIds.length,
      "every platform is labelled Sandbox",
    );
    await facebook.getByRole("button", { name: "Connect Facebook Pages" }).click();

    await page.getByText("SANDBOX", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Allow" }).click();
    await page.getByRole("heading", { name: "Choose what to connect" }).waitFor();
    await page.getByRole("checkbox", { name: /Northwind Bakery/ }).uncheck();
    await page.getByRole("button", { name: "Connect 1 account" }).click();
    await facebook.getByText("Northwind Coffee").waitFor();
    await facebook.getByText("Healthy").waitFor();
    assert.equal(await facebook.getByText("Northwind Bakery").count(), 0);

    const telegram = page.getByTestId("platform-telegram");
    await telegram.getByRole("button", { name: "Use the sandbox demo bot" }).click();
    await telegram.getByRole("button", { name: "Connect channel" }).click();
    await telegram.getByText("Northwind News").waitFor();
    await telegram.getByText("Healthy").waitFor();
    await page.screenshot({ path: await screenshotPath("social-accounts"), fullPage: true });

    const listed = await client.get("/api/social-media/connections");
    assert.deepEqual(
      listed.body.connections
        .map((connection: { platform: string; isSandbox: boolean }) => [connection.platform, connection.isSandbox])
        .sort(),
      [
        ["facebook", true],
        ["telegram", true],
      ],
    );
    await page.context().close();
  });

  test("LinkedIn offers its two apps, each explained; pages connect through the pages app", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Lee Quay" });
    await createOrganization(client, "Quay Works");
    const page = await signedInPage(browser, app.url, user.email);
    await page.getByRole("navigation").getByRole("link", { name: "Social accounts" }).click();
    const linkedin = page.getByTestId("platform-linkedin");
    await linkedin.getByText(/Post as yourself/).waitFor();
    await linkedin.getByText(/Post as the company pages you administer/).waitFor();
    await linkedin.getByRole("button", { name: "Connect LinkedIn pages" }).click();
    await page.getByText("SANDBOX", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Allow" }).click();
    await page.getByRole("heading", { name: "Choose what to connect" }).waitFor();
    await page.getByRole("checkbox", { name: /Northwind Labs/ }).uncheck();
    await page.getByRole("button", { name: "Connect 1 account" }).click();
    await linkedin.getByText("Northwind Group").waitFor();
    const listed = await client.get("/api/social-media/connections");
    assert.deepEqual(
      listed.body.connections.map((connection: { variant: string; accountKind: string }) => [
        connection.variant,
        connection.accountKind,
      ]),
      [["pages", "organization"]],
    );
    await page.context().close();
  });
});
