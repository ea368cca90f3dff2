import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { startReceiver, verifySignature } from "../webhooks/support.js";

const skip = browserTestSkip(webRoot);

describe("webhooks from the dashboard", { skip }, () => {
  let app: TestApp;
  let browser: Browser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    receiver = await startReceiver();
    app = await startTestApp({ env: { WEBHOOK_ALLOW_INTERNAL_ADDRESSES: "true" } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await receiver?.close();
  });

  test("an admin adds an endpoint, copies its secret once, sends a test event and reads the log; a member sees no Webhooks", async () => {
    const client = app.client();
    const admin = await signUp(client, { name: "Wren Abbott" });
    await createOrganization(client, "Signal Works");
    const member = app.client();
    const user = await addMember(client, member, "USER");
    const page = await signedInPage(browser, app.url, admin.email);
    await page.getByRole("navigation").getByRole("link", { name: "Webhooks" }).click();
    await page.getByText("No endpoints yet").waitFor();

    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByLabel("Endpoint URL").fill("ftp://example.com/hook");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByText("url: must be an http:// or https:// address").waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: await screenshotPath("webhooks-add-390"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByLabel("Endpoint URL").fill(receiver.url("/dashboard"));
    await page.getByLabel("Description").fill("Our CRM");
    await page.getByRole("checkbox", { name: /alert\.raised/ }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await page.locator(".alert-success code.link-box").textContent();
    assert.match(secret ?? "", /^whsec_/);
    await page.screenshot({ path: await screenshotPath("webhooks-secret"), fullPage: true });
    await page.getByRole("button", { name: "Done" }).click();
    assert.equal(await page.getByText(secret!).count(), 0, "the secret stays on the page");

    await page.getByRole("button", { name: "Send test event" }).click();
    await page.getByRole("cell", { name: /webhook\.test/ }).waitFor();
    await page.locator(".status-delivery-delivered").waitFor({ timeout: 15_000 });
    const [request] = receiver.at("/dashboard");
    assert.ok(request && verifySignature(secret!, request), "the test event is signed with the secret shown");
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: await screenshotPath("webhooks-1280"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: await screenshotPath("webhooks-390"), fullPage: true });

    const memberPage = await signedInPage(browser, app.url, user.email);
    assert.equal(await memberPage.getByRole("navigation").getByRole("link", { name: "Webhooks" }).count(), 0);
  });
});
