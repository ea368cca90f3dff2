import assert from "node:assert/strict";
import { after, before, describe, mock, test } from "node:test";
import { grown, shareOf } from "../../sandbox/metrics.js";
import type { MetricUnavailable } from "../../src/platforms/analytics.js";
import { Api, resolveHosts } from "../../src/platforms/http.js";
import { PlatformError } from "../../src/platforms/platform.js";
import { tiktok } from "../../src/platforms/tiktok.js";
import { startSandbox, userToken, type RunningSandbox } from "../sandbox/support.js";

/**
 * The TikTok collector against the sandbox over HTTP, with the machine's time held still so the
 * counters, which grow with a video's age, are exact.
 */

const DAY = 86_400_000;
const START = Date.parse("2026-11-20T20:00:00Z");
const ava = "-000avaSandboxOpenId0001";
const productScopes = tiktok.auth({}).scopes.join(",");

describe("analytics: TikTok", () => {
  let sandbox: RunningSandbox;
  const now = () => sandbox.sandbox.context.clock.now();
  const analytics = tiktok.analytics!;
  const account = { externalId: ava, details: {} };

  before(async () => {
    mock.timers.enable({ apis: ["Date"], now: START });
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.close();
    mock.timers.reset();
  });

  async function apiFor(scopes: string, running = sandbox): Promise<Api> {
    return new Api({
      platform: "tiktok",
      hosts: resolveHosts(tiktok.realHosts, { baseUrl: new URL(running.base("tiktok")) }),
      classify: tiktok.classify,
      timeoutMs: 10_000,
      token: await userToken(running, "tiktok", scopes),
      clock: running.sandbox.context.clock,
    });
  }

  /** A public video of Ava's, published `ageMs` ago and through moderation an hour later (or not yet). */
  function video(id: string, ageMs: number, moderated = true) {
    const createdAt = now() - ageMs;
    sandbox.sandbox.context.state.publish({
      platform: "tiktok",
      accountId: ava,
      kind: "video",
      id,
      createdAt,
      url: `https://www.tiktok.com/@northwind.coffee/video/${id}`,
      text: "Morning roast",
      media: [],
      extra: { moderatedAt: moderated ? createdAt + 3_600_000 : now() + DAY },
    });
    return { remoteId: id, publishedAt: new Date(createdAt), createdAt };
  }

  const reasons = (unavailable: MetricUnavailable[]) =>
    Object.fromEntries(unavailable.map((entry) => [entry.metric, entry.reason]));

  test("a video's lifetime counters, exact, in one query for the batch; posts TikTok cannot name are unavailable, not 0", async () => {
    const api = await apiFor(productScopes);
    const posted = video("7440000000000000001", 5 * DAY);
    const pending = video("7440000000000000002", 2 * 3_600_000, false);
    const privatePost = { remoteId: "v_pub_url~v2.7", publishedAt: new Date(now() - DAY) };
    const gone = { remoteId: "7440000000000000999", publishedAt: new Date(now() - DAY) };
    const before = sandbox.sandbox.context.state.journal.length;
    const [read, pendingRead, privateRead, goneRead] = await analytics.readPosts!(
      api,
      account,
      [posted, pending, privatePost, gone],
      {},
    );
    const calls = sandbox.sandbox.context.state.journal.slice(before);
    assert.deepEqual(
      calls.map((call) => `${call.method} ${call.path}`),
      ["POST /tiktok/v2/video/query/"],
    );

    const id = posted.remoteId;
    const views = grown(`${id}:views`, posted.createdAt, now(), 120);
    assert.ok(views > 1000);
    assert.deepEqual(read, {
      remoteId: id,
      readings: [
        { metric: "views", value: views, source: "view_count" },
        { metric: "video_views", value: views, source: "view_count" },
        { metric: "reactions", value: shareOf(`${id}:likes`, views, 0.03, 0.09), source: "like_count" },
        { metric: "comments", value: shareOf(`${id}:comments`, views, 0.001, 0.006), source: "comment_count" },
        { metric: "shares", value: shareOf(`${id}:shares`, views, 0.001, 0.004), source: "share_count" },
      ],
      unavailable: [],
    });
    for (const unread of [pendingRead!, goneRead!]) {
      assert.deepEqual(unread.readings, []);
      assert.equal(reasons(unread.unavailable).views, "refused");
    }
    assert.deepEqual(privateRead!.readings, []);
    assert.deepEqual(reasons(privateRead!.unavailable), {
      views: "not_provided",
      video_views: "not_provided",
      reactions: "not_provided",
      comments: "not_provided",
      shares: "not_provided",
    });
  });

  test("followers need user.info.stats, which the product does not ask for: unavailable with the scope to reconnect for", async () => {
    assert.ok(!productScopes.includes("user.info.stats"));
    const read = await analytics.readAccount(
      await apiFor(productScopes),
      account,
      { since: "2026-11-19", until: "2026-11-20" },
      {},
    );
    assert.deepEqual(read.days, []);
    assert.deepEqual(read.current, []);
    assert.equal(read.unavailable.length, 1);
    const [followers] = read.unavailable;
    assert.equal(followers!.metric, "followers");
    assert.equal(followers!.reason, "permission");
    assert.equal(followers!.reconnectFor, "user.info.stats");
    assert.match(followers!.message, /scope_permission_missed/);
  });

  test("a grant known to lack user.info.stats: unavailable with the scope to reconnect for, and TikTok is not asked", async () => {
    const before = sandbox.sandbox.context.state.journal.length;
    const read = await analytics.readAccount(
      await apiFor(productScopes),
      { ...account, scopes: productScopes.split(",") },
      { since: "2026-11-19", until: "2026-11-20" },
      {},
    );
    assert.deepEqual(
      read.unavailable.map(({ metric, reason, reconnectFor }) => ({ metric, reason, reconnectFor })),
      [{ metric: "followers", reason: "permission", reconnectFor: "user.info.stats" }],
    );
    assert.deepEqual(read.current, []);
    assert.deepEqual(
      sandbox.sandbox.context.state.journal.slice(before).filter((entry) => entry.path.includes("/user/info/")),
      [],
      "no call that TikTok would refuse",
    );
  });

  test("with user.info.stats granted: the follower count now, exact; counters only, no days", async () => {
    video("7440000000000000003", 9 * DAY);
    const read = await analytics.readAccount(
      await apiFor(`${productScopes},user.info.stats`),
      account,
      { since: "2026-11-13", until: "2026-11-20" },
      {},
    );
    const listed = sandbox.sandbox.context.state.data.published.filter(
      (item) =>
        item.platform === "tiktok" &&
        item.accountId === ava &&
        typeof item.extra.moderatedAt === "number" &&
        item.extra.moderatedAt <= now(),
    );
    const totalViews = listed.reduce((sum, item) => sum + grown(`${item.id}:views`, item.createdAt, now(), 120), 0);
    assert.deepEqual(read, {
      days: [],
      current: [
        {
          metric: "followers",
          value: 1_200 + shareOf(`${ava}:followers`, totalViews, 0.001, 0.003),
          source: "follower_count",
        },
      ],
      unavailable: [],
    });
  });

  test("a grant without video.list: post metrics unavailable with the scope to reconnect for; the account still read", async () => {
    const api = await apiFor("user.info.basic,user.info.stats");
    const posted = video("7440000000000000004", 3 * DAY);
    const [read] = await analytics.readPosts!(api, account, [posted], {});
    assert.deepEqual(read!.readings, []);
    assert.equal(read!.unavailable.length, 5);
    for (const entry of read!.unavailable) {
      assert.equal(entry.reason, "permission");
      assert.equal(entry.reconnectFor, "video.list");
      assert.match(entry.message, /scope_not_authorized/);
    }
    const accountRead = await analytics.readAccount(api, account, { since: "2026-11-20", until: "2026-11-20" }, {});
    assert.equal(accountRead.current[0]?.metric, "followers");
  });

  test("the Display API's per-minute limit: a spent window is a rate limit a minute long, as publishing classifies it", async () => {
    const limited = await startSandbox({ limits: { tiktokDisplayCallsPerMinute: 1 } });
    try {
      const api = await apiFor(productScopes, limited);
      const posts = [{ remoteId: "7440000000000000005", publishedAt: new Date(START - DAY) }];
      await analytics.readPosts!(api, account, posts, {});
      const error = await analytics.readPosts!(api, account, posts, {}).then(
        () => assert.fail("the second query in a minute is over the limit"),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof PlatformError);
      assert.equal(error.platformCode, "rate_limit_exceeded");
      assert.deepEqual(error.failure, { kind: "rate_limited", retryAt: new Date(START + 60_000), scope: "account" });
      assert.deepEqual(
        analytics.budgets.map((budget) => [budget.calls, budget.perMs]),
        [[600, 60_000]],
      );
    } finally {
      await limited.close();
    }
  });
});
