import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Jimp } from "jimp";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled, upload } from "../posts/support.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
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
        assert.ok(text.includes(`Clicks: ${count(total.totals.clicks)}`), text);
        // Not tracked before conversion tracking exists: said as such, never 0.
        assert.match(text, /Conversions: unavailable \(/);
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
