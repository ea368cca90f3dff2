import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultLimits } from "../../sandbox/context.js";
import { grown, shareOf } from "../../sandbox/metrics.js";
import { people } from "../../sandbox/seed.js";
import type { PostToMeasure } from "../../src/platforms/analytics.js";
import { PlatformError } from "../../src/platforms/platform.js";
import { x } from "../../src/platforms/x.js";
import { createHash } from "node:crypto";
import { callback, consent, json, startSandbox, userToken, type RunningSandbox } from "../sandbox/support.js";
import { platformApi, publishedAt, reasons, toHalfPast, values } from "./sandbox-reads.js";

const scopes = "tweet.read tweet.write users.read offline.access";
const ava = people.find((person) => person.id === "ava")!.x!;
const account = { externalId: ava.userId, details: { username: ava.username } };
const analytics = x.analytics!;

/** What the sandbox's X answers for a post measured at a time (sandbox/x.ts metricsOf). */
function expectedPost(id: string, createdAt: number, measuredAt: number) {
  const impressions = grown(`${id}:impressions`, createdAt, measuredAt, 150);
  const share = (name: string, low: number, high: number) => shareOf(`${id}:${name}`, impressions, low, high);
  const likes = share("likes", 0.01, 0.04);
  const replies = share("replies", 0.001, 0.005);
  const reposts = share("reposts", 0.002, 0.01);
  const quotes = share("quotes", 0, 0.002);
  const bookmarks = share("bookmarks", 0, 0.004);
  const clicks = share("clicks", 0.005, 0.03);
  const profileClicks = share("profile", 0.001, 0.01);
  return {
    public: { views: impressions, reactions: likes, comments: replies, shares: reposts + quotes, saves: bookmarks },
    nonPublic: {
      clicks,
      profile_visits: profileClicks,
      engagements:
        likes + replies + reposts + quotes + bookmarks + clicks + profileClicks + share("expands", 0.002, 0.01),
    },
  };
}

/** A token for one of the sandbox's people, by X's flow (PKCE, Basic client authentication). */
async function tokenFor(sandbox: RunningSandbox, identity: string): Promise<string> {
  const verifier = "v".repeat(43);
  const authorize = new URL(`${sandbox.base("x")}/i/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: "sandbox-x-client",
    redirect_uri: callback("x"),
    state: "s",
    scope: scopes,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  const code = (await consent(authorize, { identity })).searchParams.get("code")!;
  const answer = await fetch(`${sandbox.base("x")}/2/oauth2/token`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from("sandbox-x-client:sandbox-x-secret").toString("base64")}` },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: callback("x"),
      code_verifier: verifier,
    }),
  });
  assert.equal(answer.status, 200);
  return (await json(answer)).access_token as string;
}

