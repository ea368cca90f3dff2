import { setTimeout } from "node:timers/promises";
import { and, eq } from "drizzle-orm";
import { delayUntil } from "../clock.js";
import { platformAccess } from "../connections/access.js";
import { describeFailure, recordFailure, recordSuccess, withFreshToken } from "../connections/health.js";
import { connectionById, type Connection } from "../connections/store.js";
import { connections, posts, postTargets } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { possiblyLiveWorkerIds } from "../jobs/presence.js";
import { assertNever, PlatformError, StillProcessing, type PublishResult } from "../platforms/platform.js";
import { linkedPost, sendableContent, syncPostLinks } from "../links/store.js";
import { contentOfPost } from "./content.js";
import { reconcile } from "./reconcile.js";
import {
  awaitProcessing,
  buildOutgoing,
  markFailed,
  markPublished,
  recordPart,
  requeue,
  retryLater,
  type Post,
  type PublishJob,
  type PublishRun,
  type Subject,
  type Target,
} from "./run.js";

// What the posts' routes use, from the module they know publishing by.
export { enqueuePublish, refreshPostStatus } from "./run.js";

type Claim = { kind: "skip"; reason: string } | { kind: "publish" | "reconcile"; target: Target; post: Post };

/**
 * A target whose platform is processing its media is held by its check job (the job's id is the
 * fence) and no worker: no run has called the platform since the state was kept, so continuing
 * from it is safe. The check job continues it when it comes; once the check is overdue by as long
 * as a live worker may stay silent (the job was lost, or is stuck behind a busy worker), any job
 * may. Answers undefined for a target that is not waiting for a check.
 */
export function checkWait(
  context: AppContext,
  target: Pick<Target, "claimedByWorker" | "claimedJobId" | "progress">,
): { checkJobId: string; overdue: boolean } | undefined {
  const processing = target.progress.processing;
  if (target.claimedByWorker || target.claimedJobId === null || !processing) return undefined;
  return {
    checkJobId: target.claimedJobId,
    overdue: processing.checkAt + takeoverGraceMs(context) <= context.clock.now(),
  };
}

/**
 * Marks the target publishing, under this run's claim, in a transaction before any call. A
 * target found publishing already was left by a run that ended without settling it (its worker
 * died, or this worker's earlier run failed): it is taken over and reconciled first, unless its
 * worker may still be alive.
 */
async function claim(context: AppContext, job: PublishJob, run: PublishRun): Promise<Claim> {
  return context.db.transaction(async (tx) => {
    const [found] = await tx
      .select({ target: postTargets, post: posts })
      .from(postTargets)
      .leftJoin(posts, eq(posts.id, postTargets.postId))
      .where(eq(postTargets.id, job.targetId))
      .for("update", { of: postTargets });
    if (!found) return { kind: "skip", reason: "target deleted" };
    const { target, post } = found;
    if (!post || post.cancelledAt) return { kind: "skip", reason: "post cancelled" };
    if (post.status === "draft" || post.status === "awaiting_approval")
      return { kind: "skip", reason: `post is ${post.status}` };
    if (target.dueAt.toISOString() !== new Date(job.dueAt).toISOString())
      return { kind: "skip", reason: "rescheduled" };
    const now = new Date(context.clock.now());
    const claimedBy = { claimedByWorker: run.workerId, claimedJobId: run.jobId, updatedAt: now };
    const waiting = target.state === "publishing" ? checkWait(context, target) : undefined;
    if (waiting) {
      if (waiting.checkJobId !== run.jobId && !waiting.overdue)
        return { kind: "skip", reason: "waiting for its processing check" };
      // Nothing was called since the platform's state was kept: continue from it, no reconciling.
      const [held] = await tx.update(postTargets).set(claimedBy).where(eq(postTargets.id, target.id)).returning();
      return { kind: "publish", target: held!, post };
    }
    if (target.state === "publishing") {
      if (!(await mayTakeOver(context, target, run))) return { kind: "skip", reason: "held by a live worker" };
      const [taken] = await tx.update(postTargets).set(claimedBy).where(eq(postTargets.id, target.id)).returning();
      return { kind: "reconcile", target: taken!, post };
    }
    if (target.state !== "queued") return { kind: "skip", reason: `already ${target.state}` };
    // Posts saved before tracking was turned on, or imported, get their short links with their first claim.
    if (target.attempts === 0) await syncPostLinks(tx, context, linkedPost(post), [target]);
    const [claimed] = await tx
      .update(postTargets)
      .set({
        ...claimedBy,
        state: "publishing",
        publishingStartedAt: now,
        attempts: target.attempts + 1,
        sentContent: await sendableContent(tx, contentOfPost(post), target),
      })
      .where(eq(postTargets.id, target.id))
      .returning();
    return { kind: "publish", target: claimed!, post };
  });
}

/** Grace beyond a worker's last sign of life before its publications are taken from it. */
export function takeoverGraceMs(context: AppContext): number {
  return Math.max(context.config.worker.staleAfterMs, context.config.platformTimeoutMs);
}

async function mayTakeOver(context: AppContext, target: Target, run: PublishRun): Promise<boolean> {
  const holder = target.claimedByWorker;
  // This worker's own claim: the job loop runs one job per target at a time, so no run of ours holds it.
  if (!holder || holder === run.workerId) return true;
  const alive = await possiblyLiveWorkerIds(context.db, { graceMs: takeoverGraceMs(context) });
  return !alive.has(holder);
}

