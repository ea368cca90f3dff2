import { and, eq, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import { recordAudit } from "../audit/audit.js";
import { platforms } from "../platforms/index.js";
import type { PlatformId, PostOptions } from "../platforms/profiles.js";
import { platformAccess } from "../connections/access.js";
import { describeFailure, recordFailure, recordSuccess, withFreshToken } from "../connections/health.js";
import { connectionById, type Connection } from "../connections/store.js";
import type { SqlExecutor } from "../db/client.js";
import { connections, media, posts, postTargets } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { possiblyLiveWorkerIds } from "../jobs/presence.js";
import { queues } from "../jobs/queue.js";
import { assertNever, PlatformError, type OutgoingPost, type PublishResult } from "../platforms/platform.js";
import { outgoingMedia } from "./media.js";
import { reconcile } from "./reconcile.js";

export type Target = typeof postTargets.$inferSelect;
export type Post = typeof posts.$inferSelect;

export interface PublishJob {
  targetId: string;
  /** For the worker's per-platform concurrency cap. */
  platform?: string;
  /** The schedule the job was made for: a job for an edited or cancelled schedule does nothing. */
  dueAt: string;
}

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

/** Enqueues a target's publication; one waiting job per target and schedule. */
export async function enqueuePublish(
  context: AppContext,
  job: PublishJob,
  options: { startAfter?: Date; executor?: SqlExecutor } = {},
) {
  await context.queue.boss.send(queues.publish, job, {
    singletonKey: `${job.targetId}:${job.dueAt}`,
    startAfter: options.startAfter ?? new Date(job.dueAt),
    retryLimit: 0,
    ...(options.executor ? { db: options.executor } : {}),
  });
}

/** The post's status, from its targets. An `unknown` target waits for a person, so it is settled. */
export async function refreshPostStatus(context: AppContext, postId: string): Promise<void> {
  const [post] = await context.db.select().from(posts).where(eq(posts.id, postId));
  if (!post || post.status === "cancelled") return;
  const targets = await context.db
    .select({ state: postTargets.state, dueAt: postTargets.dueAt })
    .from(postTargets)
    .where(eq(postTargets.postId, postId));
  const states = targets.map((target) => target.state);
  const status: Post["status"] = states.every((state) => state === "published")
    ? "published"
    : states.some((state) => state === "queued" || state === "publishing")
      ? targets.every((target) => target.state === "queued" && target.dueAt > new Date())
        ? "scheduled"
        : "publishing"
      : states.some((state) => state === "published")
        ? "partially_published"
        : "failed";
  if (status !== post.status)
    await context.db.update(posts).set({ status, updatedAt: new Date() }).where(eq(posts.id, postId));
}

type Claim = { kind: "skip"; reason: string } | { kind: "publish" | "reconcile"; target: Target; post: Post };

/**
 * Marks the target publishing, under this run's claim, in a transaction before any call. A
 * target found publishing already was left by a run that ended without settling it (its worker
 * died, or this worker's earlier run failed): it is taken over and reconciled first, unless its
 * worker may still be alive.
 */
async function claim(context: AppContext, job: PublishJob, run: PublishRun): Promise<Claim> {
  return context.db.transaction(async (tx) => {
    const [target] = await tx.select().from(postTargets).where(eq(postTargets.id, job.targetId)).for("update");
    if (!target) return { kind: "skip", reason: "target deleted" };
    const [post] = await tx.select().from(posts).where(eq(posts.id, target.postId));
    if (!post || post.cancelledAt) return { kind: "skip", reason: "post cancelled" };
    if (target.dueAt.toISOString() !== new Date(job.dueAt).toISOString())
      return { kind: "skip", reason: "rescheduled" };
    const claimedBy = { claimedByWorker: run.workerId, claimedJobId: run.jobId, updatedAt: new Date() };
    if (target.state === "publishing") {
      if (!(await mayTakeOver(context, target, run))) return { kind: "skip", reason: "held by a live worker" };
      const [taken] = await tx.update(postTargets).set(claimedBy).where(eq(postTargets.id, target.id)).returning();
      return { kind: "reconcile", target: taken!, post };
    }
    if (target.state !== "queued") return { kind: "skip", reason: `already ${target.state}` };
    const [claimed] = await tx
      .update(postTargets)
      .set({ ...claimedBy, state: "publishing", publishingStartedAt: new Date(), attempts: target.attempts + 1 })
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
  const alive = await possiblyLiveWorkerIds(context.db, { seenSince: new Date(Date.now() - takeoverGraceMs(context)) });
  return !alive.has(holder);
}

/**
 * Writes the target's new state if this run still holds it; answers false (and writes nothing)
 * when another run has taken it over meanwhile.
 */
export async function settle(
  context: AppContext,
  run: PublishRun,
  target: Target,
  changes: Partial<typeof postTargets.$inferInsert>,
): Promise<boolean> {
  const releases = changes.state !== undefined && changes.state !== "publishing";
  const updated = await context.db
    .update(postTargets)
    .set({
      ...changes,
      ...(releases ? { claimedByWorker: null, claimedJobId: null } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(postTargets.id, target.id), eq(postTargets.claimedJobId, run.jobId)))
    .returning({ id: postTargets.id });
  if (updated.length === 0) {
    run.logger.warn({ targetId: target.id }, "another worker took this publication over; leaving it to them");
    return false;
  }
  await refreshPostStatus(context, target.postId);
  return true;
}

function isUniqueViolation(error: unknown): boolean {
  for (let cause = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if ((cause as { code?: string }).code === "23505") return true;
  }
  return false;
}

export async function markPublished(
  context: AppContext,
  run: PublishRun,
  target: Target,
  post: Post,
  result: { remoteId: string; url: string },
) {
  try {
    const settled = await settle(context, run, target, {
      state: "published",
      remotePostId: result.remoteId,
      remoteUrl: result.url,
      publishedAt: new Date(),
      error: null,
    });
    if (!settled) return;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await settle(context, run, target, {
      state: "unknown",
      error: `The post found on the account (${result.url}) is already recorded for another post of the same text; check the account, then retry this one if it is missing.`,
    });
    return;
  }
  await recordAudit(context.db, {
    action: "post.published",
    organizationId: target.organizationId,
    target: { type: "post", id: post.id },
    details: { platform: target.platform, remoteId: result.remoteId, url: result.url, attempt: target.attempts },
  });
}

export async function markFailed(context: AppContext, run: PublishRun, target: Target, post: Post, message: string) {
  if (!(await settle(context, run, target, { state: "failed", error: message }))) return;
  await recordAudit(context.db, {
    action: "post.failed",
    organizationId: target.organizationId,
    target: { type: "post", id: post.id },
    details: { platform: target.platform, reason: message, attempt: target.attempts },
  });
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
  return requeue(context, run, target, new Date(Date.now() + backoffMs), options.reason);
}

/** The post as the target's platform receives it: its own options, read by its profile's schema. */
export async function buildOutgoing(context: AppContext, post: Post, target: Target): Promise<OutgoingPost> {
  const profile = platforms[target.platform as PlatformId];
  const options = profile.options.parse((post.options as PostOptions)[profile.id] ?? {});
  const referenced = profile.referencedMedia?.(options) ?? [];
  const allIds = [...new Set([...post.mediaIds, ...referenced])];
  const records = allIds.length ? await context.db.select().from(media).where(inArray(media.id, allIds)) : [];
  const outgoing = new Map(records.map((record) => [record.id, outgoingMedia(context, record)]));
  return {
    text: post.content,
    link: post.link ?? undefined,
    media: post.mediaIds.flatMap((id) => outgoing.get(id) ?? []),
    options,
    mediaById: outgoing,
    publishedPartIds: target.progress.partIds ?? [],
  };
}

/** One publication: claim, call the platform, record the result; every failure kind handled. */
export async function publishTarget(context: AppContext, job: PublishJob, run: PublishRun): Promise<void> {
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
  if (claimed.kind === "reconcile") return reconcile(context, run, { target, post, connection });
  if (connection.status === "rate_limited" && connection.rateLimitedUntil && connection.rateLimitedUntil > new Date()) {
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
export async function attempt(
  context: AppContext,
  run: PublishRun,
  subject: { target: Target; post: Post; connection: Connection },
): Promise<void> {
  const { target, post, connection } = subject;
  const access = platformAccess(context, connection.platform as PlatformId);
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
    if (!(error instanceof PlatformError)) throw error;
    return handleFailure(context, run, { target: { ...target, progress }, post, connection }, error);
  }
  await markPublished(context, run, target, post, result);
  await recordPublishSuccess(context, connection, result);
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
    .set({ progress: { partIds: [...progress.partIds] }, updatedAt: new Date() })
    .where(and(eq(postTargets.id, target.id), eq(postTargets.claimedJobId, run.jobId)))
    .returning({ id: postTargets.id });
  if (updated.length === 0) throw new Error("another worker took this publication over");
}

/** A post went out: the token works, and a spent window is respected before the next call, not discovered by a 429. */
async function recordPublishSuccess(context: AppContext, connection: Connection, result: PublishResult) {
  const { budget } = result;
  if (budget && budget.remaining <= 0 && budget.resetAt > new Date()) {
    await context.db
      .update(connections)
      .set({
        status: "rate_limited",
        rateLimitedUntil: budget.resetAt,
        lastSuccessAt: new Date(),
        updatedAt: new Date(),
      })
      .where(eq(connections.id, connection.id));
    return;
  }
  const current = await connectionById(context.db, connection.id);
  if (current && current.status !== "healthy" && current.status !== "disconnected")
    return recordSuccess(context, current);
  await context.db.update(connections).set({ lastSuccessAt: new Date() }).where(eq(connections.id, connection.id));
}

async function handleFailure(
  context: AppContext,
  run: PublishRun,
  subject: { target: Target; post: Post; connection: Connection },
  error: PlatformError,
): Promise<void> {
  const { target, post, connection } = subject;
  const name = platformAccess(context, connection.platform as PlatformId).definition.name;
  const failure = error.failure;
  switch (failure.kind) {
    case "token_expired":
    case "token_invalid":
      await recordFailure(context, connection, error);
      return markFailed(context, run, target, post, describeFailure(error));
    case "rate_limited":
      await recordFailure(context, connection, error);
      return requeue(context, run, target, failure.retryAt, describeFailure(error));
    case "rejected":
      return markFailed(context, run, target, post, `${name}: ${failure.userMessage}`);
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
      return reconcile(context, run, subject);
    default:
      return assertNever(failure);
  }
}

/** Lets go of a run's claim without settling the target, so any worker's next job may take it over. */
export async function releaseClaim(context: AppContext, targetId: string, jobId: string): Promise<void> {
  await context.db
    .update(postTargets)
    .set({ claimedByWorker: null, claimedJobId: null, updatedAt: new Date() })
    .where(and(eq(postTargets.id, targetId), eq(postTargets.claimedJobId, jobId)));
}
