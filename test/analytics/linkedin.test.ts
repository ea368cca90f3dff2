import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { grown, shareOf } from "../../sandbox/metrics.js";
import { people } from "../../sandbox/seed.js";
import type { PostToMeasure } from "../../src/platforms/analytics.js";
import { linkedin } from "../../src/platforms/linkedin.js";
import { linkedinPagesApp, linkedinProfileApp } from "../../src/platforms/linkedin.profile.js";
import { advance, callback, consent, json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { platformApi, publishedAt, reasons, toHalfPast, values } from "./sandbox-reads.js";

const DAY = 86_400_000;
const VERSION = "202607";
const context = { apiVersion: VERSION };
const analytics = linkedin.analytics!;
const labs = "urn:li:organization:90000002";
const group = "urn:li:organization:90000001";
const ava = people.find((person) => person.id === "ava")!;
const avaUrn = `urn:li:person:${ava.linkedin.sub}`;
const STATISTICS_SINCE = Date.UTC(2024, 0, 1);

/** What the sandbox's LinkedIn derives from a key's impressions (sandbox/linkedin.ts statisticsFrom). */
function statistics(key: string, impressions: number) {
  return {
    views: impressions,
    reach: shareOf(`${key}:unique`, impressions, 0.6, 0.85),
    reactions: shareOf(`${key}:likes`, impressions, 0.01, 0.03),
    comments: shareOf(`${key}:comments`, impressions, 0.001, 0.005),
    shares: shareOf(`${key}:shares`, impressions, 0.0005, 0.003),
    clicks: shareOf(`${key}:clicks`, impressions, 0.01, 0.04),
  };
}
const postExpected = (urn: string, createdAt: number, measuredAt: number) =>
  statistics(urn, grown(`${urn}:impressions`, createdAt, measuredAt, 60));
const dayExpected = (entity: string, start: number) =>
  statistics(
    `${entity}:${start}`,
    grown(`${entity}:impressions`, STATISTICS_SINCE, start + DAY, 60) -
      grown(`${entity}:impressions`, STATISTICS_SINCE, start, 60),
  );
const followersAt = (organization: string, at: number) =>
  2_000 + Number(organization.slice(-3)) * 311 + grown(`${organization}:followers`, STATISTICS_SINCE, at, 2);
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);
/** Member statistics have no click count. */
const withoutClicks = (expected: Record<string, number>) =>
  Object.fromEntries(Object.entries(expected).filter(([metric]) => metric !== "clicks"));

