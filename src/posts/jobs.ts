import type { Logger } from "pino";
import type { AppContext } from "../http/context.js";
import { queues } from "../jobs/queue.js";
import { publishTarget, sweepDueTargets, type PublishJob } from "./publish.js";

/** Publishing is polled often, so a post due now goes out within a second or two of its time. */
const PUBLISH_POLLING_SECONDS = 0.5;
const PUBLISH_BATCH = 10;

export async function startPublishJobs(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  await boss.work<PublishJob>(
    queues.publish,
    { pollingIntervalSeconds: PUBLISH_POLLING_SECONDS, batchSize: PUBLISH_BATCH },
    async (jobs) => {
      await Promise.all(
        jobs.map((job) =>
          publishTarget(context, job.data, logger).catch((error: unknown) => {
            // Not a platform answer but a fault of ours: the target stays publishing, and the due
            // sweep reconciles it once it counts as stuck, so nothing is lost or sent twice.
            logger.error({ err: error, targetId: job.data.targetId }, "publishing failed unexpectedly");
          }),
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
