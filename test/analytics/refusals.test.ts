import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { platformAccess, platformCall } from "../../src/connections/access.js";
import { openTokens } from "../../src/connections/store.js";
import { connections } from "../../src/db/schema.js";
import { readInsights } from "../../src/platforms/meta-graph.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled, upload } from "../posts/support.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { waitFor } from "../support/process.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { connectWithout, journal, postMetrics, readSince } from "./support.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const PAGE = "200000000000001";

async function choosePage(client: HttpClient, landed: URL) {
  const chosen = await client.post(`/api/social-media/grants/${landed.searchParams.get("choose")}`, {
    externalIds: [PAGE],
  });
  assert.ok(chosen.status < 300, JSON.stringify(chosen.body));
}

async function publish(client: HttpClient, draft: Record<string, unknown>) {
  const created = await client.post("/api/posts", draft);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const post = await settled(client, created.body.post.id);
  assert.equal(post.targets[0].state, "published", post.targets[0].error);
  return post as { id: string; targets: { postId: string }[] };
}

describe("a retired metric never blanks the others", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;

  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox());
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Retired Metrics Co");
    await connectThroughConsent(client, "instagram", { identity: "ava" });
  });
  after(async () => {
    await app.stop();
    // The contract rightly records the retired names these tests send on purpose; nothing else.
    const violations = sandbox.sandbox.state.contractViolations;
    assert.ok(
      violations.every((entry) => /a retired metric/.test(entry.violation)),
      JSON.stringify(violations),
    );
    violations.length = 0;
    await sandbox.close();
  });

  test("Instagram refuses impressions with #100 for the whole request; the rest is asked again and answers", async () => {
    const ids = await connectionIds(client);
    const photo = await upload(client, "/photo.jpg");
    const post = await publish(client, {
      content: "Retired",
      mediaIds: [photo.id],
      connectionIds: [ids.byKey("instagram")],
    });
    const { context } = app.runtime;
    const [connection] = await context.db
      .select()
      .from(connections)
      .where(eq(connections.id, ids.byKey("instagram")));
    const tokens = await openTokens(context, connection!);
    const access = platformAccess(context, "instagram");
    const { api } = platformCall(access, tokens!.accessToken, { organizationId: connection!.organizationId });
    const before = (await journal(sandbox, "meta", "/insights")).length;
    const answer = await readInsights(api, {
      path: `/${access.platformContext.apiVersion}/${post.targets[0]!.postId}/insights`,
      metrics: ["impressions", "reach", "views", "likes"],
    });
    assert.deepEqual(
      answer.items.map((item) => item.name),
      ["reach", "views", "likes"],
    );
    assert.equal(answer.refused.length, 1);
    assert.equal(answer.refused[0]!.name, "impressions");
    assert.equal(answer.refused[0]!.reason, "retired");
    assert.match(answer.refused[0]!.message, /impressions metric is no longer supported/);
    const calls = await journal(sandbox, "meta", "/insights");
    assert.deepEqual(
      calls.slice(before).map((call) => call.status),
      [400, 200],
      "one refused request, then one for the rest",
    );
  });

  test("a refusal that names no metric is found by asking each alone; all refused alone is the request's fault", async () => {
    const { context } = app.runtime;
    const ids = await connectionIds(client);
    const [connection] = await context.db
      .select()
      .from(connections)
      .where(eq(connections.id, ids.byKey("instagram")));
    const tokens = await openTokens(context, connection!);
    const access = platformAccess(context, "instagram");
    const { api } = platformCall(access, tokens!.accessToken, { organizationId: connection!.organizationId });
    // An account, not a media: its insights take none of these names, and its refusal names none of them.
    const answer = await readInsights(api, {
      path: `/${access.platformContext.apiVersion}/${connection!.externalId}/insights`,
      metrics: ["plays", "reach"],
      query: { period: "day", metric_type: "total_value" },
    });
    assert.deepEqual(
      answer.items.map((item) => item.name),
      ["reach"],
    );
    assert.deepEqual(
      answer.refused.map((metric) => [metric.name, metric.reason]),
      [["plays", "retired"]],
    );
  });
});

