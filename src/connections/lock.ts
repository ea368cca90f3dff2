import { createHash } from "node:crypto";
import type pg from "pg";
import { withAdvisoryLock } from "../db/client.js";

/** Runs work for one key at a time: across processes on PostgreSQL, within the process on PGlite. */
export interface KeyedLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** PGlite belongs to one process, so a promise chain per key is enough. */
export function processLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      const current = previous.catch(() => undefined).then(work);
      tails.set(key, current);
      try {
        return await current;
      } finally {
        if (tails.get(key) === current) tails.delete(key);
      }
    },
  };
}

/**
 * A session advisory lock held on its own pooled client while the work (which may call a
 * platform) runs; no transaction stays open meanwhile.
 */
export function postgresLock(pool: pg.Pool): KeyedLock {
  return {
    run(key, work) {
      const id = createHash("sha256").update(key).digest().readBigInt64BE(0);
      return withAdvisoryLock(pool, id.toString(), () => work());
    },
  };
}
