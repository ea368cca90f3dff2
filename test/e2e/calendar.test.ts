import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { adjustableClock } from "../../src/clock.js";
import { webRoot } from "../../src/http/app.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { newsBot } from "../connections/support.js";

const skip = browserTestSkip(webRoot);
const DAY = 86_400_000;

/** A desktop and a phone (an iPhone 14's 390 px), each with its own locale's first day of the week. */
const screens = [
  { name: "desktop", viewport: { width: 1440, height: 1000 }, locale: "en-GB" },
  { name: "phone", viewport: { width: 390, height: 844 }, locale: "en-US" },
] as const;

/**
 * A Wednesday noon (UTC) at least two days ahead: the app's clock and the browser's are both set
 * to it, so the week it falls in holds a past Monday and a future Thursday and Friday whatever
 * day the test runs, and no scheduled post comes due while it runs.
 */
function comingWednesdayNoon(): Date {
  const at = new Date(Date.now() + 2 * DAY);
  at.setUTCHours(12, 0, 0, 0);
  while (at.getUTCDay() !== 3) at.setTime(at.getTime() + DAY);
  return at;
}

/** The calendar's date key for an instant as Madrid sees it (noon UTC is the same day there). */
const madridDate = (at: Date) => new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Madrid" }).format(at);

async function organizationWithChannel(client: HttpClient, name: string) {
  const user = await signUp(client, { name });
  await createOrganization(client, `${name}'s shop`);
  const connected = await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
  assert.equal(connected.status, 201, JSON.stringify(connected.body));
  return { user, connectionId: connected.body.connection.id as string };
}

async function schedule(client: HttpClient, connectionId: string, content: string, at: Date, timeZone?: string) {
  const created = await client.post("/api/posts", {
    content,
    connectionIds: [connectionId],
    scheduledAt: at.toISOString(),
    ...(timeZone ? { timeZone } : {}),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.post.id as string;
}

async function scheduledAt(client: HttpClient, postId: string): Promise<string> {
  const answer = await client.get(`/api/posts/${postId}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return new Date(answer.body.post.scheduledAt).toISOString();
}

async function until(check: () => Promise<boolean>, what: string) {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting until ${what}`);
}

async function noSidewaysScroll(page: Page, where: string) {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    window: window.innerWidth,
    // The elements that stick out, to say where the page overflows.
    wide: Array.from(document.querySelectorAll("body *"))
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 6)
      .map((element) => `${element.tagName}.${element.className} ${Math.round(element.getBoundingClientRect().right)}`),
  }));
  assert.ok(
    widths.page <= widths.window,
    `${where} scrolls sideways: ${widths.page} px in ${widths.window} px (${widths.wide.join(", ")})`,
  );
}

