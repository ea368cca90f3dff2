import type { Logger } from "pino";
import type { DatabaseHandle, SqlExecutor } from "../db/client.js";
import { holdSession } from "./session.js";

/**
 * Workers learn that a job was sent from a NOTIFY that goes with it: sent through the job's own
 * executor, so a job sent in a transaction is announced when it commits and never when it rolls
 * back. The payload carries the queue and when the job may start by the database's time (pg-boss
 * starts a job by the database's `now()`, the same one the announcement reads), so a worker can
 * set a timer for it without asking. PGlite delivers notifications in-process; on PostgreSQL each
 * worker LISTENs on a session of its own.
 */
const CHANNEL = "marketsage_job_due";

export interface Announcement {
  queue: string;
  /** When the job may start, by the database's time, in epoch milliseconds. */
  startsAtMs: number;
}

export interface Wakeups {
  /** Announces a job sent to `queue` that may start `waitMs` from now, by the database's time. */
  announce(queue: string, waitMs: number, executor: SqlExecutor): Promise<void>;
  /**
   * Calls `listener` for each announcement, and with none (`undefined`) after a lost session is
   * open again, when announcements may have been missed. Answers how to stop listening.
   */
  listen(listener: (announcement: Announcement | undefined) => void): Promise<() => Promise<void>>;
}

/** The payload is the queue's name and the time, a space between: queue names have none. */
const announcement = (payload: string | undefined): Announcement | undefined => {
  const [queue, startsAt] = (payload ?? "").split(" ");
  const startsAtMs = Number(startsAt);
  return queue && Number.isFinite(startsAtMs) ? { queue, startsAtMs } : undefined;
};

export function wakeups(handle: DatabaseHandle, logger: Logger): Wakeups {
  return {
    async announce(queue, waitMs, executor) {
      await executor.executeSql(
        `select pg_notify($1, $2::text || ' ' || (floor(extract(epoch from now()) * 1000) + $3::bigint)::text)`,
        [CHANNEL, queue, Math.ceil(waitMs)],
      );
    },
    async listen(listener) {
      const deliver = (payload: string | undefined) => {
        const heard = announcement(payload);
        if (heard) listener(heard);
      };
      if (handle.kind === "pglite") return handle.pglite.listen(CHANNEL, deliver);
      let opened = false;
      const session = await holdSession({
        url: handle.url,
        logger,
        purpose: "job wake-ups",
        onOpen: async (client) => {
          client.on("notification", (message) => {
            if (message.channel === CHANNEL) deliver(message.payload);
          });
          await client.query(`listen ${CHANNEL}`);
          if (opened) listener(undefined);
          opened = true;
        },
      });
      return () => session.stop();
    },
  };
}
