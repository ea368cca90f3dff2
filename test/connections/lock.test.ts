import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postgresLock, processLock, type KeyedLock } from "../../src/connections/lock.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase, postgresSkipReason, type TestDatabase } from "../support/postgres.js";

/** Work that runs until told to finish, and says when it started. */
function heldWork() {
  let finish!: () => void;
  let started!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const running = new Promise<void>((resolve) => (started = resolve));
  return {
    running,
    finish,
    work: async () => {
      started();
      await finished;
      return "done";
    },
  };
}

/** Two runs for one key in one process: the second waits for the first, then runs. */
async function assertTakesTurns(lock: KeyedLock, key: string) {
  const held = heldWork();
  const order: string[] = [];
  const holding = lock.runUnlessHeld(key, async () => {
    const value = await held.work();
    order.push("first");
    return value;
  });
  await held.running;
  const waiting = lock.runUnlessHeld(key, async () => {
    order.push("second");
    return "second";
  });
  held.finish();
  assert.deepEqual(await Promise.all([holding, waiting]), [
    { ran: true, value: "done" },
    { ran: true, value: "second" },
  ]);
  assert.deepEqual(order, ["first", "second"]);
}

describe("a lock that skips work another process is doing (PostgreSQL)", { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let first: KeyedLock;
  let second: KeyedLock;
  before(async () => {
    database = await createTestDatabase();
    const logger = createLogger("silent");
    // Two locks on their own sessions, as two worker processes hold them.
    first = postgresLock({ url: database.url, logger });
    second = postgresLock({ url: database.url, logger });
  });
  after(async () => {
    await first.close();
    await second.close();
    await database.drop();
  });

  test("another process's run is skipped while the key is held, and runs once it is free", async () => {
    const held = heldWork();
    const holding = first.runUnlessHeld("collect:a", held.work);
    await held.running;
    assert.deepEqual(await second.runUnlessHeld("collect:a", async () => "twice"), { ran: false });
    assert.deepEqual(await second.runUnlessHeld("collect:b", async () => "other"), { ran: true, value: "other" });
    held.finish();
    assert.deepEqual(await holding, { ran: true, value: "done" });
    assert.deepEqual(await second.runUnlessHeld("collect:a", async () => "after"), { ran: true, value: "after" });
  });

  test("in one process, a second run for the key waits for the first, then runs", async () => {
    await assertTakesTurns(first, "collect:c");
  });
});

describe("a lock that skips work another process is doing (PGlite: one process)", () => {
  test("a second run for the key waits for the first, then runs", async () => {
    await assertTakesTurns(processLock(), "collect:a");
  });
});
