import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { posts } from "../../src/db/schema.js";
import { inOneSnapshot } from "../../src/posts/routes/views.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { startAppWithSandbox, type TestApp } from "../connections/support.js";
import { backends } from "../support/postgres.js";
import { connectEveryPlatform } from "./support.js";

const settledStates = new Set(["published", "failed", "unknown"]);
const settledStatuses = new Set(["published", "partially_published", "failed"]);

interface Viewed {
  id: string;
  status: string;
  targets: { state: string }[];
}

/**
 * A post and its accounts are read in one snapshot: while posts publish, no answer of the list or
 * of a post shows every account settled under a status the post had before (a status is written
 * in the same transaction as the account that moves it, so only reads made apart could mix them).
 */
for (const backend of backends) {
  describe(`posts read while they publish, on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let client: HttpClient;
    let ids: Awaited<ReturnType<typeof connectEveryPlatform>>;

    before(async () => {
      sandbox = await startSandbox();
      ({ app } = await startAppWithSandbox({ sandbox, backend }));
      client = app.client();
      await signUp(client);
      await createOrganization(client, "Snapshot Co");
      ids = await connectEveryPlatform(client);
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    test(
      "a change committed during a view's reads is not seen by the reads after it",
      {
        // PGlite runs one transaction at a time: the change would wait for the snapshot to end.
        skip: backend.name === "pglite" ? "one connection: no change can commit while a snapshot is open" : undefined,
      },
      async () => {
        const created = await client.post("/api/posts", {
          content: `Snapshot ${Date.now()}`,
          connectionIds: [ids.byKey("telegram")],
          draft: true,
        });
        const id = created.body.post.id as string;
        const { db } = app.runtime.context;
        const statuses = await inOneSnapshot(app.runtime.context, async (snapshot) => {
          const statusNow = async () =>
            (await snapshot.select({ status: posts.status }).from(posts).where(eq(posts.id, id)))[0]!.status;
          const first = await statusNow();
          await db.update(posts).set({ status: "cancelled" }).where(eq(posts.id, id));
          return [first, await statusNow()];
        });
        assert.deepEqual(statuses, ["draft", "draft"]);
        assert.equal((await client.get(`/api/posts/${id}`)).body.post.status, "cancelled");
      },
    );

    test("no view shows every account settled under an unsettled status", async () => {
      const created: string[] = [];
      for (let index = 0; index < 20; index += 1) {
        const answer = await client.post("/api/posts", {
          content: `Read while publishing ${index} ${Date.now()}`,
          connectionIds: [ids.byKey("telegram"), ids.byKey("linkedin")],
        });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        created.push(answer.body.post.id);
      }
      const mixed: Viewed[] = [];
      const check = (post: Viewed) => {
        if (post.targets.every((target) => settledStates.has(target.state)) && !settledStatuses.has(post.status))
          mixed.push(post);
      };
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [list, ...singles] = await Promise.all([
          client.get("/api/posts?limit=50"),
          ...created.slice(0, 5).map((id) => client.get(`/api/posts/${id}`)),
        ]);
        const viewed = (list!.body.posts as Viewed[]).filter((post) => created.includes(post.id));
        viewed.forEach(check);
        singles.forEach((single) => check(single.body.post as Viewed));
        if (viewed.every((post) => settledStatuses.has(post.status)) || Date.now() > deadline) break;
      }
      assert.deepEqual(mixed, [], "a view mixed settled accounts with a stale status");
      const final = (await client.get("/api/posts?limit=50")).body.posts as Viewed[];
      assert.ok(
        final.filter((post) => created.includes(post.id)).every((post) => post.status === "published"),
        JSON.stringify(final.map((post) => post.status)),
      );
    });
  });
}
