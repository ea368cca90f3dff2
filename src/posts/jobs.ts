import type { Logger } from "pino";
import type { AppContext } from "../http/context.js";
import { queues } from "../jobs/queue.js";
import { publishTarget, sweepDueTargets, type PublishJob } from "./publish.js";

/** Publishing is polled often and in large batches, so posts due together go out together. */
const PUBLISH_POLLING_SECONDS = 0.5;
const PUBLISH_BATCH = 50;
/** Calls in flight to one platform from one worker process, whatever the batch holds. */
const PER_PLATFORM_CONCURRENCY = 10;

/** A counting semaphore per key: work beyond the cap waits for a free slot. */
function keyedSemaphore(limit: number) {
  const active = new Map<string, number>();
  const waiting = new Map<string, (() => void)[]>();
  return async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    if ((active.get(key) ?? 0) >= limit)
      await new Promise<void>((resolve) => waiting.set(key, [...(waiting.get(key) ?? []), resolve]));
    active.set(key, (active.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      active.set(key, (active.get(key) ?? 1) - 1);
      waiting.get(key)?.shift()?.();
    }
  };
}

export async function startPublishJobs(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  const perPlatform = keyedSemaphore(PER_PLATFORM_CONCURRENCY);
  await boss.work<PublishJob>(
    queues.publish,
    { pollingIntervalSeconds: PUBLISH_POLLING_SECONDS, batchSize: PUBLISH_BATCH },
    async (jobs) => {
      await Promise.all(
        jobs.map((job) =>
          perPlatform(job.data.platform ?? "unknown", () => publishTarget(context, job.data, logger)).catch(
            (error: unknown) => {
              // Not a platform answer but a fault of ours: the target stays publishing, and the due
              // sweep reconciles it once it counts as stuck, so nothing is lost or sent twice.
              logger.error({ err: error, targetId: job.data.targetId }, "publishing failed unexpectedly");
            },
          ),
        ),
      );
    },
  );
  await boss.work(
    queues.dueSweep,
    { pollingIntervalSeconds: context.config.worker.pollingIntervalSeconds },
    async () => {
      const sent = await sweepDueTargets(context);
      if (sent > 0) logger.info({ sent }, "due sweep enqueued publications");
    },
  );
  await boss.schedule(queues.dueSweep, "* * * * *");
  // A restarted worker picks up what a dead one left at once, not at the next minute.
  await boss.send(queues.dueSweep, {});
  return async () => {
    await boss.offWork(queues.publish);
    await boss.offWork(queues.dueSweep);
  };
}
