import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { after, before, describe, test } from "node:test";
import { connections, monitoringEvents } from "../../src/db/schema.js";
import type { PlatformCallRecord } from "../../src/platforms/call-record.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { waitFor } from "../support/process.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled } from "../posts/support.js";

describe("what monitoring is told: every platform call, and each post's end as an event", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  const calls: PlatformCallRecord[] = [];

  before(async () => {
    sandbox = await startSandbox();
    ({ app } = await startAppWithSandbox({ sandbox, captureLogs: true }));
    app.runtime.context.platformCalls.subscribe((call) => calls.push(call));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Observed Co");
    await connectThroughConsent(client, "x", { identity: "ava" });
    const bot = await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    assert.equal(bot.status, 201, JSON.stringify(bot.body));
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("calls are reported with their organization, connection, operation, status class and duration; no secret in them", async () => {
    const ids = await connectionIds(client);
    const created = await client.post("/api/posts", {
      content: "Observed from end to end",
      connectionIds: [ids.byKey("x"), ids.byKey("telegram")],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id);
    assert.equal(post.status, "published");

    const [xConnection] = await app.runtime.context.db
      .select()
      .from(connections)
      .where(eq(connections.id, ids.byKey("x")));
    const tweet = calls.find((call) => call.platform === "x" && call.operation === "POST /2/tweets");
    assert.ok(tweet, `no POST /2/tweets among ${calls.map((call) => `${call.platform} ${call.operation}`).join(", ")}`);
    assert.equal(tweet.statusClass, "2xx");
    assert.equal(tweet.organizationId, xConnection!.organizationId);
    assert.equal(tweet.connectionId, xConnection!.id);
    assert.ok(tweet.durationMs >= 0 && tweet.durationMs < 10_000);
    const sent = calls.find((call) => call.platform === "telegram" && call.operation.endsWith("/sendMessage"));
    assert.equal(sent?.operation, "POST /bot{token}/sendMessage");
    assert.ok(!JSON.stringify(calls).includes(newsBot.split(":")[1]!), "the bot token appears in a call record");
  });

  test("each target's end is one event, written with it and dispatched once", async () => {
    const ids = await connectionIds(client);
    const created = await client.post("/api/posts", {
      content: "An event for each account",
      connectionIds: [ids.byKey("x"), ids.byKey("telegram")],
    });
    const post = await settled(client, created.body.post.id);
    const events = await waitFor(
      async () => {
        const rows = await app.runtime.context.db.select().from(monitoringEvents);
        const mine = rows.filter((row) => row.data.post === post.id);
        return mine.length === 2 && mine.every((row) => row.dispatchedAt) ? mine : undefined;
      },
      10_000,
      "the post's events to be dispatched",
    );
    assert.deepEqual(events.map((event) => event.type).sort(), ["post.published", "post.published"]);
    assert.deepEqual(
      events.map((event) => event.data.targetId).sort(),
      post.targets.map((target: { id: string }) => target.id).sort(),
    );
    for (const event of events) assert.match(String(event.data.url), /^https:\/\//);
  });

  test("a correlation id ties a failed call to its log line, and an event to the call behind it", async () => {
    const ids = await connectionIds(client);
    const fault = await fetch(`${sandbox.url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix: "x", method: "POST", path: "/2/tweets", mode: "error", status: 503, count: 1 }),
    });
    assert.equal(fault.status, 201, await fault.text());
    const created = await client.post("/api/posts", { content: "Traced through", connectionIds: [ids.byKey("x")] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(String(created.headers.get("x-request-id")), /^[0-9a-f-]{36}$/);
    const post = await settled(client, created.body.post.id);
    const failedCall = calls.find(
      (call) => call.operation === "POST /2/tweets" && call.statusClass === "5xx" && call.correlationId,
    );
    assert.ok(failedCall, "the failed call was recorded with a correlation id");
    const failedLines = app.logs
      .flatMap((chunk) => chunk.split("\n"))
      .filter((line) => line.includes(failedCall.correlationId!));
    assert.ok(
      failedLines.some((line) => /"msg":"platform call failed"/.test(line) && line.includes('"statusClass":"5xx"')),
      `no log line of the failed call under ${failedCall.correlationId}`,
    );
    const event = await waitFor(
      async () => {
        const rows = await app.runtime.context.db.select().from(monitoringEvents);
        return rows.find((row) => row.data.post === post.id && row.type === "post.published");
      },
      10_000,
      "the post's event",
    );
    assert.match(String(event.data.correlationId), /^[0-9a-f-]{36}$/);
    assert.ok(
      calls.some(
        (call) =>
          call.operation === "POST /2/tweets" &&
          call.statusClass === "2xx" &&
          call.correlationId === event.data.correlationId,
      ),
      "the event carries the correlation id of the call that published the post",
    );
  });
});