describe("analytics: LinkedIn", () => {
  let sandbox: RunningSandbox;
  let pagesToken: string;

  /** A token from one of the sandbox's LinkedIn apps, for a person, by LinkedIn's flow. */
  async function token(app: "profile" | "pages", scopes: string[], identity = "ava"): Promise<string> {
    const clientId = app === "pages" ? "sandbox-linkedin-pages-client" : "sandbox-linkedin-client";
    const clientSecret = clientId.replace(/client$/, "secret");
    const authorize = new URL(`${sandbox.base("linkedin")}/oauth/v2/authorization`);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: callback("linkedin"),
      state: "s",
      scope: scopes.join(" "),
    }).toString();
    const code = (await consent(authorize, { identity })).searchParams.get("code")!;
    const answer = await fetch(`${sandbox.base("linkedin")}/oauth/v2/accessToken`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: callback("linkedin"),
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    assert.equal(answer.status, 200);
    return (await json(answer)).access_token as string;
  }

  const rest = (path: string, accessToken: string, init: RequestInit = {}) =>
    fetch(`${sandbox.base("linkedin")}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${accessToken}`,
        "linkedin-version": VERSION,
        "x-restli-protocol-version": "2.0.0",
        ...(init.body ? { "content-type": "application/json" } : {}),
      },
    });

  async function post(
    accessToken: string,
    author: string,
    text: string,
  ): Promise<PostToMeasure & { createdAt: number }> {
    const answer = await rest("/rest/posts", accessToken, {
      method: "POST",
      body: JSON.stringify({
        author,
        commentary: text,
        visibility: "PUBLIC",
        distribution: { feedDistribution: "MAIN_FEED", targetEntities: [], thirdPartyDistributionChannels: [] },
        lifecycleState: "PUBLISHED",
      }),
    });
    assert.equal(answer.status, 201);
    const urn = answer.headers.get("x-restli-id")!;
    const createdAt = await publishedAt(sandbox, "linkedin", urn);
    return { remoteId: urn, publishedAt: new Date(createdAt), createdAt };
  }

  before(async () => {
    // Tokens outlive the year the clock moves through: expiry is the connections' tests' concern.
    sandbox = await startSandbox({ lifetimes: { linkedinAccessSeconds: 800 * 86_400 } });
    pagesToken = await token("pages", linkedinPagesApp.scopes);
  });
  after(() => sandbox.close());

  test("a page's posts: share statistics per post, exact, several in one List; engagement (a rate) is not read", async () => {
    const first = await post(pagesToken, labs, "Labs: new sensor line");
    const second = await post(pagesToken, labs, "Labs: the team at the fair");
    const measuredAt = await toHalfPast(sandbox, 30);
    const reads = await analytics.readPosts!(
      platformApi(sandbox, linkedin, "linkedin", pagesToken),
      { externalId: labs, details: { authorUrn: labs } },
      [first, second],
      context,
    );
    for (const [index, item] of [first, second].entries()) {
      const expected = postExpected(item.remoteId, item.createdAt, measuredAt);
      assert.ok(expected.views > 0);
      assert.equal(reads[index]!.remoteId, item.remoteId);
      assert.deepEqual(values(reads[index]!.readings), expected);
      assert.deepEqual(reads[index]!.unavailable, []);
    }
    assert.ok(!reads[0]!.readings.some((reading) => reading.source === "engagement"));
    assert.equal(reads[0]!.readings.find((reading) => reading.metric === "views")!.source, "impressionCount");
  });

  test("a page's account: views, reach and the rest per day, follower gains per day, followers now, exact", async () => {
    const measuredAt = await toHalfPast(sandbox);
    const start = Math.floor(measuredAt / DAY) * DAY - 3 * DAY;
    const range = { since: dayOf(start), until: dayOf(start + 2 * DAY) };
    const read = await analytics.readAccount(
      platformApi(sandbox, linkedin, "linkedin", pagesToken),
      { externalId: labs, details: { authorUrn: labs } },
      range,
      context,
    );
    assert.deepEqual(
      read.days.map((day) => day.day),
      [0, 1, 2].map((offset) => dayOf(start + offset * DAY)),
    );
    for (const [offset, day] of read.days.entries()) {
      const dayStart = start + offset * DAY;
      assert.deepEqual(values(day.readings), {
        ...dayExpected(labs, dayStart),
        follower_growth: followersAt(labs, dayStart + DAY) - followersAt(labs, dayStart),
      });
    }
    assert.deepEqual(read.current, [
      { metric: "followers", value: followersAt(labs, measuredAt), source: "networkSizes.firstDegreeSize" },
    ]);
    assert.deepEqual(read.unavailable, []);
  });

  test("a page the member does not administer: statistics refused as a permission, with what to reconnect for; the follower count still read", async () => {
    const bensToken = await token("pages", linkedinPagesApp.scopes, "ben");
    const measuredAt = await toHalfPast(sandbox);
    const account = { externalId: group, details: { authorUrn: group } };
    const api = platformApi(sandbox, linkedin, "linkedin", bensToken);
    const read = await analytics.readAccount(
      api,
      account,
      { since: dayOf(measuredAt - 2 * DAY), until: dayOf(measuredAt - DAY) },
      context,
    );
    assert.deepEqual(read.days, []);
    assert.deepEqual(read.current, [
      { metric: "followers", value: followersAt(group, measuredAt), source: "networkSizes.firstDegreeSize" },
    ]);
    assert.deepEqual(reasons(read.unavailable), {
      views: "permission",
      reach: "permission",
      reactions: "permission",
      comments: "permission",
      shares: "permission",
      clicks: "permission",
      follower_growth: "permission",
    });
    assert.ok(read.unavailable.every((item) => item.reconnectFor === "rw_organization_admin"));
    assert.match(read.unavailable[0]!.message, /Not enough permissions/);
  });

  test("a member without r_member_postAnalytics: every metric a permission to reconnect for, followers not provided", async () => {
    const memberToken = await token("profile", linkedinProfileApp.scopes);
    const own = await post(memberToken, avaUrn, "Thoughts on sensor design");
    await toHalfPast(sandbox, 2);
    const api = platformApi(sandbox, linkedin, "linkedin", memberToken);
    const account = { externalId: avaUrn, details: { authorUrn: avaUrn } };
    const [read] = await analytics.readPosts!(api, account, [own], context);
    assert.deepEqual(read!.readings, []);
    assert.deepEqual(reasons(read!.unavailable), {
      views: "permission",
      reach: "permission",
      reactions: "permission",
      comments: "permission",
      shares: "permission",
    });
    assert.ok(read!.unavailable.every((item) => item.reconnectFor === "r_member_postAnalytics"));
    const accountRead = await analytics.readAccount(
      api,
      account,
      { since: "2026-01-01", until: "2026-01-02" },
      context,
    );
    assert.equal(reasons(accountRead.unavailable).followers, "not_provided");
    assert.equal(reasons(accountRead.unavailable).views, "permission");
    assert.deepEqual(accountRead.current, []);
  });

  test("a member with r_member_postAnalytics: each query type's count for a post, and daily totals, exact", async () => {
    const memberToken = await token("profile", [...linkedinProfileApp.scopes, "r_member_postAnalytics"]);
    const own = await post(memberToken, avaUrn, "A second member post");
    const measuredAt = await toHalfPast(sandbox, 10);
    const api = platformApi(sandbox, linkedin, "linkedin", memberToken);
    const account = { externalId: avaUrn, details: { authorUrn: avaUrn } };
    const [read] = await analytics.readPosts!(api, account, [own], context);
    assert.deepEqual(values(read!.readings), withoutClicks(postExpected(own.remoteId, own.createdAt, measuredAt)));
    assert.equal(read!.readings.find((reading) => reading.metric === "reach")!.source, "MEMBERS_REACHED");

    const start = Math.floor(measuredAt / DAY) * DAY - 2 * DAY;
    const accountRead = await analytics.readAccount(
      api,
      account,
      { since: dayOf(start), until: dayOf(start + DAY) },
      context,
    );
    assert.deepEqual(
      accountRead.days.map((day) => [day.day, values(day.readings)]),
      [0, 1].map((offset) => [dayOf(start + offset * DAY), withoutClicks(dayExpected(avaUrn, start + offset * DAY))]),
    );
  });

  test("past the rolling 12 months: posts and days out of the window, and the sandbox refuses older intervals", async () => {
    const old = await post(pagesToken, labs, "Labs: last year's news");
    await advance(sandbox, 366 * 86_400);
    await toHalfPast(sandbox, 24);
    const api = platformApi(sandbox, linkedin, "linkedin", pagesToken);
    const account = { externalId: labs, details: { authorUrn: labs } };
    const [read] = await analytics.readPosts!(api, account, [old], context);
    assert.deepEqual(read!.readings, []);
    assert.ok(read!.unavailable.every((item) => item.reason === "out_of_window"));
    assert.equal(read!.unavailable.length, analytics.provides.post.length);

    const day = dayOf(old.createdAt);
    const accountRead = await analytics.readAccount(api, account, { since: day, until: day }, context);
    assert.deepEqual(accountRead.days, []);
    assert.equal(reasons(accountRead.unavailable).views, "out_of_window");
    assert.equal(reasons(accountRead.unavailable).follower_growth, "out_of_window");
    assert.equal(accountRead.current[0]!.metric, "followers");

    const start = old.createdAt;
    const refused = await rest(
      `/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=${encodeURIComponent(labs)}&timeIntervals=(timeRange:(start:${start},end:${start + DAY}),timeGranularityType:DAY)`,
      pagesToken,
    );
    assert.equal(refused.status, 400);
  });

  test("the sandbox takes Rest.li 2.0 lists only with their URNs encoded, as LinkedIn does", async () => {
    const [item] = (await json(await fetch(new URL("/_sandbox/published?platform=linkedin", sandbox.url)))).items as {
      id: string;
    }[];
    const organization = encodeURIComponent(labs);
    const encoded = await rest(
      `/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=${organization}&shares=List(${encodeURIComponent(item!.id)})`,
      pagesToken,
    );
    assert.equal(encoded.status, 200);
    const raw = await rest(
      `/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=${organization}&shares=List(${item!.id})`,
      pagesToken,
    );
    assert.equal(raw.status, 400);
  });
});
