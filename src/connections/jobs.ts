import { and, eq, inArray, isNotNull, lt, ne } from "drizzle-orm";
import type { Logger } from "pino";
import { connections } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { queues } from "../jobs/queue.js";
import { checkConnection, refreshConnection } from "./health.js";

/** Connections whose token expires within the refresh margin and that can be refreshed. */
export async function connectionsDueForRefresh(context: AppContext): Promise<string[]> {
  const rows = await context.db
    .select({ id: connections.id })
    .from(connections)
    .where(
      and(
        inArray(connections.status, ["healthy", "rate_limited", "expired"]),
        isNotNull(connections.refreshTokenCiphertext),
        lt(connections.tokenExpiresAt, new Date(context.clock.now() + context.config.connections.refreshAheadMs)),
      ),
    );
  return rows.map((row) => row.id);
}

/** Connections whose rate limit has reset: a check proves them healthy again rather than waiting for a post. */
export async function connectionsPastTheirLimit(context: AppContext): Promise<string[]> {
  const rows = await context.db
    .select({ id: connections.id })
    .from(connections)
    .where(
      and(eq(connections.status, "rate_limited"), lt(connections.rateLimitedUntil, new Date(context.clock.now()))),
    );
  return rows.map((row) => row.id);
}

export async function activeConnections(context: AppContext): Promise<string[]> {
  const rows = await context.db
    .select({ id: connections.id })
    .from(connections)
    .where(ne(connections.status, "disconnected"));
  return rows.map((row) => row.id);
}

/** Every N minutes as cron: pg-boss schedules by minute at the finest. */
function everyMinutes(minutes: number): string {
  return minutes <= 1 ? "* * * * *" : minutes < 60 ? `*/${minutes} * * * *` : "0 * * * *";
}

/**
 * A sweep each minute enqueues a refresh per connection that is due (one waiting and one running
 * per connection at most) and a check per connection whose rate limit has reset; another sweep
 * enqueues health checks. Workers run them.
 */
export async function startConnectionJobs(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  const { clock } = context;
  const { healthCheckIntervalMs } = context.config.connections;
  const pollingIntervalSeconds = context.config.worker.pollingIntervalSeconds;
  const enqueue = async (queue: string, ids: string[]) => {
    for (const connectionId of ids)
      await boss.send(queue, { connectionId }, { singletonKey: connectionId, retryLimit: 3, retryBackoff: true });
  };
  const sweepRefreshes = async () => {
    await enqueue(queues.refresh, await connectionsDueForRefresh(context));
    await enqueue(queues.check, await connectionsPastTheirLimit(context));
  };
  let healthSweptAt = clock.now();
  const sweepHealth = async () => {
    healthSweptAt = clock.now();
    await enqueue(queues.check, await activeConnections(context));
  };

  await boss.work(queues.refreshSweep, { pollingIntervalSeconds }, sweepRefreshes);
  await boss.work(queues.healthSweep, { pollingIntervalSeconds }, sweepHealth);
  const refreshWorker = await boss.work<{ connectionId: string }>(
    queues.refresh,
    { pollingIntervalSeconds, batchSize: 5 },
    async (jobs) => {
      for (const job of jobs) {
        const outcome = await refreshConnection(context, job.data.connectionId);
        logger.info({ connectionId: job.data.connectionId, outcome }, "connection refresh");
      }
    },
  );
  const checkWorker = await boss.work<{ connectionId: string }>(
    queues.check,
    { pollingIntervalSeconds, batchSize: 5 },
    async (jobs) => {
      for (const job of jobs) await checkConnection(context, job.data.connectionId);
    },
  );
  await boss.schedule(queues.refreshSweep, everyMinutes(1));
  await boss.schedule(queues.healthSweep, everyMinutes(Math.round(healthCheckIntervalMs / 60_000)));

  // The crons keep real time. When the clock jumps, what the jump made due (a token inside its
  // refresh margin, a rate limit past its reset, a health check) is swept and worked at once.
  const stopListening = clock.onAdvance?.(() => {
    void (async () => {
      await sweepRefreshes();
      if (clock.now() - healthSweptAt >= healthCheckIntervalMs) await sweepHealth();
      boss.notifyWorker(refreshWorker);
      boss.notifyWorker(checkWorker);
    })().catch((error: unknown) => logger.warn({ err: error }, "connection sweep after the clock moved failed"));
  });

  return async () => {
    stopListening?.();
    for (const queue of [queues.refreshSweep, queues.healthSweep, queues.refresh, queues.check])
      await boss.offWork(queue);
  };
}