describe("analytics: X", () => {
  let sandbox: RunningSandbox;
  let avaToken: string;
  let benToken: string;

  before(async () => {
    // Tokens outlive the months the clock moves through: expiry is the connections' tests' concern.
    sandbox = await startSandbox({ lifetimes: { xAccessSeconds: 400 * 86_400 } });
    avaToken = await userToken(sandbox, "x", scopes);
    benToken = await tokenFor(sandbox, "ben");
  });
  after(() => sandbox.close());

  async function post(token: string, text: string): Promise<PostToMeasure & { createdAt: number }> {
    const answer = await fetch(`${sandbox.base("x")}/2/tweets`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    assert.equal(answer.status, 201);
    const id = (await json(answer)).data.id as string;
    const createdAt = await publishedAt(sandbox, "x", id);
    return { remoteId: id, publishedAt: new Date(createdAt), createdAt };
  }

  test("a recent post: public and non-public metrics, exact, each with X's own name", async () => {
    const recent = await post(avaToken, "Launch day at Northwind");
    const measuredAt = await toHalfPast(sandbox, 48);
    const [read] = await analytics.readPosts!(platformApi(sandbox, x, "x", avaToken), account, [recent], {});
    const expected = expectedPost(recent.remoteId, recent.createdAt, measuredAt);
    assert.ok(expected.public.views > 0);
    assert.equal(read!.remoteId, recent.remoteId);
    assert.deepEqual(values(read!.readings), { ...expected.public, ...expected.nonPublic });
    assert.deepEqual(read!.unavailable, []);
    const sources = Object.fromEntries(read!.readings.map((reading) => [reading.metric, reading.source]));
    assert.equal(sources.views, "public_metrics.impression_count");
    assert.equal(sources.shares, "public_metrics.repost_count+quote_count");
    assert.equal(sources.clicks, "non_public_metrics.url_link_clicks");
  });

  test("past 30 days: the public metrics are still read, the non-public ones are out of the window; a recent post in the same batch keeps all", async () => {
    const [old] = (await json(await fetch(new URL("/_sandbox/published?platform=x", sandbox.url)))).items as {
      id: string;
      createdAt: number;
    }[];
    await toHalfPast(sandbox, 31 * 24);
    const recent = await post(avaToken, "A month later");
    const measuredAt = await toHalfPast(sandbox, 3);
    const reads = await analytics.readPosts!(
      platformApi(sandbox, x, "x", avaToken),
      account,
      [
        { remoteId: old!.id, publishedAt: new Date(old!.createdAt) },
        { remoteId: recent.remoteId, publishedAt: recent.publishedAt },
      ],
      {},
    );
    const oldExpected = expectedPost(old!.id, old!.createdAt, measuredAt);
    assert.deepEqual(values(reads[0]!.readings), oldExpected.public);
    assert.deepEqual(reasons(reads[0]!.unavailable), {
      clicks: "out_of_window",
      profile_visits: "out_of_window",
      engagements: "out_of_window",
    });
    assert.match(reads[0]!.unavailable[0]!.message, /30 days/);
    const recentExpected = expectedPost(recent.remoteId, recent.createdAt, measuredAt);
    assert.deepEqual(values(reads[1]!.readings), { ...recentExpected.public, ...recentExpected.nonPublic });
  });

  test("the sandbox refuses non-public metrics past 30 days as X does: the post left out, an error per field", async () => {
    const [old] = (await json(await fetch(new URL("/_sandbox/published?platform=x", sandbox.url)))).items as {
      id: string;
    }[];
    const answer = await json(
      await fetch(`${sandbox.base("x")}/2/tweets?ids=${old!.id}&post.fields=public_metrics,non_public_metrics`, {
        headers: { authorization: `Bearer ${avaToken}` },
      }),
    );
    assert.equal(answer.data, undefined);
    assert.equal(answer.errors[0].title, "Field Authorization Error");
    assert.equal(answer.errors[0].type, "https://api.twitter.com/2/problems/not-authorized-for-field");
    assert.equal(answer.errors[0].field, "non_public_metrics.impression_count");
  });

  test("a post whose non-public metrics X refuses keeps its public metrics; the refused ones carry X's words", async () => {
    const bens = await post(benToken, "Ben's ride report");
    const mine = await post(avaToken, "Ava's own update");
    const measuredAt = await toHalfPast(sandbox, 5);
    const reads = await analytics.readPosts!(platformApi(sandbox, x, "x", avaToken), account, [bens, mine], {});
    assert.deepEqual(values(reads[0]!.readings), expectedPost(bens.remoteId, bens.createdAt, measuredAt).public);
    assert.deepEqual(reasons(reads[0]!.unavailable), {
      clicks: "refused",
      profile_visits: "refused",
      engagements: "refused",
    });
    assert.match(reads[0]!.unavailable[0]!.message, /not authorized to access 'non_public_metrics/);
    const own = expectedPost(mine.remoteId, mine.createdAt, measuredAt);
    assert.deepEqual(values(reads[1]!.readings), { ...own.public, ...own.nonPublic });
  });

  test("a deleted post: every metric unavailable in X's words, never 0", async () => {
    const gone = await post(avaToken, "Posted by mistake");
    await fetch(`${sandbox.base("x")}/2/tweets/${gone.remoteId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${avaToken}` },
    });
    const [read] = await analytics.readPosts!(platformApi(sandbox, x, "x", avaToken), account, [gone], {});
    assert.deepEqual(read!.readings, []);
    assert.equal(read!.unavailable.length, analytics.provides.post.length);
    assert.ok(
      read!.unavailable.every((item) => item.reason === "refused" && /Could not find tweet/.test(item.message)),
    );
  });

  test("account: followers now; impressions and reach not provided by X", async () => {
    const measuredAt = await toHalfPast(sandbox);
    const read = await analytics.readAccount(
      platformApi(sandbox, x, "x", avaToken),
      account,
      { since: "2026-01-01", until: "2026-01-02" },
      {},
    );
    assert.deepEqual(read.days, []);
    assert.deepEqual(read.current, [
      {
        metric: "followers",
        value: 1_200 + grown(`${ava.userId}:followers`, Date.UTC(2026, 0, 1), measuredAt, 2),
        source: "public_metrics.followers_count",
      },
    ]);
    assert.deepEqual(reasons(read.unavailable), { views: "not_provided", reach: "not_provided" });
    assert.match(read.unavailable[0]!.message, /^X /);
  });

  test("billing: each post read is billed once a UTC day; past the monthly cap X refuses until the app tries again the next day", async () => {
    const capped = await startSandbox({ limits: { xPostReadsPerMonthPerApp: 2 } });
    try {
      const token = await userToken(capped, "x", scopes);
      const api = platformApi(capped, x, "x", token);
      const publish = async (text: string) => {
        const answer = await fetch(`${capped.base("x")}/2/tweets`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text }),
        });
        return {
          remoteId: (await json(answer)).data.id as string,
          publishedAt: new Date(capped.sandbox.context.now()),
        };
      };
      const two = [await publish("First billed read"), await publish("Second billed read")];
      await analytics.readPosts!(api, account, two, {});
      // The same posts again the same day cost nothing more.
      await analytics.readPosts!(api, account, two, {});
      const third = await publish("Past the cap");
      const error = await analytics.readPosts!(api, account, [third], {}).then(
        () => assert.fail("the cap should stop the read"),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof PlatformError);
      assert.deepEqual(error.failure, {
        kind: "rate_limited",
        scope: "app",
        retryAt: new Date(Math.floor(capped.sandbox.context.now() / 86_400_000 + 1) * 86_400_000),
      });
      assert.match(error.message, /Usage cap exceeded/);
    } finally {
      await capped.close();
    }
  });

  test("the declared budgets are the sandbox's windows; a spent one is X's rate limit, with its reset", async () => {
    const lookup = analytics.budgets.filter((budget) => budget.cost?.posts === 2);
    assert.deepEqual(
      lookup.map((budget) => [budget.scope, budget.calls]),
      [
        ["account", defaultLimits.xLookupsPer15MinutesPerUser],
        ["app", defaultLimits.xLookupsPer15MinutesPerApp],
      ],
    );
    const billed = analytics.budgets.find((budget) => budget.countsPostsOncePerUtcDay);
    assert.equal(billed?.calls, defaultLimits.xPostReadsPerMonthPerApp);
    const limited = await startSandbox({ limits: { xLookupsPer15MinutesPerUser: 1 } });
    try {
      const token = await userToken(limited, "x", scopes);
      const api = platformApi(limited, x, "x", token);
      const answer = await fetch(`${limited.base("x")}/2/tweets`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "One read allowed" }),
      });
      const id = (await json(answer)).data.id as string;
      const recent = { remoteId: id, publishedAt: new Date(limited.sandbox.context.now()) };
      await analytics.readPosts!(api, account, [recent], {});
      const error = await analytics.readPosts!(api, account, [recent], {}).then(
        () => assert.fail("the second read should be refused"),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof PlatformError);
      assert.equal(error.failure.kind, "rate_limited");
    } finally {
      await limited.close();
    }
  });
});
