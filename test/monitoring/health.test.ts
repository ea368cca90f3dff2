import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { workerHeartbeats } from "../../src/db/schema.js";
import { createLogger } from "../../src/logger.js";
import { holdPresence } from "../../src/jobs/presence.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { waitFor } from "../support/process.js";

describe("health", () => {
  let app: TestApp;
  before(async () => {
    // The API alone: no worker in this process, as with --role api.
    app = await startTestApp({ role: "api", env: { WORKER_STALE_AFTER_MS: "1500" } });
  });
  after(() => app.stop());

  test("is 503 while no worker has ever started, saying posts will not go out", async () => {
    const answer = await app.client().get("/api/health");
    assert.equal(answer.status, 503);
    assert.equal(answer.body.status, "unavailable");
    assert.equal(answer.body.database.ok, true);
    assert.equal(answer.body.queue.ok, true);
    assert.equal(answer.body.worker.ok, false);
    assert.match(answer.body.worker.detail, /no worker has ever started/);
  });

  test("a fresh beat alone is no live worker: its process must hold its presence lock", async () => {
    const now = new Date();
    await app.runtime.context.db
      .insert(workerHeartbeats)
      .values({ workerId: "killed", hostname: "worker-host", pid: 1, startedAt: now, seenAt: now, presenceKey: 12345 });
    const answer = await app.client().get("/api/health");
    assert.equal(answer.status, 503);
    assert.equal(answer.body.worker.live, 0);
  });

  test("turns 200 once a worker beats, and 503 again when its beats stop", async () => {
    const db = app.runtime.context.db;
    const presence = await holdPresence(app.runtime.database, createLogger("silent"));
    const now = new Date();
    await db.insert(workerHeartbeats).values({
      workerId: "elsewhere",
      hostname: "worker-host",
      pid: 1,
      startedAt: now,
      seenAt: now,
      presenceKey: presence.key,
    });
    const healthy = await app.client().get("/api/health");
    assert.equal(healthy.status, 200);
    assert.equal(healthy.body.worker.live, 1);
    const stale = await waitFor(
      async () => {
        const answer = await app.client().get("/api/health");
        return answer.status === 503 ? answer : undefined;
      },
      5000,
      "the worker to go stale",
    );
    assert.match(stale.body.worker.detail, /no worker seen since/);
  });

  test("reports the job queue's counts", async () => {
    await app.runtime.queue.boss.send("maintenance.purge-expired-sessions", {});
    const answer = await app.client().get("/api/health");
    assert.match(answer.body.queue.detail, /1 waiting/);
  });
});