describe("a refused permission", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;
  let clockNow: () => number;

  before(async () => {
    let clock;
    ({ app, sandbox, passTime, clock } = await startAppWithSandbox());
    clockNow = () => clock.now();
    client = app.client();
    await signUp(client);
    await createOrganization(client, "No Insights Co");
    await choosePage(client, await connectWithout(client, "facebook", "read_insights"));
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("leaves the metrics unavailable with the scope to reconnect for, the counters read, and the account healthy", async () => {
    const ids = await connectionIds(client);
    const post = await publish(client, { content: "Read without insights", connectionIds: [ids.byKey("facebook")] });
    await passTime(20 * MINUTE);
    const [target] = await readSince(client, [post.id], clockNow() - MINUTE);
    assert.equal(target!.metrics.views ?? null, null);
    const views = target!.unavailable.find((note) => note.metric === "views")!;
    assert.equal(views.reason, "permission");
    assert.equal(views.reconnectFor, "read_insights");
    assert.match(views.message, /read_insights/);
    assert.equal(typeof target!.metrics.reactions, "number", "the post's own counters need no insights permission");

    const report = await client.get("/api/analytics?platforms=facebook");
    const notes = report.body.platforms.facebook.unavailable as {
      metric: string;
      reason: string;
      reconnectFor: string;
    }[];
    assert.ok(
      notes.some(
        (note) => note.metric === "reach" && note.reason === "permission" && note.reconnectFor === "read_insights",
      ),
    );
    const account = await client.get(`/api/analytics/accounts/${ids.byKey("facebook")}`);
    assert.ok(
      (account.body.unavailable as { metric: string; reason: string }[]).some(
        (note) => note.metric === "followers" && note.reason === "permission",
      ),
    );
    const connection = (await client.get("/api/social-media/connections")).body.connections[0];
    assert.equal(connection.status, "healthy");
  });
});

describe("a read budget", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;
  const analyticsCalls = async (postRemoteId?: string) =>
    (await journal(sandbox, "meta", "/")).filter(
      (entry) =>
        entry.method === "GET" &&
        (entry.path.includes("/insights") || (postRemoteId !== undefined && entry.path.endsWith(`/${postRemoteId}`))),
    );

  before(async () => {
    // 0.1 % of the Page's 4,800 reads a day: 4 reads a day for analytics.
    ({ app, sandbox, passTime } = await startAppWithSandbox({
      env: { ANALYTICS_BUDGET_PERCENT: "0.1", SESSION_TTL_HOURS: "720" },
    }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Small Budget Co");
    await choosePage(client, await connectThroughConsent(client, "facebook", { identity: "ava" }));
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("defers what is over it, never calling past it", async () => {
    const ids = await connectionIds(client);
    const connectionId = ids.byKey("facebook");
    // A minute on: the sweep finds the new account due.
    await passTime(MINUTE);
    // The history on connect needs 9 reads of 90 days: 4 are made, the rest wait for the next day.
    const deferred = await waitFor(
      async () => {
        const account = (await client.get(`/api/analytics/accounts/${connectionId}`)).body;
        return account.lastError ? account : undefined;
      },
      30_000,
      "the history's reads to be deferred",
    );
    assert.match(deferred.lastError, /read budget spent/);
    assert.equal((await analyticsCalls()).length, 4);

    const post = await publish(client, { content: "Measured on a budget", connectionIds: [connectionId] });
    const remoteId = post.targets[0]!.postId;
    await passTime(20 * MINUTE);
    await waitFor(
      async () => ((await postMetrics(client, post.id))[0]!.nextCollectionAt ? true : undefined),
      30_000,
      "the post's schedule",
    );
    assert.equal((await analyticsCalls(remoteId)).length, 4, "the post's reads wait: the day's budget is spent");

    await passTime(DAY);
    const [target] = await waitFor(
      async () => {
        const targets = await postMetrics(client, post.id);
        return targets[0]!.fetchedAt ? targets : undefined;
      },
      30_000,
      "the post to be read in the next day's budget",
    );
    assert.equal(typeof target!.metrics.reactions, "number");
    await waitFor(
      async () => ((await analyticsCalls(remoteId)).length >= 8 ? true : undefined),
      30_000,
      "the day's reads",
    );
    assert.equal((await analyticsCalls(remoteId)).length, 8, "4 reads a day, never more");
  });
});
