import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { linkClicks, trackedLinks } from "../../src/db/schema.js";
import { clickRecorderOf, flushClicks, newClickId } from "../../src/links/clicks.js";
import { shortLinkPrefix, SHORT_CODE_LENGTH } from "../../src/links/short-links.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
import { armFault, json, type RunningSandbox } from "../sandbox/support.js";
import { connectionIds, settled } from "../posts/support.js";

const browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

for (const backend of backends) {
  describe(`tracked links (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let client: HttpClient;
    let ids: Awaited<ReturnType<typeof connectionIds>>;
    let prefix: string;

    before(async () => {
      ({ app, sandbox } = await startAppWithSandbox({ backend, captureLogs: true }));
      client = app.client();
      await signUp(client);
      await createOrganization(client, "Linked Co");
      await connectThroughConsent(client, "x", { identity: "ava" });
      await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
      ids = await connectionIds(client);
      prefix = shortLinkPrefix(app.url);
      const turnedOn = await client.patch("/api/organization", { trackLinks: true });
      assert.equal(turnedOn.status, 200, JSON.stringify(turnedOn.body));
      assert.equal(turnedOn.body.organization.trackLinks, true);
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    const publishedTexts = async (platform: string): Promise<string[]> =>
      (await json(await fetch(`${sandbox.url}_sandbox/published?platform=${platform}`))).items.map(
        (item: { text: string }) => item.text,
      );
    const publish = async (body: Record<string, unknown>) => {
      const created = await client.post("/api/posts", body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return settled(client, created.body.post.id, 30_000);
    };
    const visit = (url: string, userAgent = browser, forwardedFor?: string) =>
      fetch(url, {
        redirect: "manual",
        headers: { "user-agent": userAgent, ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) },
      });
    const linksOf = async (postId: string) => (await client.get(`/api/posts/${postId}`)).body.post.targets[0].links;

    test("the platform receives the short link, and the redirect adds the UTM parameters and a click id", async () => {
      const campaign = await client.post("/api/campaigns", {
        name: "Spring Launch",
        startsOn: "2026-03-01",
        currency: "EUR",
      });
      assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
      const original = "https://example.com/menu?ref=nl&utm_source=newsletter";
      const post = await publish({
        content: `Our spring menu is out: ${original}`,
        connectionIds: [ids.byKey("x")],
        campaignId: campaign.body.campaign.id,
      });
      const target = post.targets[0];
      assert.equal(target.state, "published", target.error);
      assert.equal(post.campaignId, campaign.body.campaign.id);
      assert.equal(target.links.length, 1);
      const [link] = target.links;
      assert.equal(link.originalUrl, original);
      assert.match(link.shortUrl, new RegExp(`^${prefix}[0-9A-Za-z]{${SHORT_CODE_LENGTH}}$`));

      const received = (await publishedTexts("x")).filter((text) => text.startsWith("Our spring menu"));
      assert.deepEqual(received, [`Our spring menu is out: ${link.shortUrl}`], "X got the short link, not the URL");

      const answer = await visit(link.shortUrl);
      assert.equal(answer.status, 302);
      const location = new URL(answer.headers.get("location")!);
      assert.equal(location.origin + location.pathname, "https://example.com/menu");
      assert.equal(location.searchParams.get("ref"), "nl");
      assert.equal(location.searchParams.get("utm_source"), "newsletter", "the author's own UTM value is kept");
      assert.equal(location.searchParams.get("utm_medium"), "social");
      assert.equal(location.searchParams.get("utm_campaign"), "spring-launch");
      assert.equal(location.searchParams.get("utm_content"), post.id);
      assert.match(location.searchParams.get("msclid") ?? "", /^[\w-]{16}$/);
    });

    test("a thread's further parts are sent with short links too, the same URL with the same link", async () => {
      const post = await publish({
        content: "Thread start: https://example.com/guide",
        options: {
          x: { threadParts: ["Part two, see https://example.com/details.", "Back to https://example.com/guide"] },
        },
        connectionIds: [ids.byKey("x")],
      });
      const target = post.targets[0];
      assert.equal(target.state, "published", target.error);
      const shortOf = new Map<string, string>(
        target.links.map((link: { originalUrl: string; shortUrl: string }) => [link.originalUrl, link.shortUrl]),
      );
      assert.deepEqual([...shortOf.keys()].sort(), ["https://example.com/details", "https://example.com/guide"]);
      const received = await publishedTexts("x");
      for (const expected of [
        `Thread start: ${shortOf.get("https://example.com/guide")}`,
        `Part two, see ${shortOf.get("https://example.com/details")}.`,
        `Back to ${shortOf.get("https://example.com/guide")}`,
      ])
        assert.ok(received.includes(expected), `X received ${JSON.stringify(expected)}`);
      assert.ok(!received.some((text) => text.includes("https://example.com/details")), "no part went out unshortened");
    });

    test("an answer lost after the post landed is reconciled with the same short link: one post", async () => {
      await armFault(sandbox, { prefix: "x", method: "POST", path: "/2/tweets", mode: "drop" });
      const post = await publish({
        content: "Lost answer, same link: https://example.com/lost",
        connectionIds: [ids.byKey("x")],
      });
      const target = post.targets[0];
      assert.equal(target.state, "published", target.error);
      const sent = `Lost answer, same link: ${target.links[0].shortUrl}`;
      assert.equal(target.sent.content, sent);
      assert.deepEqual(
        (await publishedTexts("x")).filter((text) => text.startsWith("Lost answer")),
        [sent],
        "the reconciliation found the post it sent; nothing was sent twice",
      );
    });

    test("clicks: bots apart, a visitor's second click the same day not unique, no address stored", async () => {
      const post = await publish({
        content: "Counted: https://example.com/counted",
        connectionIds: [ids.byKey("x")],
      });
      const [link] = post.targets[0].links;
      const first = await visit(link.shortUrl);
      assert.equal(first.status, 302);
      assert.equal(first.headers.get("referrer-policy"), "no-referrer");
      assert.equal((await visit(link.shortUrl)).status, 302);
      assert.equal((await visit(link.shortUrl, "Twitterbot/1.0")).status, 302);
      assert.equal((await visit(link.shortUrl, "facebookexternalhit/1.1")).status, 302);
      assert.equal((await visit(link.shortUrl, browser.replace("131.0", "130.0"))).status, 302);
      const [counted] = await linksOf(post.id);
      assert.equal(counted.clicks, 3);
      assert.equal(counted.uniqueClicks, 2, "the same address and browser twice is one visitor");
      assert.equal(counted.botClicks, 2);

      const rows = await app.runtime.context.db.select().from(linkClicks);
      const mine = rows.filter((row) => row.postId === post.id);
      assert.equal(mine.length, 5);
      assert.deepEqual(
        mine
          .filter((row) => row.isBot)
          .map((row) => row.botName)
          .sort(),
        ["Twitterbot", "facebookexternalhit"],
      );
      assert.ok(
        rows.every((row) => !JSON.stringify(row).includes("127.0.0.1")),
        "no address in any column of the clicks",
      );
      assert.ok(
        app.logs.every((line) => !line.includes("/l/")),
        "nor in the logs: a click (with its visitor's address) is not a logged request",
      );
    });

    test("a click whose link was deleted before its batch was written costs the batch's other clicks nothing", async () => {
      const post = await publish({ content: "Kept: https://example.com/kept", connectionIds: [ids.byKey("x")] });
      const [{ code }] = post.targets[0].links;
      const { db } = app.runtime.context;
      const [link] = await db.select().from(trackedLinks).where(eq(trackedLinks.code, code));
      const recorder = clickRecorderOf(app.runtime.context, app.runtime.http!.app.log);
      const click = {
        organizationId: link!.organizationId,
        postId: link!.postId,
        connectionId: link!.connectionId,
        platform: link!.platform,
        campaignId: null,
        clickedAt: new Date(),
        botName: null,
        address: "203.0.113.9",
        userAgent: browser,
      };
      const kept = newClickId();
      // One batch: recorded together, before any timer can write the first alone.
      recorder.record({ ...click, linkId: randomUUID(), clickId: newClickId() });
      recorder.record({ ...click, linkId: link!.id, clickId: kept });
      await flushClicks(app.runtime.context);
      const written = await db.select().from(linkClicks).where(eq(linkClicks.linkId, link!.id));
      assert.deepEqual(
        written.map((row) => row.clickId),
        [kept],
      );
    });

    test("an unknown or malformed code is a small 404 page", async () => {
      const unknown = await visit(`${prefix}${"Z".repeat(SHORT_CODE_LENGTH)}`);
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /Link not found/);
      assert.equal(unknown.headers.get("content-security-policy"), "default-src 'none'; style-src 'unsafe-inline'");
      assert.equal((await visit(`${prefix}short`)).status, 404);
    });

    test("text limits count the short link's length, not the URL's", async () => {
      const longUrl = `https://example.com/${"long-path/".repeat(60)}`;
      const shortLength = prefix.length + SHORT_CODE_LENGTH;
      const limit = 4_096;
      const fitting = await client.post("/api/posts", {
        content: `${"a".repeat(limit - shortLength - 1)} ${longUrl}`,
        connectionIds: [ids.byKey("telegram")],
        draft: true,
      });
      assert.equal(fitting.status, 201, JSON.stringify(fitting.body));
      assert.deepEqual(fitting.body.warnings, [], "a long URL fits once it is a short link");
      const over = await client.post("/api/posts", {
        content: `${"a".repeat(limit - shortLength)} https://e.io/x`,
        connectionIds: [ids.byKey("telegram")],
        draft: true,
      });
      assert.equal(over.status, 201, JSON.stringify(over.body));
      assert.match(
        over.body.warnings.map((warning: { message: string }) => warning.message).join(" "),
        new RegExp(`this is ${limit + 1}`),
        "a short URL is counted at the short link's length",
      );
    });

    test("with tracking off, links are sent as written", async () => {
      assert.equal((await client.patch("/api/organization", { trackLinks: false })).status, 200);
      try {
        const post = await publish({
          content: "Plain: https://example.com/plain",
          connectionIds: [ids.byKey("x")],
        });
        assert.deepEqual(post.targets[0].links, []);
        assert.ok((await publishedTexts("x")).includes("Plain: https://example.com/plain"));
      } finally {
        await client.patch("/api/organization", { trackLinks: true });
      }
    });
  });
}
