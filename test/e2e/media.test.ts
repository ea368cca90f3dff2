import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Jimp } from "jimp";
import type { Browser, Page } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { newsBot } from "../connections/support.js";
import { upload } from "../posts/support.js";

const skip = browserTestSkip(webRoot);

async function pngOf(width: number, height: number): Promise<Buffer> {
  return new Jimp({ width, height, color: 0x3b82f6ff }).getBuffer("image/png");
}

/** Nothing on the page is wider than the window: no sideways scrolling. */
async function assertNoSidewaysScroll(page: Page, width: number) {
  const widest = await page.evaluate(() => document.querySelector(".media-grid")!.getBoundingClientRect().right);
  assert.ok(widest <= width, `the library reaches ${widest}px in a ${width}px window`);
}

describe("the media library in the dashboard", { skip }, () => {
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

  for (const width of [1440, 390]) {
    test(`at ${width} pixels: upload by the drop zone, see the thumbnail and the crop a platform makes, pick it in Compose, delete only what no post needs`, async () => {
      const client = app.client();
      const user = await signUp(client, { name: "Lena Park" });
      await createOrganization(client, `Park Studio ${width}`);
      const channel = await client.post("/api/social-media/bot/telegram", {
        botToken: newsBot,
        chat: "@northwind_news",
      });
      const scheduledImage = await upload(client, {
        name: "menu.png",
        type: "image/png",
        body: await pngOf(400, 400),
      });
      const created = await client.post("/api/posts", {
        content: "Tonight's menu",
        mediaIds: [scheduledImage.id],
        connectionIds: [channel.body.connection.id],
        scheduledAt: new Date(Date.now() + 86_400_000).toISOString(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));

      const page = await signedInPage(browser, app.url, user.email);
      await page.setViewportSize({ width, height: 900 });
      await page.goto("/media");
      await page.getByRole("heading", { name: "Media" }).waitFor();

      await page
        .getByLabel(/Drop images or videos here/)
        .setInputFiles({ name: "terrace.png", mimeType: "image/png", buffer: await pngOf(1200, 500) });
      const thumbnail = page.getByRole("img", { name: "terrace.png" });
      await thumbnail.waitFor();
      await page.waitForFunction(
        () => (document.querySelector('img[alt="terrace.png"]') as HTMLImageElement | null)?.naturalWidth === 320,
      );
      const tile = page.getByRole("listitem").filter({ has: thumbnail });
      await tile.getByText("PNG · ").filter({ hasText: "1200×500" }).waitFor();
      await tile.getByText("Not used yet").waitFor();
      await tile.getByRole("button", { name: "Platforms" }).click();
      // 2.4:1 is wider than Instagram's 1.91:1: the crop is shown on the picture.
      await tile.getByText(/Sent as JPEG 955×500: converted from PNG to JPEG, cropped left and right/).waitFor();
      await tile.getByRole("img", { name: "terrace.png as Instagram shows it" }).waitFor();
      await assertNoSidewaysScroll(page, width);
      await page.screenshot({ path: await screenshotPath(`media-library-${width}`), fullPage: true });

      page.once("dialog", (dialog) => void dialog.accept());
      const menuTile = page.getByRole("listitem").filter({ has: page.getByRole("img", { name: "menu.png" }) });
      await menuTile.getByText("Used in 1 post").waitFor();
      await menuTile.getByRole("button", { name: "Delete" }).click();
      await menuTile
        .getByText(/menu\.png is used by a post not yet published: “Tonight's menu” \(scheduled\)/)
        .waitFor();

      // The composer's picker lists the library: the new file is chosen from it, not uploaded again.
      await page.goto("/compose");
      await page.getByRole("button", { name: "Choose from library" }).first().click();
      const picker = page.getByRole("dialog", { name: "Choose media" });
      await picker.getByRole("img", { name: "terrace.png" }).waitFor();
      await picker.getByRole("checkbox", { name: /terrace\.png/ }).check();
      await picker.getByRole("button", { name: "Use this file" }).click();
      await picker.waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Remove terrace.png" }).waitFor();
      await page.screenshot({ path: await screenshotPath(`media-picked-in-compose-${width}`), fullPage: true });

      await page.goto("/media");
      page.once("dialog", (dialog) => void dialog.accept());
      await tile.getByRole("button", { name: "Delete" }).click();
      await thumbnail.waitFor({ state: "detached" });
      const left = (await client.get("/api/media")).body.media.map((item: { fileName: string }) => item.fileName);
      assert.deepEqual(left, ["menu.png"]);
      await page.context().close();
    });
  }
});
