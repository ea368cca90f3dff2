import type { Logger } from "pino";
import type { AppContext } from "../context.js";
import { queues } from "../jobs/queue.js";
import { collectConnection } from "./collect.js";
import { dueConnections, ensureSchedules } from "./schedule.js";

/**
 * A sweep each minute schedules what is new (connections, published posts) and enqueues one
 * collection per connection with something due (one waiting per connection at most). Collections
 * run one at a time per worker on their own queue, so they never take a publishing worker's turn.
 */
export async function startAnalyticsJobs(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  const { clock } = context;
  const pollingIntervalSeconds = context.config.worker.pollingIntervalSeconds;

  const sweep = async () => {
    await ensureSchedules(context);
    for (const connectionId of await dueConnections(context)) await enqueueCollection(context, connectionId);
  };

  await boss.work(queues.analyticsSweep, { pollingIntervalSeconds }, sweep);
  const collector = await boss.work<{ connectionId: string }>(
    queues.analyticsCollect,
    { pollingIntervalSeconds, batchSize: 1 },
    async ([job]) => {
      if (!job) return;
      const outcome = await collectConnection(context, job.data.connectionId);
      logger.info({ connectionId: job.data.connectionId, outcome }, "analytics collection");
    },
  );
  await boss.schedule(queues.analyticsSweep, "* * * * *");

  // The cron keeps real time: when the clock jumps, what the jump made due is swept at once.
  const stopListening = clock.onAdvance?.(() => {
    void sweep()
      .then(() => boss.notifyWorker(collector))
      .catch((error: unknown) => logger.warn({ err: error }, "analytics sweep after the clock moved failed"));
  });

  return async () => {
    stopListening?.();
    for (const queue of [queues.analyticsSweep, queues.analyticsCollect]) await boss.offWork(queue);
  };
}

/** One collection of a connection waiting at most. */
export async function enqueueCollection(context: AppContext, connectionId: string): Promise<void> {
  await context.queue.boss.send(
    queues.analyticsCollect,
    { connectionId },
    { singletonKey: connectionId, retryLimit: 2, retryBackoff: true },
  );
}
