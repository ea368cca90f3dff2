import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { settled } from "../posts/support.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";

const skip = browserTestSkip(webRoot);

/**
 * A shop on another origin: a landing page and a checkout page, each with the snippet the
 * dashboard showed; the checkout's button records the purchase and shows the answer.
 */
function startShop(snippet: () => string): Promise<Server> {
  const page = (body: string) =>
    `<!doctype html><html><head><title>Shop</title>${snippet()}</head><body>${body}</body></html>`;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://shop").pathname;
    response.setHeader("content-type", "text/html; charset=utf-8");
    if (path === "/bread") response.end(page(`<h1>Sourdough</h1><a href="/checkout">Checkout</a>`));
    else if (path === "/checkout")
      response.end(
        page(`<button id="buy">Buy</button><output id="answer"></output>
<script>
document.getElementById("buy").addEventListener("click", function () {
  marketsage("conversion", { eventId: "web-order-7", eventName: "purchase", value: "42.50", currency: "EUR" })
    .then(function (answer) { document.getElementById("answer").textContent = JSON.stringify(answer); });
});
</script>`),
      );
    else response.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("conversion tracking from a site's pages", { skip }, () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let shop: Server;
  let snippet = "";

  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox());
    browser = await launchBrowser();
    shop = await startShop(() => snippet);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sandbox?.close();
    shop?.close();
  });

  test("an admin creates the site key, the shop's pages keep the click id, and a purchase is attributed to the post", async () => {
    const client = app.client();
    const admin = await signUp(client);
    await createOrganization(client, "Corner Bakery");
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    await client.patch("/api/organization", { trackLinks: true });
    const connectionId = (await client.get("/api/social-media/connections")).body.connections[0].id;
    const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    const created = await client.post("/api/posts", {
      content: `New sourdough: ${shopUrl}/bread`,
      connectionIds: [connectionId],
    });
    const post = await settled(client, created.body.post.id, 30_000);
    const [link] = post.targets[0].links;

    const page = await signedInPage(browser, app.url, admin.email);
    await page.getByRole("navigation").getByRole("link", { name: "Conversions" }).click();
    await page.getByRole("button", { name: "Create site key" }).click();
    snippet = (await page.getByTestId("conversion-snippet").textContent()) ?? "";
    assert.match(snippet, /data-site-key="site_[\w-]+"/);
    assert.ok(!snippet.includes("msk_"), "no API key in the snippet");
    await page.screenshot({ path: await screenshotPath("conversions-settings"), fullPage: true });

    const visitor = await browser.newPage();
    await visitor.goto(link.shortUrl);
    assert.equal(new URL(visitor.url()).pathname, "/bread");
    assert.ok(new URL(visitor.url()).searchParams.get("msclid"));
    await visitor.getByRole("link", { name: "Checkout" }).click();
    await visitor.getByRole("button", { name: "Buy" }).click();
    await visitor.locator("#answer:not(:empty)").waitFor();
    const answer = JSON.parse((await visitor.locator("#answer").textContent()) ?? "{}");
    assert.equal(answer.conversion.attribution.status, "attributed", JSON.stringify(answer));
    assert.equal(answer.conversion.attribution.method, "click_id");
    assert.equal(answer.conversion.attribution.postId, post.id);

    const report = (await client.get("/api/analytics?platforms=telegram")).body;
    assert.deepEqual(report.platforms.telegram.conversions.values, [
      { currency: "EUR", value: "42.50", conversions: 1 },
    ]);
    await page.getByRole("navigation").getByRole("link", { name: "Analytics" }).click();
    await page.getByTestId("tracking-telegram").waitFor();
    const row = (await page.getByTestId("tracking-telegram").textContent()) ?? "";
    assert.match(row, /EUR 42\.50/);
    await page.screenshot({ path: await screenshotPath("analytics-tracking"), fullPage: true });
  });
});
