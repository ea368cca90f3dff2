import type { Logger } from "pino";
import type { AppContext } from "../context.js";
import { workContinuously } from "../jobs/continuous.js";
import { queues } from "../jobs/queue.js";
import { collectConnection } from "./collect.js";
import { dueConnections, ensureSchedules } from "./schedule.js";

/**
 * Collections one worker process runs at once. A collection mostly waits on a platform, so a few
 * overlap well on two cores; pg-boss's own `work` ran one per polling interval (2 s by default),
 * which a thousand accounts outgrow: their 15-minute reads alone come to thousands an hour.
 */
const COLLECTIONS_PER_WORKER = 4;
/** Sweeps wake the workers (continuous.ts); this only catches a wake-up lost. */
const COLLECT_SAFETY_POLL_MS = 5_000;

/**
 * A sweep each minute schedules what is new (connections, published posts) and enqueues one
 * collection per connection with something due and none waiting. Collections run on their own
 * queue, so they never take a publishing worker's turn. A worker runs a connection's collections
 * one after the other; a worker whose job finds another worker collecting the connection leaves it
 * there (that collection reads what is due; what comes due after, the next sweep enqueues), so no
 * read is made twice.
 */
export async function startAnalyticsJobs(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  const { clock } = context;

  const sweep = async () => {
    await ensureSchedules(context);
    await enqueueCollections(context, await dueConnections(context));
  };

  await boss.work(
    queues.analyticsSweep,
    { pollingIntervalSeconds: context.config.worker.pollingIntervalSeconds },
    sweep,
  );
  const collector = await workContinuously<{ connectionId: string }>(
    context.queue,
    queues.analyticsCollect,
    { capacity: COLLECTIONS_PER_WORKER, refillAt: 1, safetyPollMs: COLLECT_SAFETY_POLL_MS, logger },
    async (job) => {
      const { connectionId } = job.data;
      // A job for a connection this worker is collecting waits for that collection, then reads what came due meanwhile.
      const collected = await context.locks.runUnlessHeld(`analytics-collect:${connectionId}`, () =>
        collectConnection(context, connectionId),
      );
      logger.info(
        {
          connectionId,
          outcome: collected.ran ? collected.value : { kind: "skipped", reason: "another worker is collecting it" },
        },
        "analytics collection",
      );
    },
  );
  await boss.schedule(queues.analyticsSweep, "* * * * *");

  // The cron keeps real time: when the clock jumps, what the jump made due is swept at once.
  const stopListening = clock.onAdvance?.(() => {
    void sweep().catch((error: unknown) => logger.warn({ err: error }, "analytics sweep after the clock moved failed"));
  });

  return async () => {
    stopListening?.();
    await boss.offWork(queues.analyticsSweep);
    await collector.stop();
  };
}

/** One collection waiting per connection at most; every worker is told at once. */
export async function enqueueCollections(context: AppContext, connectionIds: readonly string[]): Promise<void> {
  if (connectionIds.length === 0) return;
  for (const connectionId of connectionIds)
    await context.queue.boss.send(
      queues.analyticsCollect,
      { connectionId },
      { singletonKey: connectionId, retryLimit: 2, retryBackoff: true },
    );
  await context.queue.announce(queues.analyticsCollect, 0);
}
