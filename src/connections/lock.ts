import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import { surviveServerRestarts, withAdvisoryLock } from "../db/client.js";

/** Whether the lock is still held: one on a database session goes with that session (a server restart). */
export interface LockLease {
  held(): boolean;
}

/** Runs work for one key at a time: across processes on PostgreSQL, within the process on PGlite. */
export interface KeyedLock {
  run<T>(key: string, work: (lease: LockLease) => Promise<T>): Promise<T>;
  /**
   * Runs the work unless another process holds the key (then `{ ran: false }` at once): for work
   * that the holder's run does as well. Callers in this process still take turns.
   */
  runUnlessHeld<T>(key: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
}

const processLease: LockLease = { held: () => true };

/** An advisory lock's id for a key: 64 bits of its hash. */
const lockIdOf = (key: string) => createHash("sha256").update(key).digest().readBigInt64BE(0).toString();

/** PGlite belongs to one process, so a promise chain per key is enough. */
export function processLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      const current = previous.catch(() => undefined).then(() => work(processLease));
      tails.set(key, current);
      try {
        return await current;
      } finally {
        if (tails.get(key) === current) tails.delete(key);
      }
    },
    async runUnlessHeld(key, work) {
      return { ran: true, value: await this.run(key, work) };
    },
    close: async () => undefined,
  };
}

/**
 * Clients that may wait for or hold locks at once, per process: four for token refreshes, and
 * four for the collections a worker runs at once (analytics/jobs.ts), each holding its account's
 * lock while it reads — and a collection may need a refresh lock meanwhile, so they must not
 * share four.
 */
const LOCK_POOL_SIZE = 8;

/**
 * A session advisory lock, held while the work (which may call a platform) runs, with no
 * transaction open meanwhile. The locks live on a small pool of their own: were they taken from
 * the pool the locked work queries through, callers waiting on one key would take every client
 * and the holder could never finish. Callers for one key also queue in the process first, so
 * they wait on a promise, not each on a client.
 */
export function postgresLock(options: { url: string; logger: Logger }): KeyedLock {
  const pool = new pg.Pool({ connectionString: options.url, max: LOCK_POOL_SIZE });
  surviveServerRestarts(pool, (error) => options.logger.warn({ err: error }, "lock connection lost"));
  const inProcess = processLock();
  return {
    run(key, work) {
      return inProcess.run(key, () =>
        withAdvisoryLock(pool, lockIdOf(key), async (client) => {
          let held = true;
          const lose = () => {
            held = false;
          };
          client.on("error", lose);
          client.on("end", lose);
          try {
            return await work({ held: () => held });
          } finally {
            client.off("error", lose);
            client.off("end", lose);
          }
        }),
      );
    },
    runUnlessHeld(key, work) {
      const id = lockIdOf(key);
      return inProcess.run(key, async () => {
        const client = await pool.connect();
        try {
          const [taken] = (await client.query<{ taken: boolean }>("select pg_try_advisory_lock($1) as taken", [id]))
            .rows;
          if (!taken?.taken) return { ran: false as const };
          try {
            return { ran: true as const, value: await work() };
          } finally {
            await client.query("select pg_advisory_unlock($1)", [id]).catch(() => undefined);
          }
        } finally {
          client.release();
        }
      });
    },
    close: () => pool.end(),
  };
}
