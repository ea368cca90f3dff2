import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Worker } from "node:worker_threads";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { databaseErrorCode } from "../src/db/client.js";
import { PgliteThread } from "../src/db/pglite-remote.js";
import { waitFor } from "./support/process.js";

/**
 * The embedded database on its own thread, through the same Drizzle driver the app uses: what
 * PGlite did in-process it must still do across the thread — transactions that commit or roll
 * back whole, errors with their codes, notifications after commit — and a thread that dies must
 * fail every call and say so, not leave the process waiting.
 */
describe("the embedded database's thread", () => {
  let directory: string;
  let thread: PgliteThread;
  const ended: Error[] = [];

  before(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "marketsage-thread-"));
    thread = await PgliteThread.open(directory, (error) => ended.push(error));
  });
  after(async () => {
    await thread.close();
    await rm(directory, { recursive: true, force: true });
  });

  const db = () => drizzle(thread as unknown as PGlite);
  const names = async () =>
    ((await db().execute(sql`select name from thread_probe order by name`)).rows as { name: string }[]).map(
      (row) => row.name,
    );

  test("a transaction commits whole, or rolls back whole when its work fails", async () => {
    await db().execute(sql`create table thread_probe (name text primary key)`);
    await db().transaction(async (tx) => {
      await tx.execute(sql`insert into thread_probe values ('a'), ('b')`);
    });
    await assert.rejects(
      db().transaction(async (tx) => {
        await tx.execute(sql`insert into thread_probe values ('c')`);
        throw new Error("the change's own failure");
      }),
      /the change's own failure/,
    );
    assert.deepEqual(await names(), ["a", "b"]);
  });

  test("a statement outside a transaction waits for the open one, as in PGlite itself", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = db().transaction(async (tx) => {
      await tx.execute(sql`insert into thread_probe values ('in-transaction')`);
      await held;
    });
    const outside = db().execute(sql`select count(*)::int as count from thread_probe`);
    const seenFirst = await Promise.race([
      outside.then(() => "outside"),
      new Promise((r) => setTimeout(r, 200, "none")),
    ]);
    assert.equal(seenFirst, "none", "the statement outside ran inside the open transaction");
    release();
    await open;
    assert.equal(((await outside).rows[0] as { count: number }).count, 3);
  });

  test("a database error keeps its code, read through Drizzle's wrapping", async () => {
    const error = await db()
      .execute(sql`insert into thread_probe values ('a')`)
      .catch((caught: unknown) => caught);
    assert.equal(databaseErrorCode(error), "23505");
  });

  test("a notification arrives once its transaction commits", async () => {
    const heard: string[] = [];
    const stop = await thread.listen("thread_probe", (payload) => heard.push(payload));
    await db().transaction(async (tx) => {
      await tx.execute(sql`select pg_notify('thread_probe', 'committed')`);
    });
    await waitFor(async () => (heard.length > 0 ? true : undefined), 5_000, "the notification");
    assert.deepEqual(heard, ["committed"]);
    await stop();
  });

  test("a thread that dies fails every call and is reported, never left waiting", async () => {
    const worker = (thread as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await waitFor(async () => (ended.length > 0 ? true : undefined), 5_000, "the thread's end to be reported");
    assert.match(ended[0]!.message, /thread ended/);
    await assert.rejects(db().execute(sql`select 1`), (error: Error) => /thread ended/.test(String(error.cause)));
  });
});
