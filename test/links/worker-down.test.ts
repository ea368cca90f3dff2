import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { createTestDatabase, postgresSkipReason, type TestDatabase } from "../support/postgres.js";
import { startServerProcess, waitFor, type ServerProcess } from "../support/process.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, registerRedirects, sandboxEnv } from "../connections/support.js";

describe("short links with every worker down (an API process on PostgreSQL)", { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let sandbox: RunningSandbox;
  let api: ServerProcess;
  let worker: ServerProcess;
  let client: HttpClient;

  before(async () => {
    database = await createTestDatabase();
    sandbox = await startSandbox();
    const env = {
      ...sandboxEnv(sandbox),
      DATABASE_URL: database.url,
      HOST: "127.0.0.1",
      PORT: "0",
      FIELD_ENCRYPTION_KEY: "ef".repeat(32),
      WORKER_HEARTBEAT_INTERVAL_MS: "500",
      QUEUE_POLLING_INTERVAL_SECONDS: "0.5",
    };
    api = startServerProcess(["--role", "api"], env);
    worker = startServerProcess(["--role", "worker"], env);
    const url = await api.url;
    await registerRedirects(sandbox, url);
    client = new HttpClient(url);
    await signUp(client);
    await createOrganization(client, "Always On Co");
    assert.equal((await client.patch("/api/organization", { trackLinks: true })).status, 200);
    await connectThroughConsent(client, "x", { identity: "ava" });
  });
  after(async () => {
    await Promise.all([api, worker].map((process) => process.stop("SIGKILL")));
    await sandbox.close();
    await database.drop();
  });

  test("a published post's short link redirects and counts its click while no worker runs", async () => {
    const connections = (await client.get("/api/social-media/connections")).body.connections;
    const created = await client.post("/api/posts", {
      content: "Always on: https://example.com/always",
      connectionIds: [connections[0].id],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const postPath = `/api/posts/${created.body.post.id}`;
    const published = await waitFor(
      async () => {
        const post = (await client.get(postPath)).body.post;
        return post.targets[0].state === "published" ? post : undefined;
      },
      20_000,
      "the post to be published",
    ).catch(async (error: Error) => {
      const post = (await client.get(postPath)).body.post;
      throw new Error(
        `${error.message}; ${JSON.stringify(post.targets[0])}; worker said:\n${worker.output().slice(-3000)}`,
      );
    });
    await worker.stop("SIGKILL");
    await waitFor(
      async () => ((await fetch(new URL("/api/health", await api.url))).status === 503 ? true : undefined),
      5_000,
      "health to see no live worker",
    );
    const [link] = published.targets[0].links;
    const answer = await fetch(link.shortUrl, { redirect: "manual", headers: { "user-agent": "Mozilla/5.0" } });
    assert.equal(answer.status, 302);
    assert.match(answer.headers.get("location")!, /^https:\/\/example\.com\/always\?utm_source=x&utm_medium=social/);
    const counted = (await client.get(postPath)).body.post.targets[0].links[0];
    assert.equal(counted.clicks, 1);
  });
});
