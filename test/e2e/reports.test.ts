import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { pdfText } from "../reports/support.js";

const skip = browserTestSkip(webRoot);

/** No part of the page wider than the window: nothing to scroll sideways to. */
async function assertNoSidewaysScroll(page: Page) {
  const [pageWidth, windowWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(pageWidth! <= windowWidth!, `the page is ${pageWidth} px wide in a ${windowWidth} px window`);
}

describe("client reports in the dashboard", { skip }, () => {
  let app: TestApp;
  let browser: Browser;

  before(async () => {
    app = await startTestApp({ env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "10000" } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  for (const width of [1440, 390]) {
    test(`at ${width} px: create a report, open it, download its PDF, share it and open the link without a session`, async () => {
      const client = app.client();
      const admin = await signUp(client, { name: "Wren Abbott" });
      await createOrganization(client, `Reporting ${width}`);
      const page = await signedInPage(browser, app.url, admin.email, { viewport: { width, height: 900 } });
      await page.goto("/reports");
      await page.getByText("No reports yet").waitFor();
      await assertNoSidewaysScroll(page);

      await page.getByRole("button", { name: "New report" }).click();
      await page.getByRole("button", { name: "Create report" }).click();
      await page.getByLabel("Title").fill(`Client view ${width}`);
      await page.getByLabel("Recipients").fill("client@example.com, not-an-address");
      await page.getByRole("button", { name: "Create report" }).click();
      await page.getByText(/must be e-mail addresses/).waitFor();
      await page.getByLabel("Recipients").fill("client@example.com");
      await page.getByLabel("E-mail it").selectOption("weekly");
      await page.getByLabel("On", { exact: true }).selectOption("1");
      await page.getByRole("button", { name: "Create report" }).click();

      await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
      const report = page.getByTestId("client-report");
      await report.getByRole("heading", { name: `Client view ${width}` }).waitFor();
      await report.getByTestId("kpi-reach").getByText("unavailable").waitFor();
      await page.getByText("Not sent yet").waitFor();
      await assertNoSidewaysScroll(page);
      await page.screenshot({ path: await screenshotPath(`reports-view-${width}`), fullPage: true });

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Download PDF" }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^Client-view-\d+-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.pdf$/);
      const text = await pdfText(await readFile((await download.path())!));
      assert.match(text, new RegExp(`Client view ${width}`));
      assert.match(text, new RegExp(`Reporting ${width}`));

      await page.getByRole("button", { name: "Create share link" }).click();
      const url = await page.getByTestId("share-url").textContent();
      assert.match(url ?? "", /\/r\/msr_/);
      await page.getByText("active", { exact: true }).waitFor();

      const stranger = await browser.newContext({ viewport: { width, height: 900 } });
      const shared = await stranger.newPage();
      const answer = await shared.goto(url!);
      assert.equal(answer?.status(), 200);
      await shared.getByRole("heading", { name: `Client view ${width}` }).waitFor();
      assert.equal(await shared.getByRole("navigation").count(), 0, "no navigation on a shared report");
      await assertNoSidewaysScroll(shared);
      await shared.screenshot({ path: await screenshotPath(`reports-shared-${width}`), fullPage: true });
      await stranger.close();

      await page.getByRole("button", { name: "Revoke" }).click();
      await page.getByText("revoked", { exact: true }).waitFor();
      const after = await browser.newContext();
      const gone = await (await after.newPage()).goto(url!);
      assert.equal(gone?.status(), 410);
      await after.close();
      await page.context().close();
    });
  }
});
