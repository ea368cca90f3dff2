import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { refreshPlatformRollups, refreshPostRollups } from "../../src/analytics/rollups.js";
import { selectRows, type Database, type Transaction } from "../../src/db/client.js";
import * as schema from "../../src/db/schema.js";
import {
  accountDayRow,
  connectionRow,
  insertAnalyticsRows,
  publishedPostRows,
  type PostValues,
} from "../support/analytics-rows.js";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends, postgresSkipReason } from "../support/postgres.js";
import { waitFor } from "../support/process.js";

/** Posts on the days around month edges, with the views (reactions a tenth) each was read at. */
const published: { day: string; views: number }[] = [
  { day: "2026-01-30", views: 700 },
  { day: "2026-01-31", views: 300 },
  { day: "2026-02-01", views: 1_000 },
  { day: "2026-02-14", views: 50 },
  { day: "2026-02-28", views: 2_000 },
  { day: "2026-03-01", views: 40 },
  { day: "2026-03-31", views: 900 },
  { day: "2026-04-01", views: 5 },
];
const valuesOf = (views: number): PostValues => ({ views, reach: views / 2, reactions: views / 10 });

for (const backend of backends) {
  describe(`reports over whole and partial months (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let client: HttpClient;
    let organizationId: string;

    before(async () => {
      app = await startTestApp({ backend });
      client = app.client();
      await signUp(client);
      organizationId = (await createOrganization(client, "Months Co")).id;
      const account = connectionRow(organizationId, "facebook", "months");
      const readAt = new Date("2026-04-02T00:00:00Z");
      await insertAnalyticsRows(app.runtime.context.db, {
        accounts: [account],
        posts: published.map((post, index) =>
          publishedPostRows(account, {
            label: `months-${index}`,
            publishedAt: new Date(`${post.day}T12:00:00Z`),
            values: valuesOf(post.views),
            fetchedAt: readAt,
          }),
        ),
        days: ["2026-01-31", "2026-02-01", "2026-03-01"].map((day, index) =>
          accountDayRow(account, { day, metric: "followers", value: 100 + index, fetchedAt: readAt }),
        ),
      });
      await refreshPostRollups(app.runtime.context.db, { organizationId });
      await refreshPlatformRollups(app.runtime.context.db, { organizationId });
    });
    after(async () => app.stop());

    const report = async (start: string, end: string) => {
      const answer = await client.get(`/api/analytics?platforms=facebook&start=${start}&end=${end}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.platforms.facebook;
    };
    const expected = (start: string, end: string) => {
      const inRange = published.filter((post) => post.day >= start && post.day <= end);
      return {
        posts: inRange.length,
        views: inRange.reduce((sum, post) => sum + post.views, 0),
        best: [...inRange].sort((a, b) => b.views - a.views).map((post) => post.day),
      };
    };

    test("every range's totals are the sum of its posts, whichever months it covers whole or in part", async () => {
      for (const [start, end] of [
        ["2026-01-31", "2026-03-01"],
        ["2026-02-01", "2026-02-28"],
        ["2026-02-02", "2026-02-27"],
        ["2026-01-01", "2026-04-30"],
        ["2026-01-31", "2026-03-31"],
        ["2026-03-01", "2026-04-01"],
      ] as const) {
        const answer = await report(start, end);
        const { posts, views, best } = expected(start, end);
        assert.equal(answer.posts, posts, `${start}..${end} posts`);
        assert.equal(answer.totalImpressions, views, `${start}..${end} views`);
        assert.equal(answer.totalReach, views / 2, `${start}..${end} reach`);
        assert.equal(answer.totalEngagement, views / 10, `${start}..${end} interactions`);
        assert.deepEqual(
          answer.topPosts.map((post: { publishedAt: string }) => post.publishedAt.slice(0, 10)),
          best.slice(0, 5),
          `${start}..${end} best posts`,
        );
      }
    });

    test("the daily series crosses month edges with every day of the range, null where nothing was read", async () => {
      const answer = await report("2026-01-30", "2026-02-02");
      assert.deepEqual(
        answer.series.map((point: { day: string; followers: number | null }) => [point.day, point.followers]),
        [
          ["2026-01-30", null],
          ["2026-01-31", 100],
          ["2026-02-01", 101],
          ["2026-02-02", null],
        ],
      );
    });
  });
}

/**
 * Two workers storing posts of the same day for two accounts of one organization, on PostgreSQL:
 * the second sums the day while the first has not committed. The rollup must end as the sum of
 * what is stored, whichever commits last (it kept the second's stale sum before the lock).
 */
describe("rollups refreshed by two workers at once (postgres)", { skip: postgresSkipReason }, () => {
  let app: TestApp;
  let organizationId: string;
  const day = "2026-05-05";
  const targets: string[] = [];
  const sessions: pg.Client[] = [];

  before(async () => {
    app = await startTestApp({ backend: backends.find((backend) => backend.name === "postgres")! });
    const client = app.client();
    await signUp(client);
    organizationId = (await createOrganization(client, "Two Workers Co")).id;
    const accounts = ["first", "second"].map((label) => connectionRow(organizationId, "facebook", label));
    const posts = accounts.map((account, index) =>
      publishedPostRows(account, {
        label: `race-${index}`,
        publishedAt: new Date(`${day}T0${index + 8}:00:00Z`),
        values: { views: 100 * (index + 1) },
        fetchedAt: new Date(`${day}T12:00:00Z`),
      }),
    );
    await insertAnalyticsRows(app.runtime.context.db, { accounts, posts, days: [] });
    targets.push(...posts.map((post) => post.target.id));
    await refreshPostRollups(app.runtime.context.db, { organizationId });
    for (let index = 0; index < 2; index += 1) {
      const session = new pg.Client({ connectionString: app.runtime.context.config.database.url });
      await session.connect();
      sessions.push(session);
    }
  });
  after(async () => {
    for (const session of sessions) await session.end();
    await app?.stop();
  });

  test("the worker that waits sums what the other committed", async () => {
    // Each worker's own session, as the product opens its database (client.ts).
    const [first, second] = sessions.map((session) => drizzle(session, { schema }) as unknown as Database);
    const scope = { organizationId, platform: "facebook" as const, since: day, until: day };
    const store = (db: Database | Transaction, targetId: string, views: number) =>
      db.execute(sql`update analytics_post_latest set views = ${views} where target_id = ${targetId}`);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let refreshed!: () => void;
    const firstRefreshed = new Promise<void>((resolve) => (refreshed = resolve));
    const firstWorker = first!.transaction(async (tx) => {
      await store(tx, targets[0]!, 1_000);
      await refreshPostRollups(tx, scope);
      refreshed();
      await held;
    });
    await firstRefreshed;
    const secondWorker = second!.transaction(async (tx) => {
      await store(tx, targets[1]!, 2_000);
      await refreshPostRollups(tx, scope);
    });
    const secondPid = (sessions[1] as unknown as { processID: number }).processID;
    await waitFor(
      async () => {
        const answer = await sessions[0]!.query("select wait_event_type from pg_stat_activity where pid = $1", [
          secondPid,
        ]);
        return answer.rows[0]?.wait_event_type === "Lock" ? true : undefined;
      },
      10_000,
      "the second worker to wait for the first",
    );
    release();
    await firstWorker;
    await secondWorker;
    const [rollup] = await selectRows<{ views: number }>(
      app.runtime.context.db,
      sql`select views from analytics_post_days where organization_id = ${organizationId} and day = ${day}`,
    );
    assert.equal(rollup?.views, 3_000, "the day's sum is both posts' stored views");
  });
});
