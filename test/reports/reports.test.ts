import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Jimp } from "jimp";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled, upload } from "../posts/support.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
import { waitFor } from "../support/process.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { readSince, today } from "../analytics/support.js";
import { count, download, pdfText, rate } from "./support.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const shift = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

for (const backend of backends) {
  describe(
    `client reports: definitions, content, PDF and share links (${backend.name})`,
    { skip: backend.skip },
    () => {
      let app: TestApp;
      let sandbox: RunningSandbox;
      let admin: HttpClient;
      let user: HttpClient;
      let guest: HttpClient;
      let outsider: HttpClient;
      let passTime: (milliseconds: number) => Promise<void>;
      let clockNow: () => number;
      let range: { start: string; end: string };
      let reportId: string;

      before(async () => {
        let clock;
        ({ app, sandbox, passTime, clock } = await startAppWithSandbox({
          backend,
          env: { SESSION_TTL_HOURS: String(365 * 24), LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "10000" },
        }));
        clockNow = () => clock.now();
        admin = app.client();
        await signUp(admin);
        await createOrganization(admin, "Northwind Roasters");
        user = app.client();
        await addMember(admin, user, "USER");
        guest = app.client();
        await addMember(admin, guest, "GUEST");
        outsider = app.client();
        await signUp(outsider);
        await createOrganization(outsider, "Elsewhere Ltd");

        const facebook = await connectThroughConsent(admin, "facebook", { identity: "ava" });
        await admin.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
          externalIds: ["200000000000001"],
        });
        const ids = await connectionIds(admin);
        const created = await admin.post("/api/posts", {
          content: "Our autumn blend is here",
          connectionIds: [ids.byKey("facebook")],
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const post = await settled(admin, created.body.post.id);
        assert.ok(post.targets.every((target: { state: string }) => target.state === "published"));
        await passTime(2 * HOUR + 5 * MINUTE);
        await readSince(admin, [post.id], clockNow() - MINUTE);
        range = { start: shift(today(clockNow()), -6), end: today(clockNow()) };

        const logo = await new Jimp({ width: 40, height: 20, color: 0x2563ebff }).getBuffer("image/png");
        const media = await upload(admin, { name: "logo.png", type: "image/png", body: logo });
        const chosen = await admin.put("/api/organization/logo", { mediaId: media.id });
        assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
      });
      after(async () => {
        await app.stop();
        await sandbox.close();
      });

      test("ADMIN defines reports; USER reads them; GUEST sees none; another organization's are not found", async () => {
        const created = await admin.post("/api/reports", {
          title: "Northwind for the client",
          rangeKind: "fixed",
          rangeStart: range.start,
          rangeEnd: range.end,
          recipients: ["Client@Example.com"],
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        reportId = created.body.report.id;
        assert.deepEqual(created.body.report.recipients, ["client@example.com"]);
        assert.equal(created.body.report.scheduleKind, "none");

        assert.equal((await user.get("/api/reports")).body.reports.length, 1);
        assert.equal((await user.get(`/api/reports/${reportId}`)).status, 200);
        assert.equal((await user.post("/api/reports", { title: "Mine", rangeKind: "last_7_days" })).status, 403);
        assert.equal((await user.patch(`/api/reports/${reportId}`, { title: "Renamed" })).status, 403);
        assert.equal((await user.delete(`/api/reports/${reportId}`)).status, 403);
        assert.equal((await user.post(`/api/reports/${reportId}/share-links`, { expiresInDays: 7 })).status, 403);
        for (const path of ["/api/reports", `/api/reports/${reportId}`, `/api/reports/${reportId}/pdf`])
          assert.equal((await guest.get(path)).status, 403, path);

        for (const path of [
          `/api/reports/${reportId}`,
          `/api/reports/${reportId}/content`,
          `/api/reports/${reportId}/pdf`,
        ])
          assert.equal((await outsider.get(path)).status, 404, path);
        assert.equal((await outsider.patch(`/api/reports/${reportId}`, { title: "Mine now" })).status, 404);
        assert.equal((await outsider.delete(`/api/reports/${reportId}`)).status, 404);
        assert.equal((await outsider.post(`/api/reports/${reportId}/share-links`, { expiresInDays: 7 })).status, 404);
        assert.equal((await outsider.get("/api/reports")).body.reports.length, 0);

        const renamed = await admin.patch(`/api/reports/${reportId}`, { title: "Northwind, weekly view" });
        assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
        assert.equal(renamed.body.report.title, "Northwind, weekly view");
        const audit = await admin.get("/api/audit?limit=50");
        const actions = (audit.body.events ?? audit.body.entries ?? []).map(
          (entry: { action: string }) => entry.action,
        );
        assert.ok(actions.includes("report.created") && actions.includes("report.updated"), JSON.stringify(actions));
      });

      test("bad input is a 400 naming the field", async () => {
        const cases: [unknown, string][] = [
          [{ rangeKind: "last_7_days" }, "title"],
          [{ title: "T", rangeKind: "yesterday" }, "rangeKind"],
          [{ title: "T", rangeKind: "fixed", rangeEnd: "2026-11-01" }, "rangeStart"],
          [{ title: "T", rangeKind: "fixed", rangeStart: "2026-11-05", rangeEnd: "2026-11-01" }, "rangeStart"],
          [{ title: "T", rangeKind: "last_7_days", recipients: ["not an address"] }, "recipients"],
          [
            {
              title: "T",
              rangeKind: "last_7_days",
              scheduleKind: "weekly",
              scheduleHour: 9,
              recipients: ["a@example.com"],
            },
            "scheduleWeekday",
          ],
          [
            { title: "T", rangeKind: "last_7_days", scheduleKind: "monthly", scheduleMonthDay: 31, scheduleHour: 9 },
            "scheduleMonthDay",
          ],
          [
            { title: "T", rangeKind: "last_7_days", scheduleKind: "weekly", scheduleWeekday: 1, scheduleHour: 9 },
            "recipients",
          ],
          [{ title: "T", rangeKind: "last_7_days", timeZone: "Mars/Olympus" }, "timeZone"],
        ];
        for (const [body, field] of cases) {
          const answer = await admin.post("/api/reports", body);
          assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
          assert.match(
            answer.body.error.field,
            new RegExp(`^${field}`),
            `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`,
          );
        }
        const schedule = await admin.patch(`/api/reports/${reportId}`, { scheduleKind: "weekly" });
        assert.equal(schedule.status, 400);
        assert.equal(schedule.body.error.field, "scheduleWeekday");
        const pdf = await admin.get(`/api/reports/${reportId}/pdf?start=2026-11-01`);
        assert.equal(pdf.status, 400);
        assert.equal(pdf.body.error.field, "end");
        const link = await admin.post(`/api/reports/${reportId}/share-links`, { expiresInDays: 91 });
        assert.equal(link.status, 400);
        assert.equal(link.body.error.field, "expiresInDays");
        assert.equal((await admin.get("/api/reports/not-an-id")).body.error.field, "reportId");
      });

      test("the PDF's figures are the analytics API's for the same days, as real text, with the organization's name", async () => {
        const analytics = (await admin.get(`/api/analytics?start=${range.start}&end=${range.end}`)).body;
        const { total } = analytics;
        assert.ok(total.totalImpressions > 0, JSON.stringify(total));
        const file = await download(admin, `/api/reports/${reportId}/pdf`);
        assert.equal(file.status, 200);
        assert.match(file.type, /application\/pdf/);
        const text = await pdfText(file.bytes);
        assert.match(text, /Northwind Roasters/);
        assert.match(text, /Northwind, weekly view/);
        assert.ok(text.includes(`${range.start} to ${range.end}`), text);
        assert.ok(text.includes(`Reach: ${count(total.totalReach)}`), text);
        assert.ok(text.includes(`Impressions: ${count(total.totalImpressions)}`), text);
        assert.ok(text.includes(`Engagements: ${count(total.totalEngagement)}`), text);
        assert.ok(text.includes(`Engagement rate: ${rate(total.engagementRate.value)}`), text);
        assert.ok(text.includes(`over ${total.engagementRate.posts} posts`), text);
        assert.ok(text.includes(`Clicks: ${count(total.trackedClicks.clicks)}`), text);
        assert.ok(text.includes(`the platforms reported ${count(total.totals.clicks)}`), text);
        assert.ok(text.includes(`Conversions: ${count(total.conversions.count)}`), text);
        assert.match(text, /Facebook Pages: 1 accounts, 1 posts/);
        assert.match(text, /Our autumn blend is here/);

        const content = (await user.get(`/api/reports/${reportId}/content`)).body;
        assert.equal(
          content.content.kpis.find((kpi: { name: string }) => kpi.name === "reach").value,
          total.totalReach,
        );
        assert.equal(content.content.organization.logo, true);
        assert.match(content.html, /data:image\/png;base64,/);

        const earlier = await download(admin, `/api/reports/${reportId}/pdf?start=2026-01-01&end=2026-01-07`);
        assert.match(await pdfText(earlier.bytes), /Reach: unavailable/);
      });

      test("a share link shows that report alone without a session, until it expires or is revoked", async () => {
        const created = await admin.post(`/api/reports/${reportId}/share-links`, { expiresInDays: 1 });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.shareLink.status, "active");
        const url = new URL(created.body.url);
        assert.match(url.pathname, /^\/r\/msr_[\w-]{40,}$/);
        const detail = (await admin.get(`/api/reports/${reportId}`)).body;
        assert.ok(!JSON.stringify(detail).includes(url.pathname.slice(3)), "the token is never answered again");

        const anonymous = app.client();
        const page = await anonymous.get(url.pathname);
        assert.equal(page.status, 200);
        assert.match(page.body, /Northwind, weekly view/);
        assert.match(page.body, /Our autumn blend is here/);
        assert.doesNotMatch(page.body, /Elsewhere Ltd|<script|<nav/);
        const pdf = await download(anonymous, `${url.pathname}/report.pdf`);
        assert.equal(pdf.status, 200);
        assert.match(await pdfText(pdf.bytes), /Northwind, weekly view/);
        assert.equal((await anonymous.get(`/api/reports/${reportId}`)).status, 401);
        assert.equal((await anonymous.get("/r/msr_not-a-real-token")).status, 404);

        await passTime(DAY + MINUTE);
        assert.equal((await anonymous.get(url.pathname)).status, 410);
        assert.equal((await download(anonymous, `${url.pathname}/report.pdf`)).status, 410);

        const second = await admin.post(`/api/reports/${reportId}/share-links`, { expiresInDays: 90 });
        const secondPath = new URL(second.body.url).pathname;
        assert.equal((await anonymous.get(secondPath)).status, 200);
        const revoked = await admin.delete(`/api/reports/${reportId}/share-links/${second.body.shareLink.id}`);
        assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
        assert.equal(revoked.body.shareLink.status, "revoked");
        assert.equal((await anonymous.get(secondPath)).status, 410);
        const statuses = (await admin.get(`/api/reports/${reportId}`)).body.shareLinks.map(
          (link: { status: string }) => link.status,
        );
        assert.deepEqual(statuses.sort(), ["expired", "revoked"]);
        assert.equal(
          (await outsider.delete(`/api/reports/${reportId}/share-links/${second.body.shareLink.id}`)).status,
          404,
        );
      });

      test("a campaign's report shows its tracked click, its attributed conversion and its ROI, exactly", async () => {
        assert.equal((await admin.patch("/api/organization", { trackLinks: true })).status, 200);
        const campaign = await admin.post("/api/campaigns", {
          name: "Autumn Push",
          startsOn: range.start,
          currency: "EUR",
        });
        assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
        const campaignId = campaign.body.campaign.id;
        const cost = await admin.post(`/api/campaigns/${campaignId}/costs`, {
          kind: "paid_boost",
          description: "Boosted post",
          amount: "20.00",
          incurredOn: range.start,
        });
        assert.equal(cost.status, 201, JSON.stringify(cost.body));
        const ids = await connectionIds(admin);
        const created = await admin.post("/api/posts", {
          content: "Autumn menu: https://example.com/autumn",
          connectionIds: [ids.byKey("facebook")],
          campaignId,
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const post = await settled(admin, created.body.post.id);
        await passTime(2 * HOUR + 5 * MINUTE);
        await readSince(admin, [post.id], clockNow() - MINUTE);
        const days = { start: range.start, end: today(clockNow()) };
        const [link] = post.targets[0].links;
        const visit = await fetch(link.shortUrl, {
          redirect: "manual",
          headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36" },
        });
        assert.equal(visit.status, 302);
        const clickId = new URL(visit.headers.get("location")!).searchParams.get("msclid");
        const converted = await admin.post("/api/conversions", {
          eventId: "order-autumn-1",
          eventName: "purchase",
          value: "50.00",
          currency: "EUR",
          occurredAt: new Date(clockNow()).toISOString(),
          clickId,
        });
        assert.ok([200, 201].includes(converted.status), JSON.stringify(converted.body));
        const roi = await waitFor(
          async () => {
            const answer = await admin.get(`/api/campaigns/${campaignId}/roi?start=${days.start}&end=${days.end}`);
            return answer.body.clicks?.clicks === 1 && answer.body.conversions?.count === 1 ? answer.body : undefined;
          },
          30_000,
          "the click and the conversion to be counted",
        );
        assert.equal(roi.roi, 1.5);

        const report = await admin.post("/api/reports", {
          title: "Autumn Push for the client",
          campaignId,
          rangeKind: "fixed",
          rangeStart: days.start,
          rangeEnd: days.end,
        });
        assert.equal(report.status, 201, JSON.stringify(report.body));
        const text = await pdfText((await download(admin, `/api/reports/${report.body.report.id}/pdf`)).bytes);
        assert.match(text, /one campaign/);
        assert.ok(text.includes("Clicks: 1"), text);
        assert.ok(text.includes("Conversions: 1"), text);
        assert.ok(text.includes("ROI: 150.00 %"), text);
        assert.ok(text.includes("(revenue 50.00 - cost 20.00) ÷ cost, in EUR"), text);
        assert.match(text, /Autumn menu/);
        assert.doesNotMatch(text, /Our autumn blend is here/, "only the campaign's posts");

        const foreign = await outsider.post("/api/reports", { title: "Theirs", campaignId, rangeKind: "last_7_days" });
        assert.equal(foreign.status, 404);
        assert.equal(foreign.body.error.field, "campaignId");
      });

      test("deleting a report ends its share links", async () => {
        const created = await admin.post(`/api/reports/${reportId}/share-links`, { expiresInDays: 30 });
        const path = new URL(created.body.url).pathname;
        assert.equal((await admin.delete(`/api/reports/${reportId}`)).status, 204);
        assert.equal((await app.client().get(path)).status, 404);
        assert.equal((await admin.get(`/api/reports/${reportId}`)).status, 404);
      });
    },
  );
}
