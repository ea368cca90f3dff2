import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mediaCounts, postCounts } from "../../sandbox/metrics.js";
import { instagramAccounts } from "../../sandbox/seed.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled, upload } from "../posts/support.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
import { waitFor } from "../support/process.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { journal, parseCsv, postMetrics, published, readSince, sandboxNow, today } from "./support.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

for (const backend of backends) {
  describe(
    `analytics from Facebook Pages and Instagram, kept as history (${backend.name})`,
    { skip: backend.skip },
    () => {
      let app: TestApp;
      let sandbox: RunningSandbox;
      let client: HttpClient;
      let passTime: (milliseconds: number) => Promise<void>;
      let clockNow: () => number;
      const postIds: string[] = [];
      let publishedDay: string;
      let reportAtRead: Record<string, unknown>;

      before(async () => {
        let clock;
        // The session outlives the months the clock is moved over.
        ({ app, sandbox, passTime, clock } = await startAppWithSandbox({
          backend,
          env: { SESSION_TTL_HOURS: String(365 * 24) },
        }));
        clockNow = () => clock.now();
        client = app.client();
        await signUp(client);
        await createOrganization(client, "Northwind Analytics");
        const facebook = await connectThroughConsent(client, "facebook", { identity: "ava" });
        await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
          externalIds: ["200000000000001"],
        });
        await connectThroughConsent(client, "instagram", { identity: "ava" });
        const ids = await connectionIds(client);
        const photo = await upload(client, "/photo.jpg");
        const drafts = [
          { content: "Morning roast, Pages only", connectionIds: [ids.byKey("facebook")] },
          {
            content: "Our new blend",
            mediaIds: [photo.id],
            connectionIds: [ids.byKey("facebook"), ids.byKey("instagram")],
          },
          { content: "Latte art", mediaIds: [photo.id], connectionIds: [ids.byKey("instagram")] },
        ];
        for (const draft of drafts) {
          const created = await client.post("/api/posts", draft);
          assert.equal(created.status, 201, JSON.stringify(created.body));
          const post = await settled(client, created.body.post.id);
          assert.ok(post.targets.every((target: { state: string }) => target.state === "published"));
          postIds.push(post.id);
        }
        publishedDay = today(clockNow());
      });
      after(async () => {
        await app.stop();
        await sandbox.close();
      });

      test("the first read after publishing keeps a real zero as 0", async () => {
        await passTime(20 * MINUTE);
        const read = await readSince(client, postIds, clockNow() - MINUTE);
        const facebookTarget = read.find((target) => target.platform === "facebook")!;
        // Under an hour old, the sandbox has counted no views yet: a measured 0, not a missing value.
        assert.equal(facebookTarget.metrics.views, 0);
        assert.deepEqual(
          facebookTarget.unavailable.filter((note) => note.metric === "views"),
          [],
        );
      });

      test("totals are exactly the sum of each post's latest values: read twice, counted once", async () => {
        await passTime(2 * HOUR + 5 * MINUTE);
        const readAt = clockNow();
        const targets = await readSince(client, postIds, readAt - MINUTE);
        const now = await sandboxNow(sandbox);
        const items = [...(await published(sandbox, "facebook")), ...(await published(sandbox, "instagram"))];
        const createdAt = (remoteId: string) => items.find((item) => item.id === remoteId)!.createdAt;

        const facebookTargets = targets.filter((target) => target.platform === "facebook");
        const instagramTargets = targets.filter((target) => target.platform === "instagram");
        assert.equal(facebookTargets.length, 2);
        assert.equal(instagramTargets.length, 2);
        for (const target of targets)
          assert.ok(
            new Set(target.history.map((snapshot) => snapshot.fetchedAt)).size >= 2,
            "each post was read at least twice",
          );

        const facebookExpected = facebookTargets.map((target) => {
          const counts = postCounts({ id: target.remoteId, createdAt: createdAt(target.remoteId) }, now);
          return { ...counts, reactions: counts.like + counts.love };
        });
        const instagramExpected = instagramTargets.map((target) =>
          mediaCounts({ id: target.remoteId, createdAt: createdAt(target.remoteId) }, now),
        );
        for (const [index, target] of facebookTargets.entries()) {
          const expected = facebookExpected[index]!;
          assert.deepEqual(
            [target.metrics.views, target.metrics.reach, target.metrics.reactions, target.metrics.comments],
            [expected.views, expected.reach, expected.reactions, expected.comments],
          );
          assert.equal(target.metrics.shares, expected.shares);
          assert.equal(target.metrics.clicks, expected.clicks);
        }

        const answer = await client.get(
          `/api/analytics?platforms=facebook,instagram&start=${publishedDay}&end=${publishedDay}`,
        );
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const { facebook, instagram } = answer.body.platforms;
        const facebookInteractions = sum(
          facebookExpected.map((counts) => counts.reactions + counts.comments + counts.shares),
        );
        assert.equal(facebook.posts, 2);
        assert.equal(facebook.totalImpressions, sum(facebookExpected.map((counts) => counts.views)));
        assert.equal(facebook.totalReach, sum(facebookExpected.map((counts) => counts.reach)));
        assert.equal(facebook.totalEngagement, facebookInteractions);
        assert.equal(facebook.totals.clicks, sum(facebookExpected.map((counts) => counts.clicks)));
        assert.equal(
          facebook.engagementRate.value,
          facebookInteractions / sum(facebookExpected.map((counts) => counts.views)),
        );
        assert.equal(facebook.engagementRate.basis, "views");

        const instagramInteractions = sum(
          instagramExpected.map((counts) => counts.likes + counts.comments + counts.shares + counts.saved),
        );
        assert.equal(instagram.totalImpressions, sum(instagramExpected.map((counts) => counts.views)));
        assert.equal(instagram.totalReach, sum(instagramExpected.map((counts) => counts.reach)));
        assert.equal(instagram.totalEngagement, instagramInteractions);
        assert.equal(instagram.totals.saves, sum(instagramExpected.map((counts) => counts.saved)));
        assert.equal(instagram.totals.engagements, sum(instagramExpected.map((counts) => counts.total_interactions)));
        assert.equal(
          instagram.engagementRateByReach.value,
          instagramInteractions / sum(instagramExpected.map((counts) => counts.reach)),
        );

        // Across platforms: each total is the sum of the platforms' totals.
        const { total } = answer.body;
        assert.equal(total.totalImpressions, facebook.totalImpressions + instagram.totalImpressions);
        assert.equal(total.totalReach, facebook.totalReach + instagram.totalReach);
        assert.equal(total.totalEngagement, facebook.totalEngagement + instagram.totalEngagement);
        assert.equal(total.posts, 4);
        // The best posts are the stored posts, ordered by interactions.
        assert.equal(facebook.topPosts.length, 2);
        assert.ok(facebook.topPosts[0].interactions >= facebook.topPosts[1].interactions);
        reportAtRead = answer.body;
      });

      test("a metric the platform lacks is unavailable with its reason, in the API and the CSV, never 0", async () => {
        const answer = await client.get(
          `/api/analytics?start=${publishedDay}&end=${publishedDay}&metrics=saves,clicks,views`,
        );
        const { facebook, instagram } = answer.body.platforms;
        assert.equal(facebook.totals.saves, null);
        assert.deepEqual(
          facebook.unavailable.find((note: { metric: string }) => note.metric === "saves"),
          {
            metric: "saves",
            reason: "not_provided",
            message: "not provided by Facebook Pages",
            reconnectFor: null,
            accounts: 1,
            posts: 0,
          },
        );
        assert.equal(instagram.totals.clicks, null);
        assert.match(
          instagram.unavailable.find((note: { metric: string }) => note.metric === "clicks").message,
          /not provided by Instagram/,
        );

        const csv = await fetch(
          new URL(
            `/api/analytics/export.csv?start=${publishedDay}&end=${publishedDay}&metrics=views,saves,clicks`,
            client.baseUrl,
          ),
          { headers: { cookie: `msid=${client.cookie("msid")}` } },
        );
        assert.equal(csv.status, 200);
        assert.match(csv.headers.get("content-type") ?? "", /text\/csv/);
        const [header, ...rows] = parseCsv(await csv.text());
        const column = (name: string) => header!.indexOf(name);
        assert.deepEqual(
          ["views", "saves", "clicks"].map((name) => column(name) > 0),
          [true, true, true],
        );
        const facebookRows = rows.filter((row) => row[0] === "facebook");
        assert.equal(facebookRows.length, 2);
        for (const row of facebookRows) {
          assert.match(row[column("views")]!, /^\d+$/);
          assert.equal(row[column("saves")], "", "a metric Facebook lacks is an empty cell");
          assert.match(row[column("clicks")]!, /^\d+$/);
          assert.match(row[column("unavailable")]!, /saves: not provided by Facebook Pages/);
        }
        const instagramRow = rows.find((row) => row[0] === "instagram")!;
        assert.equal(instagramRow[column("clicks")], "");
        assert.match(instagramRow[column("unavailable")]!, /clicks: not provided by Instagram/);
      });

      test("accounts: the history the platform had on connect, and Instagram's followers", async () => {
        const ids = await connectionIds(client);
        const facebook = await client.get(`/api/analytics/accounts/${ids.byKey("facebook")}`);
        assert.equal(facebook.status, 200, JSON.stringify(facebook.body));
        const days = facebook.body.series as { day: string; views: number | null; followers: number | null }[];
        assert.equal(days.length, 30);
        assert.ok(
          days.slice(0, -1).every((point) => typeof point.views === "number"),
          JSON.stringify(days.slice(0, 3)),
        );
        assert.equal(typeof facebook.body.followers.current, "number");
        // Two years of Page insights, read 90 days a call on the first collection.
        const pageReads = await journal(sandbox, "meta", "/200000000000001/insights");
        assert.ok(pageReads.length >= 9, `${pageReads.length} page insights reads`);
        const instagram = await client.get(`/api/analytics/accounts/${ids.byKey("instagram")}`);
        assert.equal(instagram.body.followers.current, instagramAccounts[0]!.followersCount);
        assert.ok(
          (instagram.body.series as { reach: number | null }[]).some((point) => typeof point.reach === "number"),
        );
      });

      test("the overview: live counts, and stored rate and reach with their freshness", async () => {
        const answer = await client.get("/api/analytics/overview");
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body.activeConnections.value, 2);
        assert.equal(answer.body.activeConnections.freshness.kind, "live");
        assert.equal(answer.body.reach.freshness.kind, "stored");
        assert.equal(answer.body.reach.freshness.refreshMinutes, 60);
        assert.equal(answer.body.engagementRate.freshness.refreshMinutes, 15);
        const total = (reportAtRead.total as { totalReach: number }).totalReach;
        assert.equal(answer.body.reach.value, total);
      });

      test("past the platform's window the stored history still answers, unchanged, and nothing is read again", async () => {
        const isPostRead = (path: string) => !/\/(200000000000001|17841\d+)\/insights/.test(path);
        const postReadsBefore = (await journal(sandbox, "meta", "/insights")).filter((entry) => isPostRead(entry.path));
        await passTime(100 * DAY);
        // The posts, 100 days old now, are put past reading by the collection the jump set off.
        const targets = await waitFor(
          async () => {
            const all = (await Promise.all(postIds.map((id) => postMetrics(client, id)))).flat();
            return all.every((target) => target.nextCollectionAt === null) ? all : undefined;
          },
          30_000,
          "the posts to be past reading",
        );
        assert.equal(targets.length, 4);
        const answer = await client.get(
          `/api/analytics?platforms=facebook,instagram&start=${publishedDay}&end=${publishedDay}`,
        );
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const atRead = reportAtRead as { platforms: Record<string, { totals: unknown }>; total: unknown };
        assert.deepEqual(answer.body.platforms.facebook.totals, atRead.platforms.facebook!.totals);
        assert.deepEqual(answer.body.platforms.instagram.totals, atRead.platforms.instagram!.totals);
        assert.deepEqual(answer.body.total, atRead.total);
        const postReadsAfter = (await journal(sandbox, "meta", "/insights")).filter((entry) => isPostRead(entry.path));
        assert.equal(postReadsAfter.length, postReadsBefore.length, "no post was read past its window");
      });
    },
  );
}
