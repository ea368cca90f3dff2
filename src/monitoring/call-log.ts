import { lt } from "drizzle-orm";
import type { Logger } from "pino";
import type { AppContext } from "../context.js";
import { platformCalls } from "../db/schema.js";
import type { PlatformCallRecord } from "../platforms/call-record.js";

/** A batch is written as soon as this many calls wait, without waiting for the interval. */
export const CALL_BATCH_SIZE = 200;
/** A batch the database refused this many times in a row is dropped: health history is not worth a growing backlog. */
const WRITE_ATTEMPTS = 3;
/** At most this many calls wait in memory while the database is away; beyond, the oldest are dropped. */
const MAX_WAITING = 20 * CALL_BATCH_SIZE;

export interface CallLog {
  /** Writes what waits now (shutdown, tests). */
  flush(): Promise<void>;
  /** Stops listening and writes what is left. */
  stop(): Promise<void>;
}

/**
 * Keeps every platform call this process makes in `platform_calls`, for platform API health.
 * The listener only pushes to an array: writing happens later, in batches, so a call is never
 * slowed or failed by its record, and a database that is away costs at most a few lost records.
 */
export function startCallLog(context: AppContext, logger: Logger): CallLog {
  let waiting: PlatformCallRecord[] = [];
  let failedAttempts = 0;
  let dropped = 0;
  let writing: Promise<void> | undefined;

  const write = async () => {
    const batch = waiting.slice(0, CALL_BATCH_SIZE);
    if (batch.length === 0) return;
    try {
      await context.db.insert(platformCalls).values(
        batch.map((call) => ({
          platform: call.platform,
          organizationId: call.organizationId ?? null,
          connectionId: call.connectionId ?? null,
          operation: call.operation,
          statusClass: call.statusClass,
          failureKind: call.failureKind ?? null,
          durationMs: call.durationMs,
          at: new Date(call.at),
          correlationId: call.correlationId ?? null,
        })),
      );
      waiting = waiting.slice(batch.length);
      failedAttempts = 0;
    } catch (error) {
      failedAttempts += 1;
      if (failedAttempts < WRITE_ATTEMPTS) {
        logger.warn({ err: error, calls: batch.length }, "platform calls not written; trying again");
        return;
      }
      waiting = waiting.slice(batch.length);
      failedAttempts = 0;
      logger.error({ err: error, calls: batch.length }, "platform calls dropped after repeated write failures");
    }
  };

  /**
   * One write at a time. A tick writes full batches and one partial one; `everything` (an
   * explicit flush) writes until nothing waits. Either stops at a refused write, left for the next tick.
   */
  const flush = (options: { everything?: boolean } = {}): Promise<void> => {
    writing ??= (async () => {
      try {
        let more = true;
        while (more) {
          const before = waiting.length;
          await write();
          const progressed = waiting.length < before;
          more = progressed && (options.everything ? waiting.length > 0 : waiting.length >= CALL_BATCH_SIZE);
        }
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  };

  const unsubscribe = context.platformCalls.subscribe((call) => {
    waiting.push(call);
    if (waiting.length > MAX_WAITING) {
      dropped += waiting.length - MAX_WAITING;
      waiting = waiting.slice(-MAX_WAITING);
    }
    if (waiting.length >= CALL_BATCH_SIZE && !writing) setImmediate(() => void flush());
  });
  // Real time, not the app's clock: how often the buffer is written is the process's own business.
  const timer = setInterval(() => {
    if (dropped > 0) {
      logger.warn({ calls: dropped }, "platform calls dropped while the database was away");
      dropped = 0;
    }
    void flush();
  }, context.config.monitoring.callFlushIntervalMs);
  timer.unref();

  return {
    flush: async () => {
      await writing;
      await flush({ everything: true });
    },
    async stop() {
      unsubscribe();
      clearInterval(timer);
      await writing;
      // Stopping waits for no retries: what the database refuses now is lost with the process.
      await flush({ everything: true });
    },
  };
}

/** Deletes calls older than the retention (PLATFORM_CALLS_RETENTION_DAYS), by the app's clock. */
export async function pruneCallLog(context: AppContext): Promise<void> {
  const cutoff = new Date(context.clock.now() - context.config.monitoring.callRetentionMs);
  await context.db.delete(platformCalls).where(lt(platformCalls.at, cutoff));
}
