import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AdjustableClock } from "../../src/clock.js";
import { webRoot } from "../../src/http/app.js";
import { browserTestSkip, launchBrowser, signedInPage } from "../support/browser.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { waitFor } from "../support/process.js";
import { armFault, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled } from "../posts/support.js";
import { connectWithout, postMetrics, type TargetMetrics } from "../analytics/support.js";

const skip = browserTestSkip(webRoot);

/** Where the screenshots go, to be looked at: a folder of its own under the system's temporary directory. */
const screenshots = path.join(tmpdir(), "marketsage-analytics-screenshots");
const shot = (name: string) => path.join(screenshots, `${name}.png`);

/** A figure as the dashboard writes it, formatted by the page's own locale. */
async function shown(page: Page, value: number | null, kind: "count" | "rate" = "count"): Promise<string | null> {
  if (value === null) return null;
  if (kind === "rate") return `${(value * 100).toFixed(2)} %`;
  return page.evaluate(
    (figure) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(figure),
    value,
  );
}

/** The tile's figure, or null when it says the figure is unavailable. */
async function tileFigure(page: Page, testId: string): Promise<string | null> {
  const tile = page.getByTestId(testId);
  await tile.waitFor();
  const value = tile.getByTestId(`${testId}-value`);
  return (await value.count()) ? value.textContent() : null;
}

/**
 * The report once collection has finished: the same answer five times in a row (a second), as
 * post reads land after the account reads the refresh queued.
 */
async function settledReport(client: HttpClient) {
  let previous = "";
  let unchanged = 0;
  return waitFor(
    async () => {
      const body = (await client.get("/api/analytics")).body;
      const text = JSON.stringify(body);
      unchanged = text === previous ? unchanged + 1 : 0;
      previous = text;
      return unchanged >= 4 ? body : undefined;
    },
    30_000,
    "the report to settle",
  );
}

