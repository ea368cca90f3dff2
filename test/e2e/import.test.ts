import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { connectThroughConsent, newsBot } from "../connections/support.js";

const skip = browserTestSkip(webRoot);

/** A file with two good rows and one for an account nobody has. */
function plan(label: string): Buffer {
  const day = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  return Buffer.from(
    [
      "text,link,media_url,accounts,time,zone",
      `${label}: new menu,https://example.com/menu,,Northwind News,${day} 09:00,Europe/Paris`,
      `${label}: to nobody,,,@nobody_here,${day} 10:00,Europe/Paris`,
      `${label}: opening hours,,,@ava_northwind,${day} 11:00,Europe/Paris`,
    ].join("\n"),
  );
}

describe("importing posts from a CSV file in the dashboard", { skip }, () => {
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

  test("an administrator sets an account's posting slots on the Social accounts page, at 390 px", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Omar Haddad" });
    await createOrganization(client, "Haddad Books");
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    const page = await signedInPage(browser, app.url, user.email, { timezoneId: "Europe/Paris" });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/social-media");
    await page.getByRole("heading", { name: "Posting slots" }).waitFor();
    await page.getByText(/No posting slots/).waitFor();
    await page.getByLabel("Time", { exact: true }).fill("09:00");
    await page.getByRole("button", { name: "Every weekday at this time" }).click();
    await page.getByLabel("Time zone").fill("Europe/Paris");
    await page.getByRole("button", { name: "Save slots" }).click();
    await page.getByText("Saved.").waitFor();
    assert.equal(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      true,
      "nothing scrolls sideways",
    );
    await page.screenshot({ path: await screenshotPath("posting-slots-390"), fullPage: true });
    const connection = (await client.get("/api/social-media/connections")).body.connections[0];
    const saved = await client.get(`/api/social-media/connections/${connection.id}/slots`);
    assert.equal(saved.body.schedule.timeZone, "Europe/Paris");
    assert.deepEqual(
      saved.body.schedule.slots,
      [1, 2, 3, 4, 5].map((weekday) => ({ weekday, time: "09:00" })),
    );
    await page.context().close();
  });

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test(`at ${viewport.width} px: upload, see the refused row, schedule the valid rows only`, async () => {
      const client = app.client();
      const user = await signUp(client, { name: "Lena Ortiz" });
      await createOrganization(client, `Ortiz Deli ${viewport.width}`);
      await connectThroughConsent(client, "x", { identity: "ava" });
      await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });

      const page = await signedInPage(browser, app.url, user.email, { timezoneId: "Europe/Paris" });
      await page.setViewportSize(viewport);
      await page.goto("/posts");
      await page.getByRole("link", { name: "Import CSV" }).click();
      await page.getByRole("heading", { name: "Import posts" }).waitFor();

      await page
        .getByLabel("CSV file")
        .setInputFiles({ name: "plan.csv", mimeType: "text/csv", buffer: plan(`${viewport.width}`) });
      await page.getByTestId("import-summary").getByText("1 of 3 rows refused; nothing is scheduled yet.").waitFor();
      const refused = page.getByTestId("import-row-3");
      await refused.getByText("Refused").waitFor();
      await refused.getByText("No account is called @nobody_here.").waitFor();
      assert.equal(await page.getByRole("button", { name: /^Schedule all/ }).count(), 0, "no way to schedule all");
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        true,
        "nothing scrolls sideways",
      );
      await page.screenshot({ path: await screenshotPath(`import-preview-${viewport.width}`), fullPage: true });

      await page.getByRole("button", { name: "Schedule valid rows only (2)" }).click();
      await page
        .getByTestId("import-summary")
        .getByText("Partial import: 2 of 3 rows scheduled; 1 refused and not scheduled.")
        .waitFor();
      await page.getByTestId("import-row-2").getByText("Scheduled").waitFor();
      await page.getByTestId("import-row-4").getByText("Scheduled").waitFor();
      await page.screenshot({ path: await screenshotPath(`import-report-${viewport.width}`), fullPage: true });

      const posts = (await client.get("/api/posts")).body.posts as { content: string; status: string }[];
      assert.deepEqual(posts.map((post) => [post.content, post.status]).sort(), [
        [`${viewport.width}: new menu`, "scheduled"],
        [`${viewport.width}: opening hours`, "scheduled"],
      ]);
      await page.getByRole("link", { name: "See the scheduled posts" }).click();
      await page.getByText(`${viewport.width}: opening hours`).first().waitFor();
      await page.context().close();
    });
  }
});
