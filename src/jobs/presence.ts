import { randomInt } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { systemClock } from "../clock.js";
import { selectRows, type Database, type DatabaseHandle } from "../db/client.js";
import { holdSession } from "./session.js";

/**
 * Worker liveness from PostgreSQL itself: each worker holds a session advisory lock on a
 * connection of its own. The server drops the lock the moment that session ends, so a killed
 * process stops counting at once instead of after a heartbeat goes stale.
 */
const PRESENCE_LOCK_CLASS = 72_617_100;

export interface Presence {
  /** The second key of this worker's lock, stored beside its heartbeat. */
  key: number;
  /**
   * Aborted the moment the lock is lost: from then on other workers may take this one's
   * publications over, so it must stop calling platforms for them.
   */
  fence(): AbortSignal;
  stop(): Promise<void>;
}

/** Holds the presence lock for as long as the process runs, taking it again after the server restarts. */
export async function holdPresence(handle: DatabaseHandle, logger: Logger): Promise<Presence> {
  const key = randomInt(1, 2 ** 31 - 1);
  const lock = "select pg_advisory_lock($1, $2)";
  if (handle.kind === "pglite") {
    await handle.pglite.query(lock, [PRESENCE_LOCK_CLASS, key]);
    const never = new AbortController().signal;
    return { key, fence: () => never, stop: async () => undefined };
  }

  let fence = new AbortController();
  const session = await holdSession({
    url: handle.url,
    logger,
    purpose: "worker presence",
    onOpen: async (client) => {
      await client.query(lock, [PRESENCE_LOCK_CLASS, key]);
      if (fence.signal.aborted) fence = new AbortController();
    },
    onLost: () => fence.abort(new Error("the worker lost its presence lock")),
  });
  return { key, fence: () => fence.signal, stop: () => session.stop() };
}

const presenceHeld = sql`exists (
  select 1 from pg_locks l
  where l.locktype = 'advisory' and l.granted and l.objsubid = 2
    and l.classid::bigint = ${PRESENCE_LOCK_CLASS} and l.objid::bigint = w.presence_key
    and l.database = (select oid from pg_database where datname = current_database()))`;

/**
 * The latest heartbeat of any worker, and how many workers are sure to be running: the process
 * lives (its lock is held) and its loop beats. One statement, which health asks on every call.
 */
export async function workerSigns(
  db: Database,
  options: { seenSince: Date },
): Promise<{ lastSeenAt: Date | null; live: number }> {
  const [row] = await selectRows<{ last_seen_at: Date | string | null; live: number }>(
    db,
    sql`select max(w.seen_at) as last_seen_at,
               (count(*) filter (where w.seen_at > ${options.seenSince.toISOString()} and ${presenceHeld}))::int as live
          from worker_heartbeats w`,
  );
  return {
    lastSeenAt: row?.last_seen_at ? new Date(row.last_seen_at) : null,
    live: row?.live ?? 0,
  };
}

/**
 * Workers that may still be running: either sign of life is enough, a beat within the grace or
 * the lock. A publication is taken from its worker only when this leaves it out, so a worker
 * that merely lost its connection for a moment (a database restart) is never raced.
 *
 * The grace is real time, as the beats are (worker.ts), never the app's clock: a test that moves
 * the clock forward must not make a live worker's last beat look old, or its publication would
 * be taken over and sent a second time while it is still being sent.
 */
export async function possiblyLiveWorkerIds(db: Database, options: { graceMs: number }): Promise<Set<string>> {
  const seenSince = new Date(systemClock.now() - options.graceMs);
  const rows = await selectRows<{ worker_id: string }>(
    db,
    sql`select w.worker_id from worker_heartbeats w where w.seen_at > ${seenSince.toISOString()} or ${presenceHeld}`,
  );
  return new Set(rows.map((row) => row.worker_id));
}
