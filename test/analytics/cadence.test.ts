import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { accountRanges } from "../../src/analytics/collect.js";
import { nextPostRead, nextSlot, spreadOf } from "../../src/analytics/cadence.js";
import { platforms } from "../../src/platforms/index.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled } from "../posts/support.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { waitFor } from "../support/process.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { analyticsWorld, journal, postMetrics, readSince } from "./support.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("when metrics are read", () => {
  test("a post every 15 minutes to 48 hours, hourly to 7 days, daily to 90 days, then never", () => {
    const publishedAt = Date.UTC(2026, 10, 1, 9, 0);
    const id = randomUUID();
    // The first read after any moment falls anywhere within one interval (the id's offset), and
    // the reads after it one interval apart.
    const cadenceAt = (age: number, every: number) => {
      const first = nextPostRead(publishedAt + age, publishedAt, id)!;
      assert.ok(first > publishedAt + age && first <= publishedAt + age + every, `age ${age}: first read`);
      assert.equal(nextPostRead(first, publishedAt, id)! - first, every, `age ${age}: interval`);
    };
    for (const age of [0, 5 * HOUR, 46 * HOUR]) cadenceAt(age, 15 * MINUTE);
    for (const age of [49 * HOUR, 6 * DAY]) cadenceAt(age, HOUR);
    for (const age of [8 * DAY, 80 * DAY]) cadenceAt(age, DAY);
    assert.equal(nextPostRead(publishedAt + 90 * DAY, publishedAt, id), null);
    assert.equal(nextPostRead(publishedAt + 89.99 * DAY, publishedAt, id), null, "no read past the horizon");
  });

  test("a platform that stops answering earlier gets its last read an hour before its window closes", () => {
    const publishedAt = Date.UTC(2026, 10, 1, 9, 0);
    const windowMs = 30 * DAY;
    let last = publishedAt + 29 * DAY;
    for (let next = nextPostRead(last, publishedAt, "post", windowMs); next !== null;)
      [last, next] = [next, nextPostRead(next, publishedAt, "post", windowMs)];
    assert.equal(last, publishedAt + windowMs - HOUR);
  });

  test("reads are spread over the window by id, never all at minute 0", () => {
    const at = Date.UTC(2026, 10, 1, 0, 0);
    const minutes = new Set(
      Array.from({ length: 200 }, () => new Date(nextSlot(at, HOUR, randomUUID())).getUTCMinutes()),
    );
    assert.ok(minutes.size > 40, `${minutes.size} distinct minutes of the hour`);
    const offsets = Array.from({ length: 1000 }, () => spreadOf(randomUUID()));
    assert.ok(Math.max(...offsets) - Math.min(...offsets) > 0.9);
    const id = randomUUID();
    assert.equal(nextSlot(at, HOUR, id), nextSlot(at + 1, HOUR, id), "the same slot for the same id");
  });

  test("an account's hourly read falls on one of its 15-minute reads, its daily read on an hourly one", () => {
    const at = Date.UTC(2026, 10, 1, 0, 0);
    const hours = new Set<number>();
    for (let account = 0; account < 200; account += 1) {
      const id = randomUUID();
      const quarterHourly = nextSlot(at, 15 * MINUTE, id);
      const hourly = nextSlot(at, HOUR, id);
      const daily = nextSlot(at, DAY, id);
      assert.equal((hourly - quarterHourly) % (15 * MINUTE), 0, "the hourly read shares a 15-minute slot");
      assert.equal((daily - hourly) % HOUR, 0, "the daily read shares an hourly slot");
      hours.add(new Date(daily).getUTCHours());
    }
    assert.ok(hours.size > 20, `daily reads spread over ${hours.size} hours of the day`);
  });

  test("the history on connect in slices the platform takes, newest first; then the last 3 days", () => {
    const analytics = platforms.facebook.analytics!;
    const backfill = accountRanges(analytics, "2026-11-26", false);
    assert.equal(backfill.length, Math.ceil(analytics.historyDays / analytics.accountRangeDays!));
    assert.deepEqual(backfill[0], { since: "2026-08-29", until: "2026-11-26" });
    for (const range of backfill)
      assert.ok((Date.parse(range.until) - Date.parse(range.since)) / DAY + 1 <= analytics.accountRangeDays!);
    assert.deepEqual(accountRanges(analytics, "2026-11-26", true), [{ since: "2026-11-24", until: "2026-11-26" }]);
  });
});

