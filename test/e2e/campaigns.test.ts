import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { shortLinkPrefix } from "../../src/links/short-links.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { newsBot } from "../connections/support.js";

const skip = browserTestSkip(webRoot);

const viewports = [
  { name: "desktop", width: 1440, height: 1000 },
  { name: "phone", width: 390, height: 844 },
];

const noSidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe("campaigns and tracked links in the dashboard", { skip }, () => {
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

  for (const viewport of viewports) {
    test(`at ${viewport.width} px: a campaign is created, a post in it shows its link as a short link in the preview`, async () => {
      const client = app.client();
      const user = await signUp(client, { name: `Noor Haddad ${viewport.name}` });
      await createOrganization(client, `Noor ${viewport.name} Bakery`);
      await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
      assert.equal((await client.patch("/api/organization", { trackLinks: true })).status, 200);

      const page = await signedInPage(browser, app.url, user.email, {
        viewport: { width: viewport.width, height: viewport.height },
      });
      await page.goto("/campaigns");
      await page.getByLabel("Name").fill("Harvest Week");
      await page.getByLabel("Currency").fill("EUR");
      await page.getByRole("button", { name: "Create campaign" }).click();
      const card = page.locator(".card", { has: page.getByRole("heading", { name: "Harvest Week" }) });
      await card.getByText("utm_campaign=").waitFor();
      await card.getByLabel("Description").fill("Boosted post");
      await card.getByLabel("Amount (EUR)").fill("25.50");
      await card.getByRole("button", { name: "Add cost" }).click();
      await card.getByText("25.50 EUR").first().waitFor();
      await card.getByTestId("campaign-roi-cost").getByText("EUR 25.50").waitFor();
      assert.ok(await noSidewaysScroll(page), "the Campaigns page fits the width");
      await page.screenshot({ path: await screenshotPath(`campaigns-${viewport.name}`), fullPage: true });

      await page.goto("/compose");
      await page.getByRole("checkbox", { name: /northwind/i }).check();
      await page
        .getByLabel("Text", { exact: true })
        .fill("Fresh loaves all week: https://example.com/harvest?from=social");
      await page.getByLabel("Campaign").selectOption({ label: "Harvest Week" });
      const preview = page.getByRole("complementary", { name: "Preview" });
      const prefix = shortLinkPrefix(app.url);
      await preview.getByText(prefix, { exact: false }).first().waitFor();
      assert.equal(
        await preview.getByText("https://example.com/harvest").count(),
        0,
        "the preview shows the short link",
      );
      assert.ok(await noSidewaysScroll(page), "Compose fits the width");
      await page.screenshot({ path: await screenshotPath(`compose-short-link-${viewport.name}`), fullPage: true });

      await page.getByRole("button", { name: "Save draft" }).click();
      await page.waitForURL(/\/posts$/);
      const posts = (await client.get("/api/posts")).body.posts;
      assert.equal(posts[0].campaignId, (await client.get("/api/campaigns")).body.campaigns[0].id);
      assert.match(
        posts[0].targets[0].resolved.content,
        new RegExp(`^Fresh loaves all week: ${prefix}[0-9A-Za-z]{12}$`),
      );
      await page.close();
    });
  }
});
