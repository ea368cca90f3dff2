import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { KeyClient } from "../api-keys/support.js";

const skip = browserTestSkip(webRoot);

describe("API keys from the dashboard", { skip }, () => {
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

  test("an admin creates a key, copies it once, a script uses it over HTTP, and revoking it stops the script; a member sees no API keys", async () => {
    const client = app.client();
    const admin = await signUp(client, { name: "Ines Okafor" });
    await createOrganization(client, "Press Room");
    const user = await addMember(client, app.client(), "USER");
    const page = await signedInPage(browser, app.url, admin.email);
    await page.getByRole("navigation").getByRole("link", { name: "API keys" }).click();
    await page.getByText("No API keys yet").waitFor();

    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByLabel("Name").fill("CMS publisher");
    await page.getByLabel("Role").selectOption("USER");
    await page.getByLabel("Expires").selectOption("30");
    await page.locator("form").getByRole("button", { name: "Create key" }).click();
    const secret = (await page.getByTestId("new-api-key").textContent()) ?? "";
    assert.match(secret, /^msk_/);
    await page.getByText("it will not be shown again").waitFor();
    await page.screenshot({ path: await screenshotPath("api-keys-created"), fullPage: true });
    await page.getByRole("button", { name: "Done" }).click();
    assert.equal(await page.getByText(secret).count(), 0, "the key stays on the page");

    const script = new KeyClient(app.url, secret);
    const posts = await script.get("/api/posts");
    assert.equal(posts.status, 200, JSON.stringify(posts.body));

    await page.reload();
    const row = page.getByRole("row", { name: /CMS publisher/ });
    await row.getByText("from 127.0.0.1").waitFor();
    await row.getByText(secret.slice(0, 12)).waitFor();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: await screenshotPath("api-keys-1280"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: await screenshotPath("api-keys-390"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByText("Revoked").waitFor();
    assert.equal((await script.get("/api/posts")).status, 401);

    const memberPage = await signedInPage(browser, app.url, user.email);
    assert.equal(await memberPage.getByRole("navigation").getByRole("link", { name: "API keys" }).count(), 0);
  });
});