describe("collection cadence, counted at the platform", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;
  let clockNow: () => number;

  before(async () => {
    let clock;
    ({ app, sandbox, passTime, clock } = await startAppWithSandbox({ env: { SESSION_TTL_HOURS: "8760" } }));
    clockNow = () => clock.now();
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Cadence Co");
    const landed = await connectThroughConsent(client, "facebook", { identity: "ava" });
    await client.post(`/api/social-media/grants/${landed.searchParams.get("choose")}`, {
      externalIds: ["200000000000001"],
    });
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("a post is read by its age: every 15 minutes, then hourly, then daily", async () => {
    const ids = await connectionIds(client);
    const created = await client.post("/api/posts", {
      content: "Read on a schedule",
      connectionIds: [ids.byKey("facebook")],
    });
    const post = await settled(client, created.body.post.id);
    const remoteId = post.targets[0].postId as string;
    const reads = async () =>
      (await journal(sandbox, "meta", `/${remoteId}/insights`)).filter((entry) => entry.path.endsWith("/insights"))
        .length / 2;
    /** Moves the clock, then waits until nothing is due for the post any more. */
    const step = async (milliseconds: number) => {
      await passTime(milliseconds);
      await waitFor(
        async () => {
          const [target] = await postMetrics(client, post.id);
          return !target!.nextCollectionAt || Date.parse(target!.nextCollectionAt) > clockNow() ? true : undefined;
        },
        30_000,
        "the post's due read",
      );
    };
    const counted = async (steps: number, every: number) => {
      const before = await reads();
      for (let index = 0; index < steps; index += 1) await step(every);
      return (await reads()) - before;
    };
    // Young: four 15-minute steps, four reads.
    await step(16 * MINUTE);
    assert.equal(await counted(4, 15 * MINUTE), 4);
    // Three days old: one read an hour, none more often.
    await step(3 * DAY);
    assert.equal(await counted(3, 20 * MINUTE), 1);
    assert.equal(await counted(3, HOUR), 3);
    // Ten days old: one a day.
    await step(7 * DAY);
    assert.equal(await counted(6, 4 * HOUR), 1);
    assert.equal(await counted(2, DAY), 2);
    // Past 90 days: none.
    await step(90 * DAY);
    assert.equal(await counted(2, DAY), 0);
  });
});

/**
 * An account's posts share its reading slots: three posts on one X account, published minutes
 * apart, are read together in one GET /2/tweets at each 15-minute slot, not in a call each.
 */
describe("an account's posts read together", () => {
  let world: Awaited<ReturnType<typeof analyticsWorld>>;

  before(async () => {
    world = await analyticsWorld("Batch Co");
  });
  after(async () => {
    await world.app.stop();
    await world.sandbox.close();
  });

  test("one call reads every post of the account that came due", async () => {
    const { client, passTime, clockNow, sandbox } = world;
    await connectThroughConsent(client, "x", { identity: "ava" });
    const account = (await connectionIds(client)).byKey("x");
    const postIds: string[] = [];
    for (const content of ["First of three", "Second of three", "Third of three"]) {
      const created = await client.post("/api/posts", { content, connectionIds: [account] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      postIds.push((await settled(client, created.body.post.id)).id);
      await passTime(2 * MINUTE);
    }
    await passTime(16 * MINUTE);
    const since = clockNow() - MINUTE;
    await readSince(client, postIds, since);
    const [lastRead] = (await postMetrics(client, postIds[0]!)).map((target) => target.fetchedAt);
    // A minute at a time, as time passes for a running deployment: each minute's reads are made before the next.
    for (let minute = 0; minute < 15; minute += 1) {
      await passTime(MINUTE);
      await waitFor(
        async () => {
          const due = (await Promise.all(postIds.map((id) => postMetrics(client, id)))).flat();
          return due.every((target) => Date.parse(target.nextCollectionAt!) > clockNow()) ? true : undefined;
        },
        20_000,
        "the minute's reads",
      );
    }
    const targets = await readSince(client, postIds, Date.parse(lastRead!) + 1);
    assert.equal(targets.length, 3);
    // The sandbox's journal keeps paths without their query: a read of the posts is a GET of /2/tweets itself.
    const reads = (await journal(sandbox, "x", "/2/tweets")).filter(
      (entry) => entry.method === "GET" && entry.path.endsWith("/2/tweets") && entry.at > Date.parse(lastRead!),
    );
    assert.equal(reads.length, 1, `one call read the three, not ${reads.length}`);
  });
});
