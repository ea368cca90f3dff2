import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { audited, type AuditEntry } from "../audit/audit.js";
import { delayUntil } from "../clock.js";
import type { Connection } from "../connections/store.js";
import {
  databaseErrorCode,
  transactionExecutor,
  type Database,
  type SqlExecutor,
  type Transaction,
} from "../db/client.js";
import { media, posts, postTargets, type TargetProgress } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { queues } from "../jobs/queue.js";
import { platforms } from "../platforms/index.js";
import type { OutgoingPost, StillProcessing } from "../platforms/platform.js";
import { contentOfPost, resolvedFor } from "./content.js";
import { outgoingMediaFor } from "./media-variants.js";

/**
 * What publishing and reconciling share: the job, the run that works it, and every write a run
 * makes about its target. Apart from both, so neither imports the other.
 */

export type Target = typeof postTargets.$inferSelect;
export type Post = typeof posts.$inferSelect;

export interface PublishJob {
  targetId: string;
  /** For the worker's per-platform concurrency cap. */
  platform?: string;
  /** The schedule the job was made for: a job for an edited or cancelled schedule does nothing. */
  dueAt: string;
  /** When the job may run by the app's clock, in epoch milliseconds (see Queue.startDue). */
  runAt?: number;
}

/** The wait before the nth check of media the platform is processing: seconds, growing to a minute. */
export const processingCheckDelayMs = (checks: number) => Math.min(1_000 * 2 ** (checks - 1), 60_000);

/**
 * One run of a publish job. The job's id is the claim's fencing token: every write about the
 * target is made only while the target is still claimed by this run, so a worker that was taken
 * over (presumed dead) can never overwrite what its successor found.
 */
export interface PublishRun {
  workerId: string;
  jobId: string;
  /** Aborted when the worker loses the database: it stops calling platforms. */
  signal: AbortSignal;
  logger: Logger;
}

export interface Subject {
  target: Target;
  post: Post;
  connection: Connection;
}

/** Calls the platform for what is left of the post; reconciling hands a thread found part-way back to it. */
export type Attempt = (context: AppContext, run: PublishRun, subject: Subject) => Promise<void>;

/**
 * Enqueues a target's publication; one waiting job per target and schedule. `startAfter` (the
 * schedule when absent) is a time by the app's clock; pg-boss waits by the database's, so it is
 * given the wait from now.
 */
export async function enqueuePublish(
  context: AppContext,
  job: PublishJob,
  options: { startAfter?: Date; executor?: SqlExecutor; id?: string; key?: string } = {},
) {
  const runAt = (options.startAfter ?? new Date(job.dueAt)).getTime();
  const waitMs = delayUntil(context.clock, runAt);
  await context.queue.boss.send(
    queues.publish,
    { ...job, runAt },
    {
      ...(options.id ? { id: options.id } : {}),
      singletonKey: options.key ?? `${job.targetId}:${job.dueAt}`,
      ...(waitMs > 0 ? { startAfter: waitMs / 1000 } : {}),
      retryLimit: 0,
      ...(options.executor ? { db: options.executor } : {}),
    },
  );
  await context.queue.announce(queues.publish, waitMs, options.executor);
  // The clock jumped past the time while the job was being sent, before the jump's wake-up could see it.
  if (waitMs > 0 && !options.executor && delayUntil(context.clock, runAt) === 0)
    await context.queue.startDue(queues.publish, context.clock.now());
}

/**
 * The post's status, from its targets, in one statement (it runs once per publication): all
 * published; some queued or publishing (scheduled while every one is queued for later);
 * some published; else failed. An `unknown` target waits for a person, so it is settled. A
 * draft, a post awaiting approval (no jobs: only a person moves them on) and a cancelled post
 * keep theirs.
 */
export async function refreshPostStatus(
  context: AppContext,
  postId: string,
  db: Database | Transaction = context.db,
): Promise<void> {
  const now = new Date(context.clock.now());
  const fromTargets = sql<Post["status"]>`(
    select case
      when coalesce(bool_and(t.state = 'published'), true) then 'published'
      when bool_or(t.state in ('queued', 'publishing')) then
        case when bool_and(t.state = 'queued' and t.due_at > ${now.toISOString()}::timestamptz) then 'scheduled' else 'publishing' end
      when bool_or(t.state = 'published') then 'partially_published'
      else 'failed'
    end::post_status
    from ${postTargets} t where t.post_id = ${postId})`;
  await db
    .update(posts)
    .set({ status: fromTargets, updatedAt: now })
    .where(
      and(
        eq(posts.id, postId),
        notInArray(posts.status, ["cancelled", "draft", "awaiting_approval"]),
        sql`${posts.status} is distinct from ${fromTargets}`,
      ),
    );
}

/**
 * Writes the target's new state if this run still holds it, with its audit entry in the same
 * transaction; answers false (and writes nothing) when another run has taken it over meanwhile.
 */
