import { and, eq, inArray, lte, notInArray, or } from "drizzle-orm";
import type { Logger } from "pino";
import { posts, postTargets } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { withCorrelation } from "../correlation.js";
import { possiblyLiveWorkerIds } from "../jobs/presence.js";
import { workContinuously } from "../jobs/continuous.js";
import { queues } from "../jobs/queue.js";
import { checkWait, publishTarget, takeoverGraceMs } from "./publish.js";
import { enqueuePublish, releaseClaim, type PublishJob } from "./run.js";

/** Calls in flight to one platform from one worker process, however many jobs it holds. */
const PER_PLATFORM_CONCURRENCY = 10;
/**
 * Jobs one worker process holds at once: enough to keep two platforms' slots busy with the next
 * jobs at hand, taken in fetches of at least a quarter of that, so a fetch is shared by many.
 */
const PUBLISH_CAPACITY = 4 * PER_PLATFORM_CONCURRENCY;
const PUBLISH_REFILL_AT = PER_PLATFORM_CONCURRENCY;
/** Workers are woken when a publication comes due (continuous.ts); this only catches a wake-up lost. */
const PUBLISH_SAFETY_POLL_MS = 5_000;

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

/**
 * Due targets without a job, and publications whose run ended without settling them: this
 * worker's own that no job of its is working on, those of workers that show no sign of life,
 * and unclaimed ones left publishing longer than PUBLISH_STUCK_AFTER_SECONDS. The dead
 * worker's job is failed so the queue stops counting it as running.
 */
export async function sweepTargets(
  context: AppContext,
  worker: { id: string; inFlight: ReadonlySet<string> },
): Promise<number> {
  const now = context.clock.now();
  const candidates = await context.db
    .select({
      id: postTargets.id,
      platform: postTargets.platform,
      dueAt: postTargets.dueAt,
      state: postTargets.state,
      startedAt: postTargets.publishingStartedAt,
      claimedByWorker: postTargets.claimedByWorker,
      claimedJobId: postTargets.claimedJobId,
      progress: postTargets.progress,
    })
    .from(postTargets)
    .where(
      or(
        eq(postTargets.state, "publishing"),
        // A target queued just now has its job; one whose job was lost is found a minute later.
        and(
          eq(postTargets.state, "queued"),
          lte(postTargets.dueAt, new Date(now)),
          lte(postTargets.updatedAt, new Date(now - 60_000)),
          // A draft's or an unapproved post's targets wait for a person, not for a job.
          notInArray(
            postTargets.postId,
            context.db
              .select({ id: posts.id })
              .from(posts)
              .where(inArray(posts.status, ["draft", "awaiting_approval"])),
          ),
        ),
      ),
    );
  const claimedElsewhere = candidates.some((target) => target.claimedByWorker && target.claimedByWorker !== worker.id);
  const alive = claimedElsewhere
    ? await possiblyLiveWorkerIds(context.db, { graceMs: takeoverGraceMs(context) })
    : new Set<string>();
  let sent = 0;
  for (const target of candidates) {
    const holder = target.claimedByWorker;
    const waiting = target.state === "publishing" ? checkWait(context, target) : undefined;
    if (waiting) {
      // Its check job is late or lost: another job continues it, and the claim stays with the check.
      if (!waiting.overdue) continue;
    } else if (target.state === "publishing") {
      const abandoned =
        holder === worker.id
          ? !worker.inFlight.has(target.id)
          : holder
            ? !alive.has(holder)
            : (target.startedAt?.getTime() ?? 0) < now - context.config.publishing.stuckAfterMs;
      if (!abandoned) continue;
      if (target.claimedJobId) {
        await releaseClaim(context, target.id, target.claimedJobId);
        if (holder !== worker.id)
          await context.queue.boss.fail(queues.publish, target.claimedJobId).catch(() => undefined);
      }
    }
    await enqueuePublish(
      context,
      { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
      { startAfter: new Date(now) },
    );
    sent += 1;
  }
  return sent;
}

export async function startPublishJobs(
  context: AppContext,
  worker: { id: string; logger: Logger; fence: () => AbortSignal },
): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  const { logger } = worker;
  const perPlatform = keyedSemaphore(PER_PLATFORM_CONCURRENCY);
  /** Targets a job of this worker is working on: one job per target at a time, and the sweep leaves them be. */
  const inFlight = new Set<string>();
  const publishWorker = await workContinuously<PublishJob>(
    context.queue,
    queues.publish,
    { capacity: PUBLISH_CAPACITY, refillAt: PUBLISH_REFILL_AT, safetyPollMs: PUBLISH_SAFETY_POLL_MS, logger },
    (job) =>
      withCorrelation(job.id, async () => {
        const { targetId } = job.data;
        if (inFlight.has(targetId)) return;
        inFlight.add(targetId);
        const run = { workerId: worker.id, jobId: job.id, signal: worker.fence(), logger };
        try {
          const platform = job.data.platform ?? "unknown";
          await perPlatform(platform, async () => {
            const startedAt = performance.now();
            try {
              await publishTarget(context, job.data, run);
            } finally {
              context.metrics.publishJobDuration.observe({ platform }, (performance.now() - startedAt) / 1000);
            }
          });
        } catch (error) {
          // Not a platform answer but a fault of ours or of the database: the target stays
          // publishing under this worker's claim, and this worker's next sweep has it reconciled.
          logger.error({ err: error, targetId }, "publishing failed unexpectedly");
        } finally {
          inFlight.delete(targetId);
        }
      }),
  );
  const sweep = () =>
    sweepTargets(context, { id: worker.id, inFlight })
      .then((sent) => {
        if (sent > 0) logger.info({ sent }, "due sweep enqueued publications");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "due sweep failed; trying again shortly"));
  await boss.unschedule(queues.retiredDueSweep);
  // A restarted worker picks up what a dead one left at once, then keeps looking.
  await sweep();
  const timer = setInterval(() => void sweep(), context.config.publishing.sweepIntervalMs);
  // pg-boss and the timer above wait in real time. When the clock jumps, the jobs it made due (a
  // schedule, a backoff, a rate limit's reset, a time to ask again) start now, and the sweep looks now.
  const stopListening = context.clock.onAdvance?.(() => {
    void context.queue
      .startDue(queues.publish, context.clock.now())
      .then(() => {
        publishWorker.wake();
        return sweep();
      })
      .catch((error: unknown) => logger.warn({ err: error }, "starting due publications after the clock moved failed"));
  });
  return async () => {
    stopListening?.();
    clearInterval(timer);
    await publishWorker.stop();
  };
}
