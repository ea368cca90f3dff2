import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { crc32, deflateSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, testControlToken, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { connectThroughConsent, newsBot } from "../connections/support.js";
import { settled } from "../posts/support.js";

const skip = browserTestSkip(webRoot);

/** A real image the browser can draw, 300×100 (3:1): wider than a feed shows, so its preview is cropped. */
function widePng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, checksum]);
  };
  const [width, height] = [300, 100];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x5a)]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const viewports = [
  { name: "desktop", width: 1440, height: 1000 },
  { name: "phone", width: 390, height: 844 },
];

/** Nothing wider than the window: the page does not scroll sideways. */
async function assertNoSidewaysScroll(page: Page, width: number) {
  const scrollWidth = await page.evaluate(() => document.scrollingElement!.scrollWidth);
  assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px window`);
}

/**
 * The text in `selector` whose contrast with the background behind it is under WCAG AA (4.5:1;
 * 3:1 for large text), each with its ratio. Text over a picture or a gradient is left out: its
 * background is not one colour.
 */
async function lowContrastText(page: Page, selector: string): Promise<string[]> {
  // The test's compiler names functions through a helper the page does not have.
  await page.evaluate("globalThis.__name = (target) => target");
  return page.evaluate((root) => {
    const channels = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([red, green, blue]: number[]) => {
      const linear = (value: number) => {
        const unit = value / 255;
        return unit <= 0.03928 ? unit / 12.92 : ((unit + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * linear(red!) + 0.7152 * linear(green!) + 0.0722 * linear(blue!);
    };
    /** The colour behind an element: its own and its ancestors' backgrounds laid over white. */
    const backgroundOf = (element: Element): number[] | undefined => {
      const layers: number[][] = [];
      for (let current: Element | null = element; current; current = current.parentElement) {
        const style = getComputedStyle(current);
        if (style.backgroundImage !== "none") return undefined;
        const [red, green, blue, alpha = 1] = channels(style.backgroundColor);
        if (alpha > 0) layers.push([red!, green!, blue!, alpha]);
        if (alpha === 1) break;
      }
      return layers.reduceRight(
        (under, [red, green, blue, alpha]) => [
          red! * alpha! + under[0]! * (1 - alpha!),
          green! * alpha! + under[1]! * (1 - alpha!),
          blue! * alpha! + under[2]! * (1 - alpha!),
        ],
        [255, 255, 255],
      );
    };
    const found: string[] = [];
    for (const element of Array.from(document.querySelectorAll(`${root} *`))) {
      const text = Array.from(element.childNodes)
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? "")
        .join("")
        .trim();
      const style = getComputedStyle(element);
      if (!text || style.visibility === "hidden" || (element as HTMLButtonElement).disabled) continue;
      // Logos (hidden from assistive technology as decoration) have no contrast requirement in WCAG 1.4.3.
      if (element.closest("figure, .preview-overlay, [aria-hidden='true']")) continue;
      const background = backgroundOf(element);
      if (!background) continue;
      const [lighter, darker] = [luminance(channels(style.color)), luminance(background)].sort((a, b) => b - a);
      const ratio = (lighter! + 0.05) / (darker! + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) found.push(`${text.slice(0, 40)} (${ratio.toFixed(2)}:1)`);
    }
    return found;
  }, selector);
}

describe("per-network versions, previews and edits in Compose", { skip }, () => {
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

  const published = async (platform: string): Promise<{ text: string }[]> => {
    const answer = await fetch(new URL(`/sandbox/_sandbox/published?platform=${platform}`, app.url), {
      headers: { authorization: `Bearer ${testControlToken}` },
    });
    assert.equal(answer.status, 200, await answer.clone().text());
    return ((await answer.json()) as { items: { text: string }[] }).items;
  };

  async function organizationWithThreeAccounts(client: HttpClient, name: string) {
    const user = await signUp(client, { name });
    await createOrganization(client, `${name} Studio`);
    await connectThroughConsent(client, "x", { identity: "ava" });
    const facebook = await connectThroughConsent(client, "facebook", { identity: "ava" });
    await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
      externalIds: ["200000000000001"],
    });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    const connections = (await client.get("/api/social-media/connections")).body.connections as {
      id: string;
      platform: string;
    }[];
    return { user, connections };
  }

  test("a member of an organization that requires approval submits a post for it instead of scheduling", async () => {
    const admin = app.client();
    const { connections } = await organizationWithThreeAccounts(admin, "Noor Saleh");
    const approval = await admin.patch("/api/organization", { requireApproval: true });
    assert.equal(approval.status, 200, JSON.stringify(approval.body));
    const member = await addMember(admin, app.client(), "USER");
    const page = await signedInPage(browser, app.url, member.email);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/compose");
    await page.getByRole("checkbox", { name: /Northwind News/ }).check();
    await page.getByLabel("Text", { exact: true }).fill("Tasting night on Friday");
    await page.getByText("Your organization asks an admin to approve posts").waitFor();
    assert.equal(await page.getByRole("button", { name: /Schedule post|Publish now/ }).count(), 0);
    await page.screenshot({ path: await screenshotPath("compose-submit-for-approval-phone"), fullPage: true });
    await page.getByRole("button", { name: "Submit for approval" }).click();
    await page.getByRole("heading", { name: "Posts" }).waitFor();

    const posts = (await admin.get("/api/posts")).body.posts as {
      content: string;
      status: string;
      targets: { connectionId: string }[];
    }[];
    const submitted = posts.find((post) => post.content === "Tasting night on Friday")!;
    assert.equal(submitted.status, "awaiting_approval");
    assert.deepEqual(
      submitted.targets.map((target) => target.connectionId),
      [connections.find((connection) => connection.platform === "telegram")!.id],
    );
    await page.context().close();
  });

  test("a post X refused as a duplicate is given new text for X in Compose and retried, and X receives that text", async () => {
    const client = app.client();
    const { user, connections } = await organizationWithThreeAccounts(client, "Marta Quist");
    const x = connections.find((connection) => connection.platform === "x")!;
    const text = `Opening hours this week ${Date.now()}`;
    const first = await client.post("/api/posts", { content: text, connectionIds: [x.id] });
    assert.equal((await settled(client, first.body.post.id)).targets[0].state, "published");
    const second = await client.post("/api/posts", { content: text, connectionIds: [x.id] });
    assert.equal((await settled(client, second.body.post.id)).targets[0].state, "failed");

    const page = await signedInPage(browser, app.url, user.email);
    await page.goto(`/compose?post=${second.body.post.id}`);
    await page.getByRole("tab", { name: /^X/ }).click();
    await page.getByRole("button", { name: "Customize for X" }).click();
    await page.getByLabel("Text for X").fill(`${text}, now with Sunday brunch`);
    await page.getByRole("button", { name: "Save and retry failed accounts" }).click();
    await page.getByRole("heading", { name: "Posts" }).waitFor();

    const retried = await settled(client, second.body.post.id);
    assert.equal(retried.targets[0].state, "published");
    assert.deepEqual(
      (await published("x")).filter((item) => item.text.startsWith(text)).map((item) => item.text),
      [text, `${text}, now with Sunday brunch`],
    );
    await page.context().close();
  });

  for (const viewport of viewports) {
    test(`at ${viewport.width} px: X gets its own shorter text, live problems sit by the field, previews fold and crop, and each platform receives its own text`, async () => {
      const client = app.client();
      const { user } = await organizationWithThreeAccounts(client, `Lena Ortiz ${viewport.name}`);
      const page = await signedInPage(browser, app.url, user.email);
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.goto("/compose");

      for (const name of ["Ava Lindqvist", "Northwind Coffee", "Northwind News"])
        await page.getByRole("checkbox", { name: new RegExp(name) }).check();
      const sharedText = `Autumn menu (${viewport.name}): ${"slow-roasted pumpkin, chestnut soup and cinnamon buns baked at dawn. ".repeat(8)}`;
      await page.getByLabel("Text", { exact: true }).fill(sharedText);
      await page.getByLabel("Images and videos", { exact: true }).setInputFiles({
        name: "terrace.png",
        mimeType: "image/png",
        buffer: widePng(),
      });
      await page.getByRole("button", { name: "Remove terrace.png" }).waitFor();

      // X's limit is checked as the text is typed, and said under the text it concerns.
      const sharedProblems = page.getByTestId("content-problems");
      await sharedProblems.getByText(/^X takes at most 280 weighted characters; this is \d+\.$/).waitFor();
      await page.getByRole("tab", { name: /Shared.*1 problem/ }).waitFor();

      // The feed folds the long text behind its "See more", and crops the 3:1 picture to 1.91:1.
      const facebookPreview = page.getByTestId("preview-facebook");
      await facebookPreview.getByTestId("folded-text").waitFor();
      await facebookPreview.getByRole("button", { name: "See more" }).waitFor();
      await facebookPreview.getByText("Cropped to 1.91:1").waitFor();
      assert.deepEqual(await lowContrastText(page, "form.compose"), []);
      await page.screenshot({
        path: await screenshotPath(`compose-versions-problem-${viewport.name}`),
        fullPage: true,
      });

      await page.getByRole("tab", { name: /^X/ }).click();
      await page.getByRole("button", { name: "Customize for X" }).click();
      const xText = `Autumn menu is here (${viewport.name}): pumpkin, chestnut and cinnamon. Come early.`;
      await page.getByLabel("Text for X").fill(xText);
      assert.equal(await page.getByTestId("content-problems").count(), 0);
      await page.getByTestId("preview-x").getByText(xText).waitFor();
      assert.equal(await page.getByRole("tab", { name: /problem/ }).count(), 0);
      await assertNoSidewaysScroll(page, viewport.width);
      assert.deepEqual(await lowContrastText(page, "form.compose"), []);
      await page.screenshot({
        path: await screenshotPath(`compose-versions-override-${viewport.name}`),
        fullPage: true,
      });

      await page.getByRole("button", { name: "Publish now" }).click();
      await page.getByRole("heading", { name: "Posts" }).waitFor();
      await page.waitForFunction(() => document.querySelectorAll(".status-target-published").length === 3, undefined, {
        timeout: 40_000,
      });

      // What each platform received, by text (a picture post may be recorded as several items, each with it).
      const textsAt = async (platform: string) => [
        ...new Set(
          (await published(platform))
            .filter((item) => item.text.includes(`(${viewport.name})`))
            .map((item) => item.text),
        ),
      ];
      assert.deepEqual(await textsAt("x"), [xText]);
      assert.deepEqual(await textsAt("facebook"), [sharedText]);
      assert.deepEqual(await textsAt("telegram"), [sharedText]);
      await page.context().close();
    });

    test(`at ${viewport.width} px: a scheduled post opened from /compose?post= is edited, and only its text changes`, async () => {
      const client = app.client();
      const { user, connections } = await organizationWithThreeAccounts(client, `Idris Bell ${viewport.name}`);
      const telegram = connections.find((connection) => connection.platform === "telegram")!;
      const scheduledAt = new Date(Date.now() + 3 * 3_600_000);
      scheduledAt.setUTCSeconds(0, 0);
      const created = await client.post("/api/posts", {
        content: "Doors open at nine",
        connectionIds: [telegram.id],
        scheduledAt: scheduledAt.toISOString(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const postId = created.body.post.id as string;

      const page = await signedInPage(browser, app.url, user.email);
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      const patches: unknown[] = [];
      page.on("request", (request) => {
        if (request.method() === "PATCH") patches.push(request.postDataJSON());
      });
      await page.goto(`/compose?post=${postId}`);
      await page.getByRole("heading", { name: "Edit post" }).waitFor();
      const text = page.getByLabel("Text", { exact: true });
      assert.equal(await text.inputValue(), "Doors open at nine");
      assert.equal(await page.getByRole("checkbox", { name: /Northwind News/ }).isChecked(), true);
      await text.fill("Doors open at ten");
      await page.getByTestId("preview-telegram").getByText("Doors open at ten").waitFor();
      await assertNoSidewaysScroll(page, viewport.width);
      await page.screenshot({ path: await screenshotPath(`compose-edit-${viewport.name}`), fullPage: true });
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByRole("heading", { name: "Posts" }).waitFor();

      assert.deepEqual(patches, [{ content: "Doors open at ten" }]);
      const post = (await client.get(`/api/posts/${postId}`)).body.post;
      assert.equal(post.content, "Doors open at ten");
      assert.equal(post.status, "scheduled");
      assert.equal(new Date(post.scheduledAt).getTime(), scheduledAt.getTime());
      await page.context().close();
    });
  }
});
