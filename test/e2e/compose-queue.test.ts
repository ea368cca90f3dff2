import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { connectThroughConsent, newsBot } from "../connections/support.js";
import { settled } from "../posts/support.js";

const skip = browserTestSkip(webRoot);

const viewports = [
  { name: "desktop", width: 1440, height: 1000 },
  { name: "phone", width: 390, height: 844 },
];

/** The wall-clock hour and minute of an instant in a zone, as "09:00". */
function clockIn(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    new Date(iso),
  );
}

describe("the duplicate warning and the queue in Compose", { skip }, () => {
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
    test(`at ${viewport.width} px: text an X account already posted is warned about, and "Add to queue" takes the account's posting slot`, async () => {
      const client = app.client();
      const user = await signUp(client, { name: `Rosa Amari ${viewport.name}` });
      await createOrganization(client, `Rosa Amari ${viewport.name} Studio`);
      await connectThroughConsent(client, "x", { identity: "ava" });
      await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
      const connections = (await client.get("/api/social-media/connections")).body.connections as {
        id: string;
        platform: string;
      }[];
      const x = connections.find((connection) => connection.platform === "x")!;
      const telegram = connections.find((connection) => connection.platform === "telegram")!;
      const text = `Harvest market on Saturday (${viewport.name}) ${Date.now()}`;
      const earlier = await client.post("/api/posts", { content: text, connectionIds: [x.id] });
      assert.equal((await settled(client, earlier.body.post.id)).targets[0].state, "published");

      // The viewer is in New York; the account posts on Paris time.
      const page = await signedInPage(browser, app.url, user.email, {
        timezoneId: "America/New_York",
        viewport: { width: viewport.width, height: viewport.height },
      });
      await page.goto("/compose");
      await page.getByRole("checkbox", { name: /Ava Lindqvist/ }).check();
      await page.getByLabel("Text", { exact: true }).fill(text);
      const warning = page.getByTestId("duplicate-warnings");
      await warning.getByText(/^Ava Lindqvist already has a post with this text/).waitFor();
      // A warning, not a refusal.
      assert.equal(await page.getByRole("button", { name: "Publish now" }).isEnabled(), true);
      await page.screenshot({ path: await screenshotPath(`compose-duplicate-${viewport.name}`), fullPage: true });

      await page.getByRole("checkbox", { name: /Ava Lindqvist/ }).uncheck();
      await page.getByRole("checkbox", { name: /Northwind News/ }).check();
      await warning.waitFor({ state: "detached" });
      await page.getByRole("radio", { name: "Add to queue" }).check();
      await page.getByRole("button", { name: "Add to queue" }).click();
      await page
        .getByText("Northwind News has no posting slots: set them on the Social Media page, or pick a time.")
        .waitFor();

      const saved = await client.put(`/api/social-media/connections/${telegram.id}/slots`, {
        timeZone: "Europe/Paris",
        slots: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, time: "09:00" })),
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      await page.getByRole("button", { name: "Add to queue" }).click();
      const confirmation = page.getByRole("status").filter({ hasText: "Added to the queue for" });
      await confirmation.getByText(/\(09:00 in Europe\/Paris\)/).waitFor();
      await page.screenshot({ path: await screenshotPath(`compose-queued-${viewport.name}`), fullPage: true });

      const posts = (await client.get("/api/posts")).body.posts as {
        content: string;
        status: string;
        scheduledAt: string;
        targets: { connectionId: string }[];
      }[];
      const queued = posts.filter((post) => post.content === text && post.status === "scheduled");
      assert.equal(queued.length, 1);
      assert.deepEqual(
        queued[0]!.targets.map((target) => target.connectionId),
        [telegram.id],
      );
      assert.equal(clockIn(queued[0]!.scheduledAt, "Europe/Paris"), "09:00");
      const ahead = new Date(queued[0]!.scheduledAt).getTime() - Date.now();
      assert.ok(ahead > 0 && ahead <= 86_400_000, `the next 09:00 in Paris is within a day, not ${ahead} ms away`);
      await page.context().close();
    });
  }
});