/** One publication: claim, call the platform, record the result; every failure kind handled. */
export async function publishTarget(context: AppContext, job: PublishJob, run: PublishRun): Promise<void> {
  // pg-boss starts a job by the database's time, from a wait counted off its sending transaction's
  // start, so it may come a few milliseconds before its time by the app's clock: never publish early.
  const earlyMs = job.runAt === undefined ? 0 : delayUntil(context.clock, job.runAt);
  if (earlyMs > 0) await setTimeout(earlyMs);
  const claimed = await claim(context, job, run);
  if (claimed.kind === "skip") {
    run.logger.debug({ job, reason: claimed.reason }, "publish job skipped");
    return;
  }
  const { target, post } = claimed;
  const connection = await connectionById(context.db, target.connectionId);
  if (!connection || connection.status === "disconnected" || connection.status === "invalid") {
    return markFailed(
      context,
      run,
      target,
      post,
      `The ${target.platform} account is ${connection?.status ?? "gone"}: reconnect it, then retry this post.`,
    );
  }
  if (claimed.kind === "reconcile") return reconcile(context, run, { target, post, connection }, attempt);
  if (
    connection.status === "rate_limited" &&
    connection.rateLimitedUntil &&
    connection.rateLimitedUntil.getTime() > context.clock.now()
  ) {
    return requeue(
      context,
      run,
      target,
      connection.rateLimitedUntil,
      `Waiting for the ${target.platform} rate limit to reset.`,
    );
  }
  await attempt(context, run, { target, post, connection });
}

/** Calls the platform for what is left of the post (all of it, or a thread's remaining parts). */
async function attempt(context: AppContext, run: PublishRun, subject: Subject): Promise<void> {
  const { target, post, connection } = subject;
  const access = platformAccess(context, connection.platform);
  const publishing = access.definition.publishing;
  if (!publishing) return markFailed(context, run, target, post, `${access.definition.name} cannot publish.`);
  const outgoing = await buildOutgoing(context, post, target);
  const progress = { partIds: [...(target.progress.partIds ?? [])] };
  const account = { externalId: connection.externalId, details: connection.details };
  let result: PublishResult;
  try {
    result = await withFreshToken(context, connection, { signal: run.signal }, ({ api, context: platformContext }) =>
      publishing.publish(
        api,
        account,
        { ...outgoing, publishedPartIds: [...progress.partIds] },
        platformContext,
        (partId) => recordPart(context, run, target, progress, partId),
      ),
    );
  } catch (error) {
    if (error instanceof StillProcessing) return awaitPlatform(context, run, subject, error);
    if (!(error instanceof PlatformError)) throw error;
    return handleFailure(
      context,
      run,
      { target: { ...target, progress: { ...target.progress, ...progress } }, post, connection },
      error,
    );
  }
  await markPublished(context, run, target, post, result);
  await recordPublishSuccess(context, connection, result);
}

/** The platform is processing the media: a check job continues later; past the deadline, nothing was published. */
async function awaitPlatform(context: AppContext, run: PublishRun, subject: Subject, answer: StillProcessing) {
  const { target, post } = subject;
  const name = platformAccess(context, subject.connection.platform).definition.name;
  const outcome = await awaitProcessing(context, run, target, answer.processing, name);
  if (outcome !== "overdue") return;
  return markFailed(
    context,
    run,
    target,
    post,
    `${name} was still processing ${answer.processing.waitingFor} when its time was up; nothing was published. Retry the post to send it again.`,
  );
}

/** A post went out: the token works, and a spent window is respected before the next call, not discovered by a 429. */
async function recordPublishSuccess(context: AppContext, connection: Connection, result: PublishResult) {
  const { budget } = result;
  const now = new Date(context.clock.now());
  if (budget && budget.remaining <= 0 && budget.resetAt > now) {
    await context.db
      .update(connections)
      .set({ status: "rate_limited", rateLimitedUntil: budget.resetAt, lastSuccessAt: now, updatedAt: now })
      .where(eq(connections.id, connection.id));
    return;
  }
  // The usual case, a connection without trouble, in one statement; any other is read and judged.
  const [noted] = await context.db
    .update(connections)
    .set({ lastSuccessAt: now })
    .where(and(eq(connections.id, connection.id), eq(connections.status, "healthy"), eq(connections.errorCount, 0)))
    .returning({ id: connections.id });
  if (noted) return;
  const current = await connectionById(context.db, connection.id);
  // A connection that had errors (even one still healthy after transient ones) has them resolved by this success.
  if (current && current.status !== "disconnected" && (current.status !== "healthy" || current.errorCount > 0))
    return recordSuccess(context, current);
  await context.db.update(connections).set({ lastSuccessAt: now }).where(eq(connections.id, connection.id));
}

async function handleFailure(
  context: AppContext,
  run: PublishRun,
  subject: Subject,
  error: PlatformError,
): Promise<void> {
  const { target, post, connection } = subject;
  const name = platformAccess(context, connection.platform).definition.name;
  const failure = error.failure;
  switch (failure.kind) {
    case "token_expired":
    case "token_invalid":
      await recordFailure(context, connection, error);
      return markFailed(context, run, target, post, describeFailure(error));
    case "rate_limited":
      await recordFailure(context, connection, error);
      return requeue(context, run, target, failure.retryAt, describeFailure(error));
    case "rejected": {
      const refusal = () => markFailed(context, run, target, post, `${name}: ${failure.userMessage}`);
      // A post the platform already has may be an earlier attempt of ours whose answer was lost.
      if (failure.duplicate && target.attempts > 1) return reconcile(context, run, subject, attempt, refusal);
      return refusal();
    }
    case "transient":
      await recordFailure(context, connection, error);
      return retryLater(context, run, {
        target,
        post,
        reason: `${name} did not answer (${error.message}); retrying.`,
        finalReason: `${name} kept failing (${error.message})`,
      });
    case "ambiguous":
      // The request may have landed: never blind-retried; the platform is asked first.
      return reconcile(context, run, subject, attempt);
    default:
      return assertNever(failure);
  }
}
