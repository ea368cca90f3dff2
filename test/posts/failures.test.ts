import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createOrganization, signUp } from "../support/factories.js";
import { waitFor } from "../support/process.js";
import type { HttpClient } from "../support/client.js";
import { json, startSandbox, userToken, type RunningSandbox, publishedCount } from "../sandbox/support.js";
import {
  advanceSandboxClock,
  connectThroughConsent,
  newsBot,
  startAppWithSandbox,
  type TestApp,
} from "../connections/support.js";
import { connectionIds, retimed, settled, settledPassingBackoff, upload } from "./support.js";

describe("publishing through platform failures", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let ids: Awaited<ReturnType<typeof connectionIds>>;
  let passTime: (milliseconds: number) => Promise<void>;
  const counts = { faults: 0 };

  before(async () => {
    // X access tokens live one second here, so the expired-token path is real.
    sandbox = await startSandbox({ lifetimes: { xAccessSeconds: 1 } });
    ({ app, passTime } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Faulty Co");
    await connectThroughConsent(client, "x", { identity: "ava" });
    const linkedin = await connectThroughConsent(client, "linkedin", { identity: "ava", variant: "pages" });
    // A company page: LinkedIn lets the app read its posts back, so a lost answer can be reconciled.
    await client.post(`/api/social-media/grants/${linkedin.searchParams.get("choose")}`, {
      externalIds: ["urn:li:organization:90000002"],
    });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    await connectThroughConsent(client, "youtube", { identity: "ava:UCsandboxNorthwindTV0001" });
    ids = await connectionIds(client);
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const fault = async (rule: Record<string, unknown>) => {
    counts.faults += Number(rule.count ?? 1);
    const answer = await fetch(`${sandbox.url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(rule),
    });
    assert.equal(answer.status, 201);
  };
  const published = (platform: string, text: string) => publishedCount(sandbox, platform, text);
  const publish = async (text: string, platform: string) => {
    const created = await client.post("/api/posts", { content: text, connectionIds: [ids.byKey(platform)] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return settled(client, created.body.post.id, 30_000);
  };
  const publishPassingBackoff = async (text: string, platform: string) => {
    const created = await client.post("/api/posts", { content: text, connectionIds: [ids.byKey(platform)] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return settledPassingBackoff(client, created.body.post.id, passTime, 30_000);
  };

  test("an expired token is refreshed once and the post goes out", async () => {
    // Only X's time moves: the token the app holds has expired there, and the app learns it from X.
    await advanceSandboxClock(sandbox, 1_100);
    const post = await publish("After the token expired", "x");
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(await published("x", "After the token expired"), 1);
  });

  test("a 5xx is retried with backoff; the post goes out once", async () => {
    await fault({ prefix: "linkedin", method: "POST", path: "/rest/posts", mode: "error", count: 1, status: 503 });
    const post = await publishPassingBackoff("Through a LinkedIn outage", "linkedin");
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(post.targets[0].attempts, 2);
    assert.equal(await published("linkedin", "Through a LinkedIn outage"), 1);
  });

  test("a rate limit re-times the job to the platform's reset instead of failing it", async () => {
    await fault({ prefix: "telegram", path: "/sendMessage", mode: "rate_limit", retryAfterSeconds: 2 });
    const started = Date.now();
    const post = await publish("After the flood wait", "telegram");
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.ok(Date.now() - started >= 2_000, "waited for retry_after");
    assert.equal(await published("telegram", "After the flood wait"), 1);
  });

  test("a rejection fails with the platform's own words", async () => {
    await publish("Said once", "x");
    const again = await publish("Said once", "x");
    assert.equal(again.targets[0].state, "failed");
    assert.match(again.targets[0].error, /duplicate content/);
    assert.equal(again.status, "failed");
  });

  test("an answer lost after the post was made is reconciled, never sent twice", async () => {
    await fault({ prefix: "x", method: "POST", path: "/2/tweets", mode: "drop" });
    const post = await publish("The answer was lost", "x");
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(await published("x", "The answer was lost"), 1);
    await fault({ prefix: "linkedin", method: "POST", path: "/rest/posts", mode: "drop" });
    const linkedin = await publish("LinkedIn lost the answer", "linkedin");
    assert.equal(linkedin.targets[0].state, "published", linkedin.targets[0].error);
    assert.equal(await published("linkedin", "LinkedIn lost the answer"), 1);
  });

  test("Telegram cannot be asked: a lost answer leaves the target unknown, for a person to check", async () => {
    await fault({ prefix: "telegram", path: "/sendMessage", mode: "drop" });
    const post = await publish("Did this arrive?", "telegram");
    assert.equal(post.targets[0].state, "unknown");
    assert.match(post.targets[0].error, /cannot be asked/);
    assert.equal(await published("telegram", "Did this arrive?"), 1);
    const audit = await client.get("/api/audit?action=post.");
    assert.ok(audit.body.events.some((event: { action: string }) => event.action === "post.failed"));
  });

  test("a YouTube upload whose answer is lost resumes from where the session stands, never restarts", async () => {
    await fault({ prefix: "google", method: "PUT", path: "/upload/youtube/v3/videos", mode: "drop" });
    const clip = await upload(client, "/clip.mp4");
    const created = await client.post("/api/posts", {
      content: "Resumed upload",
      mediaIds: [clip.id],
      connectionIds: [ids.byKey("youtube")],
      options: { youtube: { title: "Resumed upload" } },
    });
    const post = await settled(client, created.body.post.id, 30_000);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    const sessions = await json(
      await fetch(`${sandbox.url}_sandbox/journal?prefix=google&path=/upload/youtube/v3/videos`),
    );
    assert.deepEqual(
      sessions.entries.map((entry: { method: string; status: number }) => `${entry.method} ${entry.status}`),
      ["POST 200", "PUT 0", "PUT 200"],
      "one session; the dropped PUT is followed by a status query, not a new upload",
    );
    assert.equal((await json(await fetch(`${sandbox.url}_sandbox/published?platform=youtube`))).items.length, 1);
  });

  test("a failed account can be retried from the API", async () => {
    await fault({ prefix: "linkedin", method: "POST", path: "/rest/posts", mode: "error", count: 10, status: 500 });
    const created = await client.post("/api/posts", {
      content: "Retry me later",
      connectionIds: [ids.byKey("linkedin")],
    });
    // The outage has been met once the first attempt is put back in the queue.
    await retimed(client, created.body.post.id);
    await fetch(`${sandbox.url}_sandbox/faults`, { method: "DELETE" });
    const target = created.body.post.targets[0];
    const settledPost = await settledPassingBackoff(client, created.body.post.id, passTime, 60_000);
    if (settledPost.targets[0].state === "failed") {
      const retried = await client.post(`/api/posts/${created.body.post.id}/targets/${target.id}/retry`);
      assert.equal(retried.status, 200);
      const after = await settled(client, created.body.post.id);
      assert.equal(after.targets[0].state, "published");
    } else {
      assert.equal(settledPost.targets[0].state, "published");
    }
    assert.equal(await published("linkedin", "Retry me later"), 1);
  });
});

describe("a platform's window, respected before calling", () => {
  test("a 429 from X's 24-hour cap waits for the daily reset, not the 15-minute one", async () => {
    const sandbox = await startSandbox({ limits: { xPostsPerDayPerUser: 1 } });
    // The person posts by hand first, spending the day's cap where the product cannot see it
    // (the token is taken before the app registers its own callbacks).
    const byHand = await fetch(`${sandbox.base("x")}/2/tweets`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await userToken(sandbox, "x", "tweet.read tweet.write users.read")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ text: "Posted by hand" }),
    });
    assert.equal(byHand.status, 201);
    const { app } = await startAppWithSandbox({ sandbox });
    try {
      const client = app.client();
      await signUp(client);
      await createOrganization(client);
      await connectThroughConsent(client, "x", { identity: "ava" });
      const { byKey } = await connectionIds(client);
      const created = await client.post("/api/posts", { content: "Over the daily cap", connectionIds: [byKey("x")] });
      const waiting = await waitFor(
        async () => {
          const post = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
          return post.targets[0].error ? post : undefined;
        },
        10_000,
        "the post to be re-timed",
      );
      assert.equal(waiting.targets[0].state, "queued");
      const until = /until (\S+)\.$/.exec(waiting.targets[0].error)?.[1];
      assert.ok(until && Date.parse(until) > Date.now() + 23 * 3_600_000, waiting.targets[0].error);
      const connection = (await client.get(`/api/social-media/connections/${byKey("x")}`)).body.connection;
      assert.equal(connection.status, "rate_limited");
      assert.ok(new Date(connection.rateLimitedUntil).getTime() > Date.now() + 23 * 3_600_000);
    } finally {
      await app.stop();
      await sandbox.close();
    }
  });

  test("once X says the per-user window is spent, the next post waits for the reset without calling X", async () => {
    const sandbox = await startSandbox({ limits: { xPostsPer15MinutesPerUser: 2 } });
    const { app } = await startAppWithSandbox({ sandbox });
    try {
      const client = app.client();
      await signUp(client);
      await createOrganization(client);
      await connectThroughConsent(client, "x", { identity: "ava" });
      const { byKey } = await connectionIds(client);
      for (const text of ["Window one", "Window two"]) {
        const created = await client.post("/api/posts", { content: text, connectionIds: [byKey("x")] });
        assert.equal((await settled(client, created.body.post.id)).targets[0].state, "published");
      }
      const connection = (await client.get(`/api/social-media/connections/${byKey("x")}`)).body.connection;
      assert.equal(connection.status, "rate_limited");
      const until = new Date(connection.rateLimitedUntil).getTime();
      assert.ok(until > Date.now() + 14 * 60_000 && until <= Date.now() + 15 * 60_000 + 1_000);
      const before = (await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=x&path=/2/tweets`))).entries.length;
      const third = await client.post("/api/posts", { content: "Window three", connectionIds: [byKey("x")] });
      const waiting = await waitFor(
        async () => {
          const post = (await client.get(`/api/posts/${third.body.post.id}`)).body.post;
          return post.targets[0].error ? post : undefined;
        },
        10_000,
        "the third post to be re-timed",
      );
      assert.equal(waiting.targets[0].state, "queued");
      assert.match(waiting.targets[0].error, /rate limit/);
      const after = (await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=x&path=/2/tweets`))).entries.length;
      assert.equal(after, before, "X was not called");
    } finally {
      await app.stop();
      await sandbox.close();
    }
  });
});
