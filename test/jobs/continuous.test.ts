import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { test } from "node:test";
import type PgBoss from "pg-boss";
import pino from "pino";
import { workContinuously } from "../../src/jobs/continuous.js";
import type { Queue } from "../../src/jobs/queue.js";

const DAY = 86_400_000;

/**
 * A queue whose only job starts in 60 days: past the longest timer Node keeps, which it would
 * fire after 1 ms. The worker must fetch once and wait, not fetch again every millisecond.
 */
test("a job due past Node's longest timer does not make the worker fetch in a loop", async () => {
  let fetches = 0;
  const queue = {
    boss: {
      fetch: async () => {
        fetches += 1;
        return [];
      },
      complete: async () => undefined,
      fail: async () => undefined,
    } as unknown as PgBoss,
    listen: async () => async () => undefined,
    nextStart: async () => ({ nowMs: Date.now(), startsAtMs: Date.now() + 60 * DAY }),
  } as unknown as Queue;
  const worker = await workContinuously(
    queue,
    "publish",
    { capacity: 10, refillAt: 5, safetyPollMs: 60_000, logger: pino({ level: "silent" }) },
    async () => undefined,
  );
  // Real time on purpose: what is measured is what the process's own timers do while it passes.
  await delay(300);
  await worker.stop();
  assert.equal(fetches, 1, `the worker fetched ${fetches} times in 300 ms`);
});
