import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import { createKey, KeyClient } from "../api-keys/support.js";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { settled } from "../posts/support.js";
import type { RunningSandbox } from "../sandbox/support.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";

const browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const DAY_MS = 86_400_000;

/** A visit of a short link: where the redirect sends the visitor, with the click id it added. */
async function visit(shortUrl: string, userAgent: string) {
  const answer = await fetch(shortUrl, { redirect: "manual", headers: { "user-agent": userAgent } });
  assert.equal(answer.status, 302);
  return new URL(answer.headers.get("location")!);
}

for (const backend of backends) {
  describe(
    `conversions attributed to tracked clicks, in analytics and campaign ROI (${backend.name})`,
    {
      skip: backend.skip,
    },
    () => {
      let app: TestApp;
      let sandbox: RunningSandbox;
      let clock: AdjustableClock;
      let admin: HttpClient;
      let key: KeyClient;
      let campaignId: string;
      let postId: string;
      let landing: URL;
      let botLanding: URL;

      before(async () => {
        ({ app, sandbox, clock } = await startAppWithSandbox({ backend }));
        admin = app.client();
        await signUp(admin);
        await createOrganization(admin, "Bakery Co");
        await admin.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
        const connectionId = (await admin.get("/api/social-media/connections")).body.connections[0].id;
        assert.equal((await admin.patch("/api/organization", { trackLinks: true })).status, 200);
        const campaign = await admin.post("/api/campaigns", {
          name: "Autumn Bread",
          startsOn: "2026-01-01",
          currency: "EUR",
        });
        assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
        campaignId = campaign.body.campaign.id;
        const cost = await admin.post(`/api/campaigns/${campaignId}/costs`, {
          kind: "paid_boost",
          description: "Boosted post",
          amount: "100.00",
          incurredOn: new Date(clock.now()).toISOString().slice(0, 10),
        });
        assert.equal(cost.status, 201, JSON.stringify(cost.body));
        const created = await admin.post("/api/posts", {
          content: "Fresh sourdough, order here: https://bakery.example/order",
          connectionIds: [connectionId],
          campaignId,
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const post = await settled(admin, created.body.post.id, 30_000);
        assert.equal(post.targets[0].state, "published", post.targets[0].error);
        postId = post.id;
        const [link] = post.targets[0].links;
        botLanding = await visit(link.shortUrl, "TelegramBot (like TwitterBot)");
        landing = await visit(link.shortUrl, browser);
        key = new KeyClient(app.url, (await createKey(admin, { role: "USER" })).secret);
      });
      after(async () => {
        await app.stop();
        await sandbox.close();
      });

      const now = () => new Date(clock.now()).toISOString();

      test("a conversion with the click id is attributed to the post, account, platform and campaign, once", async () => {
        const clickId = landing.searchParams.get("msclid");
        assert.ok(clickId);
        const body = {
          eventId: "order-1",
          eventName: "purchase",
          value: "250.00",
          currency: "EUR",
          occurredAt: now(),
          clickId,
        };
        const first = await key.post("/api/conversions", body);
        assert.equal(first.status, 201, JSON.stringify(first.body));
        assert.deepEqual(
          {
            status: first.body.conversion.attribution.status,
            method: first.body.conversion.attribution.method,
            postId: first.body.conversion.attribution.postId,
            platform: first.body.conversion.attribution.platform,
            campaignId: first.body.conversion.attribution.campaignId,
          },
          { status: "attributed", method: "click_id", postId, platform: "telegram", campaignId },
        );
        const replay = await key.post("/api/conversions", body);
        assert.equal(replay.status, 200);
        assert.equal(replay.body.conversion.replayed, true);

        const report = (await admin.get("/api/analytics?platforms=telegram")).body;
        assert.deepEqual(report.platforms.telegram.conversions, {
          count: 1,
          values: [{ currency: "EUR", value: "250.00", conversions: 1 }],
        });
        assert.deepEqual(report.platforms.telegram.trackedClicks, { clicks: 1, uniqueClicks: 1, botClicks: 1 });
        assert.equal(report.total.conversions.count, 1);

        const roi = await admin.get(`/api/campaigns/${campaignId}/roi`);
        assert.equal(roi.status, 200, JSON.stringify(roi.body));
        assert.deepEqual(
          {
            revenue: roi.body.revenue,
            cost: roi.body.cost,
            roi: roi.body.roi,
            costPerClick: roi.body.costPerClick,
            costPerConversion: roi.body.costPerConversion,
            conversions: roi.body.conversions.count,
            clicks: roi.body.clicks,
            window: roi.body.attributionWindowDays,
          },
          {
            revenue: "250.00",
            cost: "100.00",
            roi: 1.5,
            costPerClick: "100.00",
            costPerConversion: "100.00",
            conversions: 1,
            clicks: { clicks: 1, uniqueClicks: 1, botClicks: 1 },
            window: 7,
          },
        );
      });

      test("a bot's click never converts; UTM values attribute to the post's last person's click", async () => {
        const fromBot = await key.post("/api/conversions", {
          eventId: "order-bot",
          occurredAt: now(),
          clickId: botLanding.searchParams.get("msclid"),
        });
        assert.deepEqual(fromBot.body.conversion.attribution, { status: "unattributed", reason: "click_unknown" });

        const byUtm = await key.post("/api/conversions", {
          eventId: "order-usd",
          value: "10",
          currency: "USD",
          occurredAt: now(),
          utmSource: landing.searchParams.get("utm_source"),
          utmContent: landing.searchParams.get("utm_content"),
        });
        assert.equal(byUtm.body.conversion.attribution.method, "utm", JSON.stringify(byUtm.body));
        const roi = (await admin.get(`/api/campaigns/${campaignId}/roi`)).body;
        assert.equal(roi.revenue, "250.00", "another currency is not added to revenue");
        assert.deepEqual(roi.conversions.otherCurrencies, [{ currency: "USD", value: "10.00", conversions: 1 }]);
        assert.equal(roi.costPerConversion, "50.00");
      });

      test("a conversion after the window is stored unattributed and counted as such", async () => {
        const before = (await admin.get("/api/analytics")).body.unattributedConversions.count;
        clock.advance(8 * DAY_MS);
        const late = await key.post("/api/conversions", {
          eventId: "order-late",
          value: "5",
          currency: "EUR",
          occurredAt: now(),
          clickId: landing.searchParams.get("msclid"),
        });
        assert.equal(late.status, 201);
        assert.deepEqual(late.body.conversion.attribution, { status: "unattributed", reason: "outside_window" });
        const report = (await admin.get("/api/analytics")).body;
        assert.equal(report.unattributedConversions.count, before + 1);
        assert.equal(report.platforms.telegram.conversions.count, 2, "the attributed ones are unchanged");
      });

      test("another organization's key cannot attribute to this organization's click nor read its campaign", async () => {
        const other = app.client();
        await signUp(other);
        await createOrganization(other, "Rival Co");
        const rivalKey = new KeyClient(app.url, (await createKey(other, { role: "ADMIN" })).secret);
        const stolen = await rivalKey.post("/api/conversions", {
          eventId: "order-1",
          value: "1000",
          currency: "EUR",
          occurredAt: now(),
          clickId: landing.searchParams.get("msclid"),
        });
        assert.equal(stolen.status, 201, "its own event id space: order-1 is new there");
        assert.deepEqual(stolen.body.conversion.attribution, { status: "unattributed", reason: "click_unknown" });
        assert.equal((await rivalKey.get(`/api/campaigns/${campaignId}/roi`)).status, 404);
        const mine = (await admin.get(`/api/campaigns/${campaignId}/roi`)).body;
        assert.equal(mine.revenue, "250.00");
      });
    },
  );
}