export async function settle(
  context: AppContext,
  run: PublishRun,
  target: Target,
  changes: Partial<typeof postTargets.$inferInsert>,
  entry?: AuditEntry,
): Promise<boolean> {
  const releases = changes.state !== undefined && changes.state !== "publishing";
  const updated = await audited(
    context.db,
    async (tx) => {
      // The post's row is locked first (as an edit does), so two targets of one post settle one
      // after the other and each computes the post's status from the other's committed state:
      // a reader never sees every target settled under a stale post status.
      await tx.select({ id: posts.id }).from(posts).where(eq(posts.id, target.postId)).for("update");
      const rows = await tx
        .update(postTargets)
        .set({
          ...changes,
          ...(releases ? { claimedByWorker: null, claimedJobId: null } : {}),
          updatedAt: new Date(context.clock.now()),
        })
        .where(and(eq(postTargets.id, target.id), eq(postTargets.claimedJobId, run.jobId)))
        .returning({ id: postTargets.id });
      if (rows.length > 0) await refreshPostStatus(context, target.postId, tx);
      return rows;
    },
    (rows) => (rows.length > 0 ? (entry ?? unknownEntry(target, changes)) : null),
  );
  if (updated.length === 0) {
    run.logger.warn({ targetId: target.id }, "another worker took this publication over; leaving it to them");
    return false;
  }
  countOutcome(context, target, changes.state);
  return true;
}

/** What a settled state counts as in the publish metrics; a target back in the queue was requeued. */
const outcomeOfState: Partial<Record<Target["state"], "published" | "failed" | "unknown" | "requeued">> = {
  published: "published",
  failed: "failed",
  unknown: "unknown",
  queued: "requeued",
};

/** Counted once the write is made, so a run that was taken over counts nothing. */
function countOutcome(context: AppContext, target: Target, state: Target["state"] | undefined) {
  const outcome = state && outcomeOfState[state];
  if (!outcome) return;
  const { publishOutcomes, publishLateness } = context.metrics;
  publishOutcomes.inc({ platform: target.platform, outcome });
  if (outcome !== "requeued")
    publishLateness.observe(
      { platform: target.platform, outcome },
      Math.max(0, (context.clock.now() - target.dueAt.getTime()) / 1000),
    );
}

/** A target left for a person to settle is worth their attention, whatever path it ended by. */
function unknownEntry(target: Target, changes: Partial<typeof postTargets.$inferInsert>): AuditEntry | null {
  if (changes.state !== "unknown") return null;
  return {
    action: "post.unknown",
    organizationId: target.organizationId,
    target: { type: "post", id: target.postId },
    details: { platform: target.platform, targetId: target.id, reason: changes.error, attempt: target.attempts },
  };
}

const isUniqueViolation = (error: unknown) => databaseErrorCode(error) === "23505";

export async function markPublished(
  context: AppContext,
  run: PublishRun,
  target: Target,
  post: Post,
  result: { remoteId: string; url: string },
) {
  try {
    await settle(
      context,
      run,
      target,
      {
        state: "published",
        remotePostId: result.remoteId,
        remoteUrl: result.url,
        publishedAt: new Date(context.clock.now()),
        error: null,
      },
      {
        action: "post.published",
        organizationId: target.organizationId,
        target: { type: "post", id: post.id },
        details: {
          platform: target.platform,
          targetId: target.id,
          remoteId: result.remoteId,
          url: result.url,
          attempt: target.attempts,
        },
      },
    );
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await settle(context, run, target, {
      state: "unknown",
      error: `The post found on the account (${result.url}) is already recorded for another post of the same text; check the account, then retry this one if it is missing.`,
    });
  }
}

export async function markFailed(context: AppContext, run: PublishRun, target: Target, post: Post, message: string) {
  // What the platform was processing is of no use to a retry: it starts afresh.
  const { processing, ...progress } = target.progress;
  await settle(
    context,
    run,
    target,
    { state: "failed", error: message, ...(processing ? { progress } : {}) },
    {
      action: "post.failed",
      organizationId: target.organizationId,
      target: { type: "post", id: post.id },
      details: { platform: target.platform, targetId: target.id, reason: message, attempt: target.attempts },
    },
  );
}