/** No part of the page wider than the window: nothing to scroll sideways to. */
async function assertNoSidewaysScroll(page: Page) {
  const [pageWidth, windowWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(pageWidth! <= windowWidth!, `the page is ${pageWidth} px wide in a ${windowWidth} px window`);
}

describe("the analytics dashboard", { skip }, () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let passTime: (milliseconds: number) => Promise<void>;
  let clock: AdjustableClock;

  before(async () => {
    await mkdir(screenshots, { recursive: true });
    sandbox = await startSandbox();
    ({ app, passTime, clock } = await startAppWithSandbox({
      sandbox,
      env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "10000" },
    }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sandbox?.close();
  });

  test("published posts, collected now: the tiles show the API's figures, unavailable metrics their reason, at 1440 and 390 px", async () => {
    const client = app.client();
    const admin = await signUp(client, { name: "Lena Okafor" });
    await createOrganization(client, "Okafor Florists");
    await connectThroughConsent(client, "x", { identity: "ava" });
    const facebook = await connectThroughConsent(client, "facebook", { identity: "ava" });
    await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
      externalIds: ["200000000000001"],
    });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    const ids = await connectionIds(client);
    for (const text of ["Peonies are in, first come first served", "Open late on Friday for the market"]) {
      const created = await client.post("/api/posts", {
        content: text,
        connectionIds: ids.list.map((item) => item.id),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const post = await settled(client, created.body.post.id);
      assert.ok(
        post.targets.every((target: { state: string }) => target.state === "published"),
        JSON.stringify(post.targets),
      );
    }

    // An hour on, for the platforms and the app alike: the posts have been seen, and the refresh reads them now.
    await passTime(3_600_000);
    const refreshed = await client.post("/api/analytics/refresh", {});
    assert.equal(refreshed.status, 202, JSON.stringify(refreshed.body));
    for (const { connectionId } of refreshed.body.queued as { connectionId: string }[])
      await waitFor(
        async () => (await client.get(`/api/analytics/accounts/${connectionId}`)).body.lastCollectedAt ?? undefined,
        20_000,
        `account ${connectionId} to be collected`,
      );

    // Both default to the last 30 days through today, the browser's today being the app's.
    const report = await settledReport(client);

    const page = await signedInPage(browser, app.url, admin.email);
    // The browser's time runs from the app's, which the test moved on.
    await page.clock.install({ time: clock.now() });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto("/");
    await page.getByRole("navigation").getByRole("link", { name: "Analytics" }).click();
    await page.getByRole("heading", { name: "Analytics" }).waitFor();
    const expected: [string, number | null, "count" | "rate"][] = [
      ["kpi-reach", report.total.totalReach, "count"],
      ["kpi-impressions-views", report.total.totalImpressions, "count"],
      ["kpi-engagements", report.total.totalEngagement, "count"],
      ["kpi-engagement-rate", report.total.engagementRate.value, "rate"],
      ["kpi-clicks", report.total.totals.clicks ?? null, "count"],
    ];
    for (const [testId, value, kind] of expected)
      assert.equal(await tileFigure(page, testId), await shown(page, value, kind), testId);
    const telegram = report.platforms.telegram;
    assert.ok(
      telegram.unavailable.some((entry: { reason: string }) => entry.reason === "not_provided"),
      JSON.stringify(telegram.unavailable),
    );
    await page.getByTestId("kpi-impressions-views").getByText("Not provided by Telegram").waitFor();
    await page
      .getByRole("list", { name: "Metrics without a figure" })
      .last()
      .getByText("Not provided by Telegram")
      .first()
      .waitFor();
    await page.getByRole("heading", { name: "By day, per platform" }).waitFor();
    await page.screenshot({ path: shot("analytics-1440"), fullPage: true });

    await page.getByLabel("Platform", { exact: true }).selectOption({ label: "Facebook Pages" });
    await page.waitForURL(/platform=facebook/);
    const pageOnly = (await client.get("/api/analytics?platforms=facebook")).body;
    await page
      .getByTestId("kpi-impressions-views")
      .getByText("Not provided by Telegram")
      .waitFor({ state: "detached" });
    assert.equal(await tileFigure(page, "kpi-impressions-views"), await shown(page, pageOnly.total.totalImpressions));
    const byReach = pageOnly.platforms.facebook.engagementRateByReach.value;
    assert.equal(typeof byReach, "number", JSON.stringify(pageOnly.platforms.facebook.engagementRateByReach));
    await page
      .getByTestId("kpi-engagement-rate")
      .getByText(`By reach: ${await shown(page, byReach, "rate")}`)
      .waitFor();
    await page.getByLabel("Platform", { exact: true }).selectOption({ label: "All platforms" });

    await page.getByLabel("Account", { exact: true }).selectOption({ label: "Northwind Coffee" });
    const coffee = (await client.get(`/api/analytics/accounts/${ids.byKey("facebook")}`)).body;
    const growth = await shown(page, coffee.followers.growth);
    await waitFor(
      async () => ((await tileFigure(page, "kpi-follower-growth")) === growth ? true : undefined),
      10_000,
      `the follower growth tile to read ${growth}`,
    );
    await page.getByLabel("Account", { exact: true }).selectOption({ label: "All accounts" });

    await page.getByRole("button", { name: "Refresh now" }).click();
    await page
      .getByRole("status")
      .getByText(/Queued \d+ account/)
      .waitFor();
    const exportLink = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    const csv = await client.get(exportLink!);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /text\/csv/);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId("kpi-reach").waitFor();
    await assertNoSidewaysScroll(page);
    await page.screenshot({ path: shot("analytics-390"), fullPage: true });
    const sections = page.locator(".content > *");
    for (let index = 0; index < (await sections.count()); index++)
      await sections.nth(index).screenshot({ path: shot(`analytics-390-part-${index}`) });

    const overview = (await client.get("/api/analytics/overview")).body;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole("navigation").getByRole("link", { name: "Overview" }).click();
    assert.equal(
      await page.getByTestId("overview-active-connections-value").textContent(),
      await shown(page, overview.activeConnections.value),
    );
    assert.equal(
      await page.getByTestId("overview-posts-today-value").textContent(),
      await shown(page, overview.postsToday.value),
    );
    await page
      .getByTestId("overview-engagement-rate")
      .getByText(/every 15 minutes|Not collected yet/)
      .waitFor();
    await page
      .getByTestId("overview-reach")
      .getByText(/every hour|Not collected yet/)
      .waitFor();
    await page.screenshot({ path: shot("overview-1440"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await assertNoSidewaysScroll(page);
    await page.screenshot({ path: shot("overview-390"), fullPage: true });

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole("navigation").getByRole("link", { name: "Posts" }).click();
    await page.getByLabel("Metrics on Northwind Coffee").first().getByText("Impressions / views").waitFor();
    await page.getByText("Telegram gives no figures for a post").first().waitFor();
    await page.screenshot({ path: shot("posts-1440"), fullPage: true });
    await page.getByRole("link", { name: "Analytics history" }).first().click();
    await page.getByRole("heading", { name: "Post analytics" }).waitFor();
    await page.getByRole("region", { name: /Ava Lindqvist/ }).waitFor();
    await page.screenshot({ path: shot("post-analytics-1440"), fullPage: true });
    await page.context().close();
  });

  test("a member reads analytics without Refresh now; a guest is told they have no access", async () => {
    const admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Guarded Goods");
    const member = await addMember(admin, app.client(), "USER");
    const guest = await addMember(admin, app.client(), "GUEST");

    const memberPage = await signedInPage(browser, app.url, member.email);
    await memberPage.getByRole("navigation").getByRole("link", { name: "Analytics" }).click();
    await memberPage.getByText("No connected accounts yet").waitFor();
    assert.equal(await memberPage.getByRole("button", { name: "Refresh now" }).count(), 0);
    await memberPage.context().close();

    const guestPage = await signedInPage(browser, app.url, guest.email);
    assert.equal(await guestPage.getByRole("navigation").getByRole("link", { name: "Analytics" }).count(), 0);
    await guestPage.goto("/analytics");
    await guestPage.getByText("You don't have access to analytics").waitFor();
    await guestPage.screenshot({ path: shot("analytics-guest"), fullPage: true });
    await guestPage.context().close();
  });
});

describe("the analytics dashboard when a permission is refused or a read fails", { skip }, () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let passTime: (milliseconds: number) => Promise<void>;
  let clock: AdjustableClock;

  before(async () => {
    await mkdir(screenshots, { recursive: true });
    sandbox = await startSandbox();
    ({ app, passTime, clock } = await startAppWithSandbox({ sandbox }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await sandbox?.close();
  });

  test("a permission refused at connect reads 'reconnect for' its scope, with the way to reconnect", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Ines Duarte" });
    await createOrganization(client, "Duarte Tiles");
    const facebook = await connectWithout(client, "facebook", "read_insights");
    await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
      externalIds: ["200000000000001"],
    });
    const ids = await connectionIds(client);
    const created = await client.post("/api/posts", {
      content: "Hand-painted tiles, new colours",
      connectionIds: [ids.byKey("facebook")],
    });
    const post = await settled(client, created.body.post.id);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    // Twenty minutes on, the post is due for its first reading, which the missing permission refuses.
    await passTime(20 * 60_000);
    const report = await waitFor(
      async () => {
        const body = (await client.get("/api/analytics")).body;
        const refused = body.platforms.facebook?.unavailable.some(
          (entry: { metric: string; reason: string }) => entry.metric === "reach" && entry.reason === "permission",
        );
        return refused ? body : undefined;
      },
      30_000,
      "reach to be noted as refused for want of a permission",
    );
    assert.equal(report.total.totalReach, null);

    const page = await signedInPage(browser, app.url, user.email);
    await page.clock.install({ time: clock.now() });
    await page.goto("/analytics");
    const reach = page.getByTestId("kpi-reach");
    await reach.getByText("Unavailable").waitFor();
    await reach.getByText("Permission missing — reconnect for read_insights").waitFor();
    await reach.getByRole("link", { name: "Reconnect" }).waitFor();
    await page.screenshot({ path: shot("analytics-permission-missing"), fullPage: true });
    await page.context().close();
  });

  test("a post whose last read failed says so and why, that its figures are the read before's, and when it is tried again, at 1440 and 390 px", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Tomas Berg" });
    await createOrganization(client, "Berg Bicycles");
    await connectThroughConsent(client, "x", { identity: "ava" });
    const ids = await connectionIds(client);
    const created = await client.post("/api/posts", {
      content: "Winter tyres fitted while you wait",
      connectionIds: [ids.byKey("x")],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id);
    await passTime(20 * 60_000);
    const firstRead = await waitFor(
      async () => {
        const [target]: (TargetMetrics | undefined)[] = await postMetrics(client, post.id);
        return target?.fetchedAt ? target : undefined;
      },
      30_000,
      "the post's first read",
    );
    await armFault(sandbox, { prefix: "x", method: "GET", path: "/2/tweets", mode: "error", status: 503, count: 100 });
    await passTime(16 * 60_000);
    const failed = await waitFor(
      async () => {
        const [target]: (TargetMetrics | undefined)[] = await postMetrics(client, post.id);
        return target?.lastError ? target : undefined;
      },
      30_000,
      "the failed read to be recorded",
    );
    assert.equal(failed.fetchedAt, firstRead.fetchedAt, "the figures are the first read's");

    const page = await signedInPage(browser, app.url, user.email);
    await page.clock.install({ time: clock.now() });
    await page.goto(`/analytics/posts/${post.id}`);
    await page.getByRole("heading", { name: "Post analytics" }).waitFor();
    const warning = page.getByRole("status").filter({ hasText: "The last read failed" });
    await warning.waitFor();
    const text = (await warning.textContent()) ?? "";
    assert.ok(text.includes(failed.lastError!), `the platform's words on the page: ${text}`);
    assert.match(text, /the figures are those of the read before, and it is tried again in \d+ minutes?/);
    const views = await page
      .getByLabel(/^Metrics on/)
      .locator("dd")
      .first()
      .textContent();
    assert.equal(views?.replace(/\D/g, ""), String(firstRead.metrics.views), "the views of the read before");
    await page.screenshot({ path: shot("post-analytics-read-failed-1440"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await assertNoSidewaysScroll(page);
    await page.screenshot({ path: shot("post-analytics-read-failed-390"), fullPage: true });
    await page.context().close();
  });
});
