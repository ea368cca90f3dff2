import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { webRoot } from "../../src/http/app.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, testControlToken, type TestApp } from "../support/app.js";
import { browserTestSkip, launchBrowser, screenshotPath, signedInPage } from "../support/browser.js";
import { createOrganization, signUp } from "../support/factories.js";
import { connectThroughConsent, newsBot } from "../connections/support.js";
import { mediaFiles } from "../sandbox/support.js";

const skip = browserTestSkip(webRoot);

describe("composing and scheduling from the dashboard", { skip }, () => {
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

  test("a post with an image to three sandbox accounts, scheduled ahead, published with links", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Rosa Vidal" });
    await createOrganization(client, "Vidal Bakery");
    await connectThroughConsent(client, "x", { identity: "ava" });
    const facebook = await connectThroughConsent(client, "facebook", { identity: "ava" });
    await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
      externalIds: ["200000000000001"],
    });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });

    const page = await signedInPage(browser, app.url, user.email, { timezoneId: "Europe/Madrid" });
    await page.getByRole("navigation").getByRole("link", { name: "Compose" }).click();

    await page.getByLabel("Text").fill("Fresh sourdough at 7 (every day) #bakery");
    await page
      .getByLabel("Images and videos")
      .setInputFiles({ name: "loaf.jpg", mimeType: "image/jpeg", buffer: mediaFiles["/photo.jpg"].body });
    for (const name of ["Ava Lindqvist", "Northwind Coffee", "Northwind News"])
      await page.getByRole("checkbox", { name: new RegExp(name) }).check();
    await page.getByTestId("preview-x").getByText(/\/280/).waitFor();
    await page.getByLabel("Text").fill(`${"a".repeat(290)}`);
    await page
      .getByTestId("preview-x")
      .getByText(/characters too long/)
      .waitFor();
    await page.getByLabel("Text").fill("Fresh sourdough at 7 (every day) #bakery");

    await page.getByLabel("Schedule").check();
    // The wall clock in Madrid, 15 seconds ahead, with the zone chosen explicitly.
    const due = new Date(Date.now() + 15_000);
    const madrid = new Intl.DateTimeFormat("sv-SE", {
      timeZone: "Europe/Madrid",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .format(due)
      .replace(" ", "T");
    await page.getByLabel("Date and time").fill(madrid);
    await page.getByLabel("Time zone").selectOption("Europe/Madrid");
    // A finished upload shows as its thumbnail, with a way to remove it.
    await page.getByRole("button", { name: "Remove loaf.jpg" }).waitFor();
    await page.getByRole("button", { name: "Schedule post" }).click();

    await page.getByRole("heading", { name: "Posts" }).waitFor();
    await page.getByText("Scheduled", { exact: true }).first().waitFor();
    await page.screenshot({ path: await screenshotPath("posts-scheduled"), fullPage: true });
    await page.getByText("Published", { exact: true }).first().waitFor({ timeout: 40_000 });
    await page.waitForFunction(() => document.querySelectorAll(".status-target-published").length === 3, undefined, {
      timeout: 20_000,
    });
    assert.equal(await page.getByRole("link", { name: "View post" }).count(), 3);
    await page.screenshot({ path: await screenshotPath("posts-published"), fullPage: true });
    await page.getByRole("button", { name: "Month" }).click();
    await page.locator(".month-day .week-post").first().waitFor();
    await page.getByRole("button", { name: "Week" }).click();
    await page.locator(".week-day .week-post").first().waitFor();
    await page.screenshot({ path: await screenshotPath("posts-week"), fullPage: true });

    const posts = (await client.get("/api/posts")).body.posts;
    const lateness = new Date(posts[0].targets[0].publishedAt).getTime() - new Date(posts[0].scheduledAt).getTime();
    assert.ok(
      Math.abs(new Date(posts[0].scheduledAt).getTime() - Math.floor(due.getTime() / 1000) * 1000) < 1000,
      "stored as the same instant in UTC",
    );
    assert.ok(lateness >= 0 && lateness < 3_000, `published ${lateness} ms after its time`);
    await page.context().close();
  });

  test("an account whose access was revoked stays in Compose, disabled with the reason and a way to reconnect", async () => {
    const client = app.client();
    const user = await signUp(client, { name: "Omar Haddad" });
    await createOrganization(client, "Haddad Books");
    await connectThroughConsent(client, "x", { identity: "ava" });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    const revoked = await fetch(new URL("/sandbox/_sandbox/revoke", app.url), {
      method: "POST",
      headers: { authorization: `Bearer ${testControlToken}`, "content-type": "application/json" },
      body: JSON.stringify({ platform: "x", personId: "ava" }),
    });
    assert.equal(revoked.status, 204, await revoked.text());
    const connections = (await client.get("/api/social-media/connections")).body.connections as {
      id: string;
      platform: string;
    }[];
    const x = connections.find((connection) => connection.platform === "x")!;
    const checked = await client.post(`/api/social-media/connections/${x.id}/check`);
    assert.equal(checked.body.connection.status, "invalid", JSON.stringify(checked.body));

    const page = await signedInPage(browser, app.url, user.email);
    await page.getByRole("navigation").getByRole("link", { name: "Compose" }).click();
    const xChoice = page.getByRole("checkbox", { name: /Ava Lindqvist/ });
    await xChoice.waitFor();
    assert.equal(await xChoice.isDisabled(), true);
    await page.getByText("Its access was revoked or refused").waitFor();
    assert.equal(await page.getByRole("checkbox", { name: /Northwind News/ }).isDisabled(), false);
    await page.screenshot({ path: await screenshotPath("compose-revoked-account"), fullPage: true });
    await page.getByRole("link", { name: "reconnect it" }).click();
    await page.getByRole("heading", { name: "Social accounts" }).waitFor();
    await page.context().close();
  });
});
