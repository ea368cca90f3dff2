import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { createTestDatabase, postgresSkipReason, type TestDatabase } from "../support/postgres.js";
import { startServerProcess, waitFor, type ServerProcess } from "../support/process.js";
import { json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, registerRedirects, sandboxEnv } from "../connections/support.js";

describe("publishing scaled out on PostgreSQL: an API process and two workers", { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let sandbox: RunningSandbox;
  let api: ServerProcess;
  let workers: ServerProcess[] = [];
  let client: HttpClient;
  let env: Record<string, string>;
  let xAccounts: string[];

  const startWorker = () => startServerProcess(["--role", "worker"], env);

  before(async () => {
    database = await createTestDatabase();
    sandbox = await startSandbox({ limits: { xPostsPer15MinutesPerUser: 100_000, xPostsPerDayPerApp: 100_000 } });
    env = {
      ...sandboxEnv(sandbox),
      DATABASE_URL: database.url,
      HOST: "127.0.0.1",
      PORT: "0",
      FIELD_ENCRYPTION_KEY: "cd".repeat(32),
      WORKER_HEARTBEAT_INTERVAL_MS: "500",
      QUEUE_POLLING_INTERVAL_SECONDS: "0.5",
      // Longer than any test here: a dead worker's publication must be taken over on its own signs of death.
      PUBLISH_STUCK_AFTER_SECONDS: "600",
      WORKER_STALE_AFTER_MS: "2000",
      PLATFORM_TIMEOUT_MS: "2000",
    };
    api = startServerProcess(["--role", "api"], env);
    workers = [startWorker(), startWorker()];
    const url = await api.url;
    await registerRedirects(sandbox, url);
    client = new HttpClient(url);
    await signUp(client);
    await createOrganization(client, "Scale Co");
    await connectThroughConsent(client, "x", { identity: "ava" });
    await connectThroughConsent(client, "x", { identity: "ben" });
    xAccounts = (await client.get("/api/social-media/connections")).body.connections.map(
      (connection: { id: string }) => connection.id,
    );
    assert.equal(xAccounts.length, 2);
  });
  after(async () => {
    await Promise.all([api, ...workers].map((process) => process.stop("SIGKILL")));
    await sandbox.close();
    await database.drop();
  });

  const publishedTexts = async () =>
    (
      (await json(await fetch(`${sandbox.url}_sandbox/published?platform=x`))).items as {
        text: string;
        accountId: string;
      }[]
    ).map((item) => `${item.accountId}:${item.text}`);
  const healthy = async () => ((await fetch(new URL("/api/health", await api.url))).status === 200 ? true : undefined);
  /** Every process still running: none was brought down. */
  const running = () => {
    for (const process of [api, ...workers]) assert.equal(process.child.exitCode, null, process.output().slice(-2000));
  };

  test("1,000 targets due at the same instant: each published exactly once", async () => {
    const dueAt = new Date(Date.now() + 25_000);
    const postIds: string[] = [];
    for (let index = 0; index < 500; index += 1) {
      const created = await client.post("/api/posts", {
        content: `Load ${index} ${dueAt.getTime()}`,
        connectionIds: xAccounts,
        scheduledAt: dueAt.toISOString(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      postIds.push(created.body.post.id);
    }
    assert.ok(Date.now() < dueAt.getTime(), "all scheduled before their time");
    await waitFor(
      async () => {
        const mine = (await publishedTexts()).filter((text) => text.includes(String(dueAt.getTime())));
        return mine.length >= 1000 ? true : undefined;
      },
      90_000,
      "1,000 publications",
    );
    // Nothing more can go out once no publish job waits or runs: a duplicate would be in by then.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await waitFor(
        async () => {
          const { rows } = await admin.query<{ pending: number }>(
            "select count(*)::int as pending from pgboss.job where name = 'posts.publish' and state in ('created', 'retry', 'active')",
          );
          return rows[0]!.pending === 0 ? true : undefined;
        },
        30_000,
        "the publish queue to empty",
      );
    } finally {
      await admin.end();
    }
    const mine = (await publishedTexts()).filter((text) => text.includes(String(dueAt.getTime())));
    assert.equal(mine.length, 1000);
    assert.equal(new Set(mine).size, 1000, "no duplicate");
    const sample = await client.get(`/api/posts/${postIds[0]}`);
    assert.deepEqual(
      sample.body.post.targets.map((target: { state: string }) => target.state),
      ["published", "published"],
    );
  });

  // Real time, as the workers keep it: what wakes them is a timer set from the post's
  // announcement, which no moved clock stands in for. Their polling alone is seconds apart.
  test("a post due while the workers are idle goes out within a second of its time", async () => {
    for (const leadMs of [1_200, 1_700]) {
      const dueAt = new Date(Date.now() + leadMs);
      const created = await client.post("/api/posts", {
        content: `Alone ${dueAt.getTime()}`,
        connectionIds: xAccounts.slice(0, 1),
        scheduledAt: dueAt.toISOString(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const post = await waitFor(
        async () => {
          const current = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
          return current.targets[0].publishedAt ? current : undefined;
        },
        10_000,
        "the post published",
      );
      const lateness = new Date(post.targets[0].publishedAt).getTime() - dueAt.getTime();
      assert.ok(lateness >= 0 && lateness < 1_000, `published ${lateness} ms after its time`);
    }
  });

  test("workers killed while a publish is in flight: after a restart, nothing lost, nothing duplicated", async () => {
    await fetch(`${sandbox.url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix: "x", method: "POST", path: "/2/tweets", mode: "hang" }),
    });
    const text = `In flight ${Date.now()}`;
    const created = await client.post("/api/posts", { content: text, connectionIds: [xAccounts[0]] });
    await waitFor(
      async () => {
        const post = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
        return post.targets[0].state === "publishing" ? true : undefined;
      },
      10_000,
      "the publication to start",
    );
    await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
    const killedAt = Date.now();
    // PostgreSQL drops a dead process's presence lock with its session: health knows at once.
    const health = await waitFor(
      async () => {
        const answer = await fetch(new URL("/api/health", await api.url));
        return answer.status === 503 ? answer.json() : undefined;
      },
      2_000,
      "health to see no live worker",
    );
    assert.equal(health.worker.live, 0);
    assert.ok(Date.now() - killedAt < 2_000);
    workers = [startWorker()];
    const post = await waitFor(
      async () => {
        const current = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
        return current.targets[0].state === "published" ? current : undefined;
      },
      20_000,
      "the restarted worker to take the dead worker's publication over and finish it",
    ).catch(async (error: Error) => {
      const current = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
      throw new Error(
        `${error.message}; target ${JSON.stringify(current.targets[0])}; worker said:\n${workers[0]!.output().slice(-3000)}`,
      );
    });
    assert.match(post.targets[0].url, /status\/\d+$/);
    assert.equal((await publishedTexts()).filter((entry) => entry.endsWith(`:${text}`)).length, 1);
  });

  test("the database ends every session, as a restart does: every process lives on, health recovers, posts go out", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ended: number }>(
        "select count(pg_terminate_backend(pid))::int as ended from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      );
      assert.ok(rows[0]!.ended >= 3, `ended ${rows[0]!.ended} sessions`);
    } finally {
      await admin.end();
    }
    // A process the ended sessions bring down goes at once, long before health is whole again.
    const exited = () => [api, ...workers].some((process) => process.child.exitCode !== null);
    await waitFor(async () => (exited() ? true : await healthy()), 15_000, "health to recover");
    running();
    const text = `After the restart ${Date.now()}`;
    const created = await client.post("/api/posts", { content: text, connectionIds: [xAccounts[1]] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor(
      async () => ((await publishedTexts()).some((entry) => entry.endsWith(`:${text}`)) ? true : undefined),
      20_000,
      "the post to go out",
    );
    running();
  });
});
