import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, mock, test } from "node:test";
import { grown, shareOf } from "../../sandbox/metrics.js";
import type { AccountMetrics, MetricUnavailable, PostMetrics } from "../../src/platforms/analytics.js";
import { Api, resolveHosts } from "../../src/platforms/http.js";
import { PlatformError } from "../../src/platforms/platform.js";
import { youtube } from "../../src/platforms/youtube.js";
import { callback, consent, json, startSandbox, type RunningSandbox } from "../sandbox/support.js";

/**
 * The YouTube collector against the sandbox over HTTP. The machine's time is held still (the
 * sandbox's clock is it plus an offset) so every counter, which grows with a video's age, is
 * exact; the clock moves only when a test moves it.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.parse("2026-11-20T20:00:00Z");
const northwind = { channel: "UCsandboxNorthwindTV0001", identity: "ava:UCsandboxNorthwindTV0001" };
const hiddenSubscribers = { channel: "UCsandboxBenRides000002", identity: "ben:UCsandboxBenRides000002" };
const scope = (name: string) => `https://www.googleapis.com/auth/${name}`;
const everyScope = ["youtube.upload", "youtube.readonly", "yt-analytics.readonly"].map(scope);
const analyticsScope = scope("yt-analytics.readonly");
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const dayStart = (time: number) => Math.floor(time / DAY) * DAY;

describe("analytics: YouTube", () => {
  let sandbox: RunningSandbox;
  const now = () => sandbox.sandbox.context.clock.now();

  before(async () => {
    mock.timers.enable({ apis: ["Date"], now: START });
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.close();
    mock.timers.reset();
  });

  /** A grant by the plain authorization-code flow, for the channel chosen on the consent page. */
  async function tokenFor(identity: string, scopes: string[], running = sandbox): Promise<string> {
    const authorize = new URL(`${running.base("google")}/o/oauth2/v2/auth`);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: "sandbox-youtube-client",
      redirect_uri: callback("youtube"),
      scope: scopes.join(" "),
      state: "s",
    }).toString();
    const code = (await consent(authorize, { identity })).searchParams.get("code")!;
    const answer = await fetch(`${running.base("google")}/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: callback("youtube"),
        client_id: "sandbox-youtube-client",
        client_secret: "sandbox-youtube-secret",
      }),
    });
    const grant = await json(answer);
    assert.equal(answer.status, 200, JSON.stringify(grant));
    return grant.access_token as string;
  }

  const apiWith = (
    token: string,
    running = sandbox,
    hosts = resolveHosts(youtube.realHosts, { baseUrl: new URL(running.base("google")) }),
  ) =>
    new Api({
      platform: "youtube",
      hosts,
      classify: youtube.classify,
      timeoutMs: 10_000,
      token,
      clock: running.sandbox.context.clock,
    });
  const apiFor = async (identity: string, scopes: string[]) => apiWith(await tokenFor(identity, scopes));

  /** A video the channel published `ageMs` ago, as an upload leaves it in the sandbox. */
  function video(channel: string, id: string, ageMs: number) {
    const createdAt = now() - ageMs;
    sandbox.sandbox.context.state.publish({
      platform: "youtube",
      accountId: channel,
      kind: "video",
      id,
      createdAt,
      url: `https://www.youtube.com/watch?v=${id}`,
      text: "",
      media: [],
      extra: {
        snippet: { title: id, description: "", tags: [], categoryId: "22" },
        status: { privacyStatus: "public", selfDeclaredMadeForKids: false },
      },
    });
    return { remoteId: id, publishedAt: new Date(createdAt) };
  }

  const analytics = youtube.analytics!;
  const account = (channel: string) => ({ externalId: channel, details: { channelId: channel } });
  const readPosts = (api: Api, channel: string, posts: { remoteId: string; publishedAt: Date }[]) =>
    analytics.readPosts!(api, account(channel), posts, {});
  const value = (metrics: PostMetrics | AccountMetrics["days"][number], metric: string) =>
    metrics.readings.find((reading) => reading.metric === metric);
  const reasons = (unavailable: MetricUnavailable[]) =>
    Object.fromEntries(unavailable.map((entry) => [entry.metric, entry.reason]));

  /** The last day YouTube Analytics has rows for: one that ended at least 48 hours ago. */
  const lastReportedDay = () => dayStart(now() - 2 * DAY) - DAY;

  test("a video's lifetime counters and its shares and watch time, exact, with the platform's names", async () => {
    const api = await apiFor(northwind.identity, everyScope);
    const older = video(northwind.channel, "vidOlder0001", 10 * DAY);
    const [read] = await readPosts(api, northwind.channel, [older]);
    const createdAt = older.publishedAt.getTime();
    const views = grown(`${older.remoteId}:views`, createdAt, now(), 70);
    assert.ok(views > 1000, "ten days of views");
    // The Analytics report covers publishing day to the last reported day.
    const first = dayStart(createdAt);
    const last = lastReportedDay();
    const reported = grown(`${older.remoteId}:views`, createdAt, last + DAY, 70);
    const key = `${older.remoteId}:${first}:${last}`;
    assert.deepEqual(read, {
      remoteId: older.remoteId,
      readings: [
        { metric: "views", value: views, source: "viewCount" },
        { metric: "video_views", value: views, source: "viewCount" },
        { metric: "reactions", value: shareOf(`${older.remoteId}:likes`, views, 0.02, 0.06), source: "likeCount" },
        {
          metric: "comments",
          value: shareOf(`${older.remoteId}:comments`, views, 0.001, 0.006),
          source: "commentCount",
        },
        { metric: "watch_time_minutes", value: Math.floor(reported * 1.7), source: "estimatedMinutesWatched" },
        { metric: "shares", value: shareOf(`${key}:shares`, reported, 0.001, 0.004), source: "shares" },
      ],
      unavailable: [],
    });
  });

  test("a batch is one list call and one report; a fresh video's report is not ready, an unknown one refused", async () => {
    const api = await apiFor(northwind.identity, everyScope);
    const older = video(northwind.channel, "vidBatch0001", 5 * DAY);
    const fresh = video(northwind.channel, "vidFresh0001", 3 * HOUR);
    const gone = { remoteId: "vidGone00001", publishedAt: new Date(now() - DAY) };
    const before = sandbox.sandbox.context.state.journal.length;
    const [olderRead, freshRead, goneRead] = await readPosts(api, northwind.channel, [older, fresh, gone]);
    const calls = sandbox.sandbox.context.state.journal.slice(before).map((entry) => entry.path);
    assert.deepEqual(
      calls.map((path) => path.split("?")[0]),
      ["/google/youtube/v3/videos", "/google/v2/reports"],
    );

    assert.equal(olderRead!.unavailable.length, 0);
    const freshViews = grown(`${fresh.remoteId}:views`, fresh.publishedAt.getTime(), now(), 70);
    assert.deepEqual(value(freshRead!, "views"), { metric: "views", value: freshViews, source: "viewCount" });
    assert.deepEqual(reasons(freshRead!.unavailable), { watch_time_minutes: "not_ready", shares: "not_ready" });
    assert.deepEqual(goneRead!.readings, []);
    assert.equal(reasons(goneRead!.unavailable).views, "refused");

    // Three days on, YouTube Analytics has the fresh video's first days.
    sandbox.sandbox.context.clock.advance(3 * DAY);
    const [later] = await readPosts(await apiFor(northwind.identity, everyScope), northwind.channel, [fresh]);
    assert.deepEqual(later!.unavailable, []);
    assert.ok(value(later!, "watch_time_minutes")!.value > 0);
  });

  test("channel days from the day report, mapped by column name, the most recent days not yet reported", async () => {
    const api = await apiFor(northwind.identity, everyScope);
    video(northwind.channel, "vidDays00001", 20 * DAY);
    const today = dayStart(now());
    const since = isoDay(today - 6 * DAY);
    const read = await analytics.readAccount(api, account(northwind.channel), { since, until: isoDay(today) }, {});
    const last = lastReportedDay();
    const expectedDays = [];
    for (let day = today - 6 * DAY; day <= last; day += DAY) expectedDays.push(isoDay(day));
    assert.deepEqual(
      read.days.map((day) => day.day),
      expectedDays,
    );
    const channelVideos = sandbox.sandbox.context.state.data.published.filter(
      (item) => item.platform === "youtube" && item.accountId === northwind.channel,
    );
    for (const day of read.days) {
      const start = Date.parse(`${day.day}T00:00:00Z`);
      const views = channelVideos.reduce(
        (sum, item) =>
          sum +
          grown(`${item.id}:views`, item.createdAt, Math.max(item.createdAt, start + DAY), 70) -
          grown(`${item.id}:views`, item.createdAt, Math.max(item.createdAt, start), 70),
        0,
      );
      const growth = shareOf(`${start}:subs`, views, 0.001, 0.01) - shareOf(`${start}:unsubs`, views, 0.0005, 0.003);
      assert.deepEqual(day.readings, [
        { metric: "views", value: views, source: "views" },
        { metric: "video_views", value: views, source: "views" },
        { metric: "watch_time_minutes", value: Math.floor(views * 1.7), source: "estimatedMinutesWatched" },
        { metric: "reactions", value: shareOf(`${start}:likes`, views, 0.02, 0.06), source: "likes" },
        { metric: "comments", value: shareOf(`${start}:comments`, views, 0.001, 0.006), source: "comments" },
        { metric: "shares", value: shareOf(`${start}:shares`, views, 0.001, 0.004), source: "shares" },
        { metric: "follower_growth", value: growth, source: "subscribersGained - subscribersLost" },
      ]);
    }
    assert.deepEqual(read.current, [{ metric: "followers", value: 48_200, source: "subscriberCount" }]);
    assert.deepEqual(read.unavailable, []);

    // Days YouTube has not reported yet are not ready, never zero.
    const recent = await analytics.readAccount(
      api,
      account(northwind.channel),
      { since: isoDay(today - DAY), until: isoDay(today) },
      {},
    );
    assert.deepEqual(recent.days, []);
    assert.equal(reasons(recent.unavailable).views, "not_ready");
    assert.deepEqual(recent.current, read.current);
  });

  test("a grant without YouTube Analytics: the reports' metrics unavailable with the scope to reconnect for, the counters still read", async () => {
    const api = await apiFor(northwind.identity, [scope("youtube.upload"), scope("youtube.readonly")]);
    const posted = video(northwind.channel, "vidNoScope01", 4 * DAY);
    const [read] = await readPosts(api, northwind.channel, [posted]);
    assert.deepEqual(
      read!.readings.map((reading) => reading.metric),
      ["views", "video_views", "reactions", "comments"],
    );
    for (const entry of read!.unavailable) {
      assert.equal(entry.reason, "permission");
      assert.equal(entry.reconnectFor, analyticsScope);
    }
    assert.deepEqual(
      read!.unavailable.map((entry) => entry.metric),
      ["watch_time_minutes", "shares"],
    );

    const today = dayStart(now());
    const days = await analytics.readAccount(
      api,
      account(northwind.channel),
      { since: isoDay(today - 7 * DAY), until: isoDay(today) },
      {},
    );
    assert.deepEqual(days.days, []);
    assert.deepEqual(days.current, [{ metric: "followers", value: 48_200, source: "subscriberCount" }]);
    assert.ok(
      days.unavailable.every((entry) => entry.reason === "permission" && entry.reconnectFor === analyticsScope),
    );
    assert.ok(days.unavailable.some((entry) => entry.metric === "follower_growth"));
  });

  test("a metric YouTube no longer knows is retired in YouTube's words and the report asked again without it", async () => {
    const token = await tokenFor(northwind.identity, everyScope);
    const posted = video(northwind.channel, "vidRetired01", 6 * DAY);
    // YouTube Analytics as it would be after withdrawing `shares`: the rest is the sandbox's answer.
    const withdrawn = createServer((request, response) => {
      const url = new URL(request.url!, "http://analytics.invalid");
      if (url.searchParams.get("metrics")!.split(",").includes("shares")) {
        const message = "Unknown identifier (shares) given in field parameters.metrics.";
        response.writeHead(400, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            error: { code: 400, message, errors: [{ message, domain: "global", reason: "badRequest" }] },
          }),
        );
        return;
      }
      void fetch(`${sandbox.base("google")}${url.pathname}${url.search}`, {
        headers: { authorization: request.headers.authorization! },
      }).then(async (answer) => {
        response.writeHead(answer.status, { "content-type": "application/json" });
        response.end(await answer.text());
      });
    });
    await new Promise<void>((resolve) => withdrawn.listen(0, "127.0.0.1", resolve));
    try {
      const hosts = resolveHosts(youtube.realHosts, { baseUrl: new URL(sandbox.base("google")) });
      hosts.analytics = new URL(`http://127.0.0.1:${(withdrawn.address() as AddressInfo).port}/`);
      const [read] = await readPosts(apiWith(token, sandbox, hosts), northwind.channel, [posted]);
      assert.deepEqual(read!.unavailable, [
        {
          metric: "shares",
          reason: "retired",
          message: "Unknown identifier (shares) given in field parameters.metrics.",
          source: "shares",
        },
      ]);
      assert.deepEqual(
        read!.readings.map((reading) => reading.source),
        ["viewCount", "viewCount", "likeCount", "commentCount", "estimatedMinutesWatched"],
      );
    } finally {
      await new Promise((resolve) => withdrawn.close(resolve));
    }
  });

  test("a channel that hides its subscriber count: followers not provided, never 0", async () => {
    const api = await apiFor(hiddenSubscribers.identity, everyScope);
    video(hiddenSubscribers.channel, "vidHidden001", 8 * DAY);
    const today = dayStart(now());
    const read = await analytics.readAccount(
      api,
      account(hiddenSubscribers.channel),
      { since: isoDay(today - 5 * DAY), until: isoDay(today) },
      {},
    );
    assert.deepEqual(read.current, []);
    assert.deepEqual(read.unavailable, [
      {
        metric: "followers",
        reason: "not_provided",
        message: "The channel hides its subscriber count, so YouTube does not give it.",
        source: "subscriberCount",
      },
    ]);
    assert.ok(read.days.length > 0, "the days are read all the same");
  });

  test("the Data API's daily quota: spent, the read is rate limited until midnight Pacific", async () => {
    const limited = await startSandbox({ limits: { youtubeUnitsPerDay: 3 } });
    try {
      const api = apiWith(await tokenFor(northwind.identity, everyScope, limited), limited);
      const posts = [{ remoteId: "vidQuota0001", publishedAt: new Date(START - DAY) }];
      for (let read = 0; read < 3; read += 1) await analytics.readPosts!(api, account(northwind.channel), posts, {});
      const error = await analytics.readPosts!(api, account(northwind.channel), posts, {}).then(
        () => assert.fail("the fourth read is over quota"),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof PlatformError);
      assert.equal(error.failure.kind, "rate_limited");
      // 2026-11-20T20:00Z is noon in Los Angeles (PST): the quota returns at 08:00Z the next day.
      assert.equal(
        error.failure.kind === "rate_limited" && error.failure.retryAt.toISOString(),
        "2026-11-21T08:00:00.000Z",
      );
      const budget = analytics.budgets[0]!;
      assert.equal(budget.calls, 10_000);
      assert.equal(budget.resetsAtMidnightIn, "America/Los_Angeles");
    } finally {
      await limited.close();
    }
  });
});
