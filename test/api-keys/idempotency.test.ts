import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { idempotencyRecords } from "../../src/db/schema.js";
import { IDEMPOTENCY_LEASE_MS } from "../../src/http/idempotency.js";
import type { AdjustableClock } from "../../src/clock.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { publishedCount, type RunningSandbox } from "../sandbox/support.js";
import { backends } from "../support/postgres.js";
import { jpegOf, settled } from "../posts/support.js";
import { waitFor } from "../support/process.js";
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

  describe(`an Idempotency-Key whose first request did not finish, on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let clock: AdjustableClock;
    let admin: HttpClient;
    let key: KeyClient;
    let channelId: string;
    let photos: Server;
    let releaseFirstPhoto: () => void = () => undefined;
    let photoRequests = 0;

    before(async () => {
      ({ app, sandbox, clock } = await startAppWithSandbox({
        backend,
        env: { WEBHOOK_ALLOW_INTERNAL_ADDRESSES: "true" },
      }));
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin, "Interrupted Co");
      const channel = await admin.post("/api/social-media/bot/telegram", {
        botToken: newsBot,
        chat: "@northwind_news",
      });
      channelId = channel.body.connection.id;
      key = new KeyClient(app.url, (await createKey(admin, { name: "Importer" })).secret);
      // The first download hangs until released, as a slow photo host would: its import is still
      // running, claim made and nothing written, when the retries come.
      const firstPhotoReleased = new Promise<void>((resolve) => (releaseFirstPhoto = resolve));
      photos = createServer((request, response) => {
        photoRequests += 1;
        const send = () => response.writeHead(200, { "content-type": "image/jpeg" }).end(jpegOf(1080, 1080));
        if (photoRequests === 1) void firstPhotoReleased.then(send);
        else send();
      });
      photos.listen(0, "127.0.0.1");
      await once(photos, "listening");
    });
    after(async () => {
      releaseFirstPhoto();
      photos?.closeAllConnections();
      photos?.close();
      await app.stop();
      await sandbox.close();
    });

    const importByKey = (csv: string) =>
      fetch(new URL("/api/posts/import", app.url), {
        method: "POST",
        headers: { authorization: `Bearer ${key.secret}`, "content-type": "text/csv", "idempotency-key": "import-1" },
        body: csv,
      }).then(async (answer) => ({ status: answer.status, body: await answer.json() }));

    test("a claim whose request is still running refuses retries until its lease ends; the retry that takes it over imports once, and the first request then changes nothing", async () => {
      const photoUrl = `http://127.0.0.1:${(photos.address() as AddressInfo).port}/menu.jpg`;
      const when = new Date(clock.now() + 48 * 3_600_000).toISOString();
      const csv = `text,media_url,accounts,time\nImported once,${photoUrl},${channelId},${when}\n`;
      const first = importByKey(csv);
      await waitFor(async () => (photoRequests === 1 ? true : undefined), 10_000, "the first photo download");

      const early = await importByKey(csv);
      assert.equal(early.status, 409, JSON.stringify(early.body));
      assert.equal(early.body.error.code, "idempotency_in_progress");

      clock.advance(IDEMPOTENCY_LEASE_MS + 1_000);
      const takeover = await importByKey(csv);
      assert.equal(takeover.status, 200, JSON.stringify(takeover.body));
      assert.equal(takeover.body.import.scheduledCount, 1);

      releaseFirstPhoto();
      const stale = await first;
      assert.equal(stale.status, 409, JSON.stringify(stale.body));
      assert.equal(stale.body.error.code, "idempotency_taken_over");

      const imported = ((await admin.get("/api/posts")).body.posts as { content: string }[]).filter(
        (post) => post.content === "Imported once",
      );
      assert.equal(imported.length, 1);
      const replayed = await importByKey(csv);
      assert.equal(replayed.status, 200);
      assert.deepEqual(replayed.body, takeover.body);
    });

    test("a request whose change committed but whose answer was never kept is named to its retry, not made again", async () => {
      const body = {
        content: "Answer lost",
        connectionIds: [channelId],
        scheduledAt: new Date(clock.now() + 72 * 3_600_000).toISOString(),
      };
      const first = await key.post("/api/posts", body, { "idempotency-key": "lost-answer" });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      // What a process stopped between committing the post and keeping its answer leaves behind.
      await app.runtime.context.db
        .update(idempotencyRecords)
        .set({ statusCode: null, contentType: null, responseBody: null })
        .where(eq(idempotencyRecords.idempotencyKey, "lost-answer"));
      clock.advance(IDEMPOTENCY_LEASE_MS + 1_000);

      const retried = await key.post("/api/posts", body, { "idempotency-key": "lost-answer" });
      assert.equal(retried.status, 409, JSON.stringify(retried.body));
      assert.equal(retried.body.error.code, "idempotency_answer_lost");
      assert.match(retried.body.error.message, new RegExp(`post ${first.body.post.id}`));
      const posts = ((await admin.get("/api/posts")).body.posts as { content: string }[]).filter(
        (post) => post.content === "Answer lost",
      );
      assert.equal(posts.length, 1);
    });
  });
}
