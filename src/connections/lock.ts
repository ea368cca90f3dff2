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
  close(): Promise<void>;
}

const processLease: LockLease = { held: () => true };

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
    close: async () => undefined,
  };
}

/** Clients that may wait for or hold connection locks at once, per process. */
const LOCK_POOL_SIZE = 4;

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
      const id = createHash("sha256").update(key).digest().readBigInt64BE(0);
      return inProcess.run(key, () =>
        withAdvisoryLock(pool, id.toString(), async (client) => {
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
    close: () => pool.end(),
  };
}