/** Back in the queue for a later try, the same schedule, so the due sweep and the retry job agree. */
export async function requeue(context: AppContext, run: PublishRun, target: Target, at: Date, reason: string) {
  if (!(await settle(context, run, target, { state: "queued", error: reason }))) return;
  await enqueuePublish(
    context,
    { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
    { startAfter: at },
  );
}

/** Another try after a failure that may pass, later each time; the last one fails the target with the truth. */
export async function retryLater(
  context: AppContext,
  run: PublishRun,
  options: { target: Target; post: Post; reason: string; finalReason: string },
) {
  const { target, post } = options;
  const partsOut = target.progress.partIds?.length ?? 0;
  if (target.attempts >= context.config.publishing.maxAttempts)
    return markFailed(
      context,
      run,
      target,
      post,
      partsOut > 0
        ? `The thread's first ${partsOut} part${partsOut === 1 ? " is" : "s are"} published (ids ${target.progress.partIds!.join(", ")}); the rest kept failing (after ${target.attempts} attempts). Delete those parts, or post the rest by hand.`
        : `${options.finalReason} (after ${target.attempts} attempts).`,
    );
  const backoffMs = Math.min(5_000 * 2 ** (target.attempts - 1), 300_000);
  return requeue(context, run, target, new Date(context.clock.now() + backoffMs), options.reason);
}

/** A thread part is on the platform: kept at once, so no later try sends it again. */
export async function recordPart(
  context: AppContext,
  run: PublishRun,
  target: Target,
  progress: { partIds: string[] },
  partId: string,
) {
  progress.partIds.push(partId);
  const updated = await context.db
    .update(postTargets)
    .set({ progress: { ...target.progress, partIds: [...progress.partIds] }, updatedAt: new Date(context.clock.now()) })
    .where(and(eq(postTargets.id, target.id), eq(postTargets.claimedJobId, run.jobId)))
    .returning({ id: postTargets.id });
  if (updated.length === 0) throw new Error("another worker took this publication over");
}

/**
 * The platform is processing what it was given: the target stays publishing with the platform's
 * state, and the claim passes to the check job in one transaction — its id becomes the fence, and
 * the job is sent with the same commit — so exactly one run may continue, and this one writes no
 * more. A crash before the commit leaves this run's claim (taken over and reconciled, then
 * continued from the state last kept); after it, the check job holds the target.
 */
export async function awaitProcessing(
  context: AppContext,
  run: PublishRun,
  target: Target,
  answer: StillProcessing["processing"],
  name: string,
): Promise<"waiting" | "overdue" | "lost"> {
  const now = context.clock.now();
  // Something new to wait for (a carousel's container after its children, containers made again
  // after they expired) has its own time; the same thing waited for again keeps the first deadline.
  const previous =
    // Compared as values: the database may hand the state back with its keys in another order.
    isDeepStrictEqual(target.progress.processing?.state, answer.state) ? target.progress.processing : undefined;
  const deadline = previous?.deadline ?? now + (answer.deadlineMs ?? context.config.publishing.processingDeadlineMs);
  if (now >= deadline) return "overdue";
  const checks = (previous?.checks ?? 0) + 1;
  const checkAt = Math.min(deadline, Math.max(answer.checkAt?.getTime() ?? 0, now + processingCheckDelayMs(checks)));
  const checkJobId = randomUUID();
  const progress: TargetProgress = {
    ...target.progress,
    processing: { state: answer.state, deadline, checks, checkAt, waitingFor: answer.waitingFor },
  };
  const passed = await context.db.transaction(async (tx) => {
    const updated = await tx
      .update(postTargets)
      .set({
        progress,
        claimedJobId: checkJobId,
        claimedByWorker: null,
        error: `${name} is processing ${answer.waitingFor}; checking again at ${new Date(checkAt).toISOString()}.`,
        updatedAt: new Date(now),
      })
      .where(and(eq(postTargets.id, target.id), eq(postTargets.claimedJobId, run.jobId)))
      .returning({ id: postTargets.id });
    if (updated.length === 0) return false;
    await enqueuePublish(
      context,
      { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
      {
        startAfter: new Date(checkAt),
        executor: transactionExecutor(tx),
        id: checkJobId,
        key: `${target.id}:${target.dueAt.toISOString()}:check:${checks}`,
      },
    );
    return true;
  });
  if (!passed) {
    run.logger.warn({ targetId: target.id }, "another worker took this publication over; leaving it to them");
    return "lost";
  }
  // Sent inside the transaction, the job could not be started early if the clock passed its time meanwhile.
  if (delayUntil(context.clock, checkAt) === 0) await context.queue.startDue(queues.publish, context.clock.now());
  return "waiting";
}

/** Lets go of a run's claim without settling the target, so any worker's next job may take it over. */
export async function releaseClaim(context: AppContext, targetId: string, jobId: string): Promise<void> {
  await context.db
    .update(postTargets)
    .set({ claimedByWorker: null, claimedJobId: null, updatedAt: new Date(context.clock.now()) })
    .where(and(eq(postTargets.id, targetId), eq(postTargets.claimedJobId, jobId)));
}

/**
 * The post as the target's platform receives it: its versions resolved over the shared post, and
 * its own options read by its profile's schema. A target's content cannot change while it is
 * publishing, so a read-back compares with what this target was sent.
 */
export async function buildOutgoing(context: AppContext, post: Post, target: Target): Promise<OutgoingPost> {
  const profile = platforms[target.platform];
  // What the claim recorded is what is sent, short links included: every attempt sends the same.
  const resolved = target.sentContent ?? resolvedFor(contentOfPost(post), target);
  const options = profile.options.parse(resolved.options);
  const referenced = profile.referencedMedia?.(options) ?? [];
  const allIds = [...new Set([...resolved.mediaIds, ...referenced])];
  const records = allIds.length ? await context.db.select().from(media).where(inArray(media.id, allIds)) : [];
  const outgoing = await outgoingMediaFor(context, records, profile.limits);
  return {
    text: resolved.content,
    link: resolved.link ?? undefined,
    media: resolved.mediaIds.flatMap((id) => outgoing.get(id) ?? []),
    options,
    mediaById: outgoing,
    publishedPartIds: target.progress.partIds ?? [],
    processing: target.progress.processing?.state,
  };
}
