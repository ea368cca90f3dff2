import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { publishedCount, type RunningSandbox } from "../sandbox/support.js";
import { backends } from "../support/postgres.js";
import { settled } from "../posts/support.js";
import { createKey, KeyClient } from "./support.js";

for (const backend of backends) {
  describe(`Idempotency-Key on creating routes on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let clock: AdjustableClock;
    let admin: HttpClient;
    let key: KeyClient;
    let channelId: string;

    before(async () => {
      ({ app, sandbox, clock } = await startAppWithSandbox({ backend }));
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin, "Retrying Co");
      const channel = await admin.post("/api/social-media/bot/telegram", {
        botToken: newsBot,
        chat: "@northwind_news",
      });
      channelId = channel.body.connection.id;
      key = new KeyClient(app.url, (await createKey(admin, { name: "Flaky network" })).secret);
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    const postsSaying = async (text: string) =>
      ((await admin.get("/api/posts")).body.posts as { id: string; content: string }[]).filter(
        (post) => post.content === text,
      );

    test("a retried post with the same key answers the first answer again and publishes once", async () => {
      const body = { content: "Published exactly once", connectionIds: [channelId] };
      const first = await key.post("/api/posts", body, { "idempotency-key": "retry-1" });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const retried = await key.post("/api/posts", body, { "idempotency-key": "retry-1" });
      assert.equal(retried.status, 201);
      assert.deepEqual(retried.body, first.body);
      assert.equal(retried.headers.get("idempotent-replayed"), "true");
      assert.equal(first.headers.get("idempotent-replayed"), null);

      const post = await settled(admin, first.body.post.id);
      assert.equal(post.status, "published");
      assert.equal((await postsSaying("Published exactly once")).length, 1);
      assert.equal(await publishedCount(sandbox, "telegram", "Published exactly once"), 1);
      const audit = (await admin.get("/api/audit?limit=200")).body.events as { action: string; targetId: string }[];
      assert.equal(
        audit.filter((event) => event.targetId === first.body.post.id && event.action === "post.created").length,
        1,
      );
      assert.equal(audit.filter((event) => event.action === "api_key.used").length, 0, "a replay changed nothing");
    });

    test("the same key with another body is refused with a 422, creating nothing", async () => {
      const first = await key.post(
        "/api/posts",
        {
          content: "First body",
          connectionIds: [channelId],
          scheduledAt: new Date(clock.now() + 3_600_000).toISOString(),
        },
        { "idempotency-key": "retry-2" },
      );
      assert.equal(first.status, 201);
      const other = await key.post(
        "/api/posts",
        { content: "Second body", connectionIds: [channelId] },
        { "idempotency-key": "retry-2" },
      );
      assert.equal(other.status, 422);
      assert.equal(other.body.error.code, "idempotency_key_reused");
      assert.equal(other.body.error.field, "Idempotency-Key");
      assert.equal((await postsSaying("Second body")).length, 0);
    });

    test("a body written in another order is the same request", async () => {
      const scheduledAt = new Date(clock.now() + 3_600_000).toISOString();
      const first = await key.post(
        "/api/posts",
        { content: "Order does not matter", connectionIds: [channelId], scheduledAt },
        { "idempotency-key": "retry-3" },
      );
      const reordered = await key.post(
        "/api/posts",
        { scheduledAt, connectionIds: [channelId], content: "Order does not matter" },
        { "idempotency-key": "retry-3" },
      );
      assert.equal(reordered.status, 201);
      assert.equal(reordered.body.post.id, first.body.post.id);
    });

    test("concurrent retries with one key create one post: the others wait their turn or get the answer", async () => {
      const body = {
        content: "Sent five times at once",
        connectionIds: [channelId],
        scheduledAt: new Date(clock.now() + 3_600_000).toISOString(),
      };
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => key.post("/api/posts", body, { "idempotency-key": "burst-1" })),
      );
      const statuses = answers.map((answer) => answer.status);
      assert.ok(
        statuses.every((status) => status === 201 || status === 409),
        statuses.join(","),
      );
      for (const answer of answers.filter((answer) => answer.status === 409)) {
        assert.equal(answer.body.error.code, "idempotency_in_progress");
        assert.equal(answer.headers.get("retry-after"), "1");
      }
      assert.equal((await postsSaying("Sent five times at once")).length, 1);
    });

    test("a refused request releases its key, so the corrected retry goes through", async () => {
      const refused = await key.post(
        "/api/posts",
        { content: "Fixed on retry", connectionIds: [crypto.randomUUID()] },
        { "idempotency-key": "retry-4" },
      );
      assert.equal(refused.status, 400);
      const again = await key.post(
        "/api/posts",
        {
          content: "Fixed on retry",
          connectionIds: [channelId],
          scheduledAt: new Date(clock.now() + 3_600_000).toISOString(),
        },
        { "idempotency-key": "retry-4" },
      );
      assert.equal(again.status, 201, JSON.stringify(again.body));
    });

    test("keys are kept 24 hours, then the same key makes a new post", async () => {
      const body = {
        content: "A day apart",
        connectionIds: [channelId],
        scheduledAt: new Date(clock.now() + 72 * 3_600_000).toISOString(),
      };
      const first = await key.post("/api/posts", body, { "idempotency-key": "daily" });
      clock.advance(23 * 3_600_000);
      assert.equal(
        (await key.post("/api/posts", body, { "idempotency-key": "daily" })).body.post.id,
        first.body.post.id,
      );
      clock.advance(2 * 3_600_000);
      const later = await key.post("/api/posts", body, { "idempotency-key": "daily" });
      assert.equal(later.status, 201);
      assert.notEqual(later.body.post.id, first.body.post.id);
      assert.equal(later.headers.get("idempotent-replayed"), null);
    });

    test("a session's requests take the header too, apart from any key's", async () => {
      const body = {
        content: "From the dashboard",
        connectionIds: [channelId],
        scheduledAt: new Date(clock.now() + 3_600_000).toISOString(),
      };
      const first = await admin.post("/api/posts", body, { "idempotency-key": "shared-name" });
      const again = await admin.post("/api/posts", body, { "idempotency-key": "shared-name" });
      assert.equal(again.body.post.id, first.body.post.id);
      const byKey = await key.post("/api/posts", body, { "idempotency-key": "shared-name" });
      assert.notEqual(byKey.body.post.id, first.body.post.id);
    });

    test("a malformed key is a 400 naming the header", async () => {
      const answer = await key.post(
        "/api/posts",
        { content: "x", connectionIds: [channelId] },
        { "idempotency-key": "has spaces" },
      );
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.field, "Idempotency-Key");
    });
  });
}