describe("the calendar and the posts page", { skip }, () => {
  let app: TestApp;
  let browser: Browser;
  const wednesday = comingWednesdayNoon();

  before(async () => {
    const clock = adjustableClock();
    clock.advance(wednesday.getTime() - Date.now());
    app = await startTestApp({ sandboxTwin: sandboxTwin(), clock });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  for (const screen of screens) {
    test(`${screen.name}: drag to reschedule, a refused drop snaps back, "Move…" by keyboard, click to open`, async () => {
      const client = app.client();
      const { user, connectionId } = await organizationWithChannel(client, `Inés ${screen.name}`);
      const friday = new Date(wednesday.getTime() + 2 * DAY);
      const thursday = new Date(wednesday.getTime() + DAY);
      const monday = new Date(wednesday.getTime() - 2 * DAY);
      // Scheduled from New York, seen from Madrid.
      const postId = await schedule(client, connectionId, "Winter menu tasting on Friday", friday, "America/New_York");

      const page = await signedInPage(browser, app.url, user.email, {
        timezoneId: "Europe/Madrid",
        locale: screen.locale,
        viewport: screen.viewport,
      });
      await page.clock.setFixedTime(wednesday);
      await page.goto("/calendar");
      await page.getByRole("heading", { name: "Calendar" }).waitFor();
      const day = (at: Date) => page.locator(`[data-testid="calendar-day"][data-date="${madridDate(at)}"]`);
      const entry = page.locator(`[data-testid="calendar-post"][data-post-id="${postId}"]`);
      await day(friday).locator(entry).waitFor();
      const clock = (zone: string) =>
        new Intl.DateTimeFormat(screen.locale, { timeStyle: "short", timeZone: zone }).format(friday);
      const spaced = (text: string | null) => text?.replace(/\s+/g, " ").trim();
      assert.equal(spaced(await entry.locator(".week-post-time").textContent()), spaced(clock("Europe/Madrid")));
      assert.equal(
        spaced(await entry.locator(".week-post-zone").textContent()),
        spaced(`(${clock("America/New_York")} in America/New_York)`),
      );
      assert.equal(await day(wednesday).getAttribute("aria-current"), "date", "today is marked");
      await page.screenshot({ path: await screenshotPath(`calendar-week-${screen.name}`), fullPage: true });

      await entry.dragTo(day(thursday));
      await until(async () => (await scheduledAt(client, postId)) === thursday.toISOString(), "the server moved it");
      await day(thursday).locator(entry).waitFor();

      await entry.dragTo(day(monday));
      await entry.getByRole("alert").getByText("The scheduled time has passed").waitFor();
      await day(thursday).locator(entry).waitFor();
      assert.equal(await day(monday).locator(entry).count(), 0, "the refused drop snapped back");
      assert.equal(await scheduledAt(client, postId), thursday.toISOString());
      await page.screenshot({ path: await screenshotPath(`calendar-refused-${screen.name}`), fullPage: true });

      await entry.getByRole("button", { name: /to another time/ }).click();
      await entry.getByLabel("Move to").fill(`${madridDate(friday)}T18:30`);
      await entry.getByRole("button", { name: "Move", exact: true }).click();
      const fridayEvening = new Date(`${madridDate(friday)}T18:30:00${madridOffset(friday)}`).toISOString();
      await until(async () => (await scheduledAt(client, postId)) === fridayEvening, "the keyboard move landed");
      await day(friday).locator(entry).waitFor();

      // The Posts page says both times too.
      await page.goto("/posts");
      const card = page.locator("[data-testid=post]").filter({ hasText: "Winter menu tasting on Friday" });
      const evening = new Date(fridayEvening);
      const newYorkClock = new Intl.DateTimeFormat(screen.locale, { timeStyle: "short", timeZone: "America/New_York" });
      assert.ok(
        spaced(await card.locator(".post-header").textContent())!.includes(
          spaced(`, ${newYorkClock.format(evening)} in America/New_York`)!,
        ),
      );
      await page.goto("/calendar");

      await page.getByRole("button", { name: "Month" }).click();
      await page.locator(".calendar-month").waitFor();
      await noSidewaysScroll(page, "the month view");
      await page.screenshot({ path: await screenshotPath(`calendar-month-${screen.name}`), fullPage: true });
      await entry.getByRole("link").click();
      await page.waitForURL(`**/compose?post=${postId}`);
      await page.context().close();
    });

    test(`${screen.name}: the posts page asks before cancelling and fits the screen`, async () => {
      const client = app.client();
      const { user, connectionId } = await organizationWithChannel(client, `Jon ${screen.name}`);
      const postId = await schedule(
        client,
        connectionId,
        "A long announcement with a link https://example.com/a/rather/long/path/that/should/wrap/on/a/phone",
        new Date(wednesday.getTime() + DAY),
      );
      const page = await signedInPage(browser, app.url, user.email, { viewport: screen.viewport });
      await page.clock.setFixedTime(wednesday);
      await page.goto("/posts");
      const card = page.getByTestId("post");
      await card.getByText("Scheduled", { exact: true }).waitFor();
      await noSidewaysScroll(page, "the posts page");
      assert.equal(await card.getByRole("link", { name: "Edit" }).getAttribute("href"), `/compose?post=${postId}`);

      await card.getByRole("button", { name: "Cancel post" }).click();
      const dialog = page.getByRole("dialog", { name: "Cancel this post?" });
      await dialog.waitFor();
      await page.screenshot({ path: await screenshotPath(`posts-cancel-dialog-${screen.name}`) });
      await dialog.getByRole("button", { name: "Keep it" }).click();
      await dialog.waitFor({ state: "hidden" });
      assert.equal((await client.get(`/api/posts/${postId}`)).body.post.status, "scheduled");

      await card.getByRole("button", { name: "Cancel post" }).click();
      await dialog.getByRole("button", { name: "Cancel post" }).click();
      await card.locator(".status-post-cancelled").waitFor();
      assert.equal((await client.get(`/api/posts/${postId}`)).body.post.status, "cancelled");
      await page.context().close();
    });
  }

  for (const screen of screens) {
    test(`${screen.name}: an admin sends a submitted post back with a comment the author sees, and approves another`, async () => {
      const admin = app.client();
      const { user: adminUser, connectionId } = await organizationWithChannel(admin, `Mara ${screen.name}`);
      const memberClient = app.client();
      const member = await addMember(admin, memberClient, "USER");
      const adminPage = await signedInPage(browser, app.url, adminUser.email, { viewport: screen.viewport });
      await adminPage.clock.setFixedTime(wednesday);
      await adminPage.goto("/team");
      await adminPage.getByRole("checkbox", { name: /need an ADMIN’s approval/ }).check();
      await until(
        async () => (await admin.get("/api/organization")).body.organization.requireApproval === true,
        "approval is required",
      );

      const submitted = async (content: string) => {
        const draft = await memberClient.post("/api/posts", {
          content,
          connectionIds: [connectionId],
          scheduledAt: new Date(wednesday.getTime() + DAY).toISOString(),
          draft: true,
        });
        assert.equal(draft.status, 201, JSON.stringify(draft.body));
        const answer = await memberClient.post(`/api/posts/${draft.body.post.id}/submit`);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        return draft.body.post.id as string;
      };
      const toRework = await submitted("Hot chocolate is back, every flavor");
      const toApprove = await submitted("Open late on Friday");

      await adminPage.goto("/posts");
      const queue = adminPage.getByTestId("submission");
      await queue.first().waitFor();
      assert.equal(await queue.count(), 2);
      const rework = queue.filter({ hasText: "Hot chocolate" });
      await rework.getByRole("button", { name: "Send back…" }).click();
      await rework.getByRole("button", { name: "Send back", exact: true }).click();
      await rework.getByText("say what to change").waitFor();
      await rework.getByLabel("What should the author change?").fill("Say which flavors, and add a photo.");
      await adminPage.screenshot({ path: await screenshotPath(`approval-queue-${screen.name}`), fullPage: true });
      await rework.getByRole("button", { name: "Send back", exact: true }).click();
      await rework.waitFor({ state: "detached" });
      await queue.filter({ hasText: "Open late" }).getByRole("button", { name: "Approve" }).click();
      await queue.first().waitFor({ state: "detached" });
      await noSidewaysScroll(adminPage, "the posts page with its approval queue");

      const reworked = (await admin.get(`/api/posts/${toRework}`)).body.post;
      assert.equal(reworked.status, "draft");
      assert.equal(reworked.reviewComment, "Say which flavors, and add a photo.");
      assert.equal((await admin.get(`/api/posts/${toApprove}`)).body.post.status, "scheduled");
      await adminPage.context().close();

      const memberPage = await signedInPage(browser, app.url, member.email, { viewport: screen.viewport });
      await memberPage.clock.setFixedTime(wednesday);
      await memberPage.goto("/posts");
      await memberPage.getByRole("button", { name: "Drafts" }).click();
      const note = memberPage.getByRole("note");
      await note.getByText("Say which flavors, and add a photo.").waitFor();
      assert.equal(await memberPage.getByTestId("submission").count(), 0, "a USER has no approval queue");
      await memberPage.screenshot({ path: await screenshotPath(`sent-back-${screen.name}`), fullPage: true });
      await memberPage.context().close();
    });
  }

  test("a member whose role does not reach a page is told so, not shown an empty page", async () => {
    const admin = app.client();
    await organizationWithChannel(admin, "Kai");
    const guest = await addMember(admin, app.client(), "GUEST");
    const member = await addMember(admin, app.client(), "USER");

    const guestPage = await signedInPage(browser, app.url, guest.email, { viewport: { width: 390, height: 844 } });
    await guestPage.goto("/audit");
    await guestPage.getByText("You don’t have access to the audit log.").waitFor();
    assert.equal(await guestPage.getByText("Nothing recorded").count(), 0);
    await guestPage.goto("/posts");
    await guestPage.getByText("You don’t have access to the posts of this organization.").waitFor();
    await guestPage.screenshot({ path: await screenshotPath("no-access-phone"), fullPage: true });
    await guestPage.context().close();

    const memberPage = await signedInPage(browser, app.url, member.email);
    await memberPage.goto("/audit");
    await memberPage.getByText("You don’t have access to the audit log.").waitFor();
    await memberPage.goto("/api-keys");
    await memberPage.getByText("You don’t have access to API keys.").waitFor();
    await memberPage.context().close();
  });

  test("the skip link is the first stop of the keyboard and every page fits a phone", async () => {
    const client = app.client();
    const { user } = await organizationWithChannel(client, "Lena");
    const page = await signedInPage(browser, app.url, user.email, { viewport: { width: 390, height: 844 } });
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    assert.equal(focused, "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main-content");
    for (const path of [
      "/",
      "/posts",
      "/calendar",
      "/social-media",
      "/platform-health",
      "/team",
      "/alerts",
      "/webhooks",
      "/api-keys",
      "/audit",
    ]) {
      await page.goto(path);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await page.waitForLoadState("networkidle");
      await noSidewaysScroll(page, path);
    }
    await page.context().close();
  });
});

/** Madrid's offset from UTC at an instant, as "+01:00". */
function madridOffset(at: Date): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Madrid", timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((part) => part.type === "timeZoneName")!.value;
  return name === "GMT" ? "+00:00" : name.replace("GMT", "");
}
