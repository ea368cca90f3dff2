import { eq, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import { recordAudit } from "../audit/audit.js";
import type { PlatformId } from "../config.js";
import { apiFor, platformAccess } from "../connections/access.js";
import { describeFailure, recordFailure, refreshConnection } from "../connections/health.js";
import { connectionById, openTokens, type Connection } from "../connections/store.js";
import type { SqlExecutor } from "../db/client.js";
import { connections, media, posts, postTargets } from "../db/schema.js";
import type { AppContext } from "../http/context.js";
import { queues } from "../jobs/queue.js";
import { assertNever, PlatformError, type OutgoingPost, type RemotePost } from "../platforms/platform.js";
import { outgoingMedia } from "./media.js";
import type { PostOptions } from "./validation.js";

export type Target = typeof postTargets.$inferSelect;
export type Post = typeof posts.$inferSelect;

export interface PublishJob {
  targetId: string;
  /** For the worker's per-platform concurrency cap. */
  platform?: string;
  /** The schedule the job was made for: a job for an edited or cancelled schedule does nothing. */
  dueAt: string;
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

/** The post's status, from its targets. */
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
    : states.some((state) => state === "queued" || state === "publishing" || state === "unknown")
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

/** Marks the target publishing in a transaction before any call; finding it publishing already means a worker died mid-call. */
async function claim(context: AppContext, job: PublishJob): Promise<Claim> {
  return context.db.transaction(async (tx) => {
    const [target] = await tx.select().from(postTargets).where(eq(postTargets.id, job.targetId)).for("update");
    if (!target) return { kind: "skip", reason: "target deleted" };
    const [post] = await tx.select().from(posts).where(eq(posts.id, target.postId));
    if (!post || post.cancelledAt) return { kind: "skip", reason: "post cancelled" };
    if (target.dueAt.toISOString() !== new Date(job.dueAt).toISOString())
      return { kind: "skip", reason: "rescheduled" };
    if (target.state === "publishing" || target.state === "unknown") return { kind: "reconcile", target, post };
    if (target.state !== "queued") return { kind: "skip", reason: `already ${target.state}` };
    const [claimed] = await tx
      .update(postTargets)
      .set({
        state: "publishing",
        publishingStartedAt: new Date(),
        attempts: target.attempts + 1,
        updatedAt: new Date(),
      })
      .where(eq(postTargets.id, target.id))
      .returning();
    return { kind: "publish", target: claimed!, post };
  });
}

async function settle(context: AppContext, target: Target, changes: Partial<typeof postTargets.$inferInsert>) {
  await context.db
    .update(postTargets)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(postTargets.id, target.id));
  await refreshPostStatus(context, target.postId);
}

async function markPublished(
  context: AppContext,
  target: Target,
  post: Post,
  result: { remoteId: string; url: string },
) {
  await settle(context, target, {
    state: "published",
    remotePostId: result.remoteId,
    remoteUrl: result.url,
    publishedAt: new Date(),
    error: null,
  });
  await context.db
    .update(connections)
    .set({ lastSuccessAt: new Date() })
    .where(eq(connections.id, target.connectionId));
  await recordAudit(context.db, {
    action: "post.published",
    organizationId: target.organizationId,
    target: { type: "post", id: post.id },
    details: { platform: target.platform, remoteId: result.remoteId, url: result.url, attempt: target.attempts },
  });
}

async function markFailed(context: AppContext, target: Target, post: Post, message: string) {
  await settle(context, target, { state: "failed", error: message });
  await recordAudit(context.db, {
    action: "post.failed",
    organizationId: target.organizationId,
    target: { type: "post", id: post.id },
    details: { platform: target.platform, reason: message, attempt: target.attempts },
  });
}

/** Back in the queue for a later try, the same schedule, so the due sweep and the retry job agree. */
async function requeue(context: AppContext, target: Target, at: Date, reason: string) {
  await settle(context, target, { state: "queued", error: reason });
  await enqueuePublish(
    context,
    { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
    { startAfter: at },
  );
}

async function buildOutgoing(context: AppContext, post: Post, target: Target): Promise<OutgoingPost> {
  const options = post.options as PostOptions;
  const threadMediaIds = target.platform === "x" ? (options.threadMedia ?? []) : [];
  const allIds = [...new Set([...post.mediaIds, ...threadMediaIds.flat()])];
  const records = allIds.length ? await context.db.select().from(media).where(inArray(media.id, allIds)) : [];
  const outgoingOf = (ids: string[]) =>
    ids
      .map((id) => records.find((record) => record.id === id))
      .filter((record) => record !== undefined)
      .map((record) => outgoingMedia(context, record));
  return {
    text: post.content,
    link: post.link ?? undefined,
    media: outgoingOf(post.mediaIds),
    threadParts: target.platform === "x" ? (options.threadParts ?? []) : [],
    threadMedia: threadMediaIds.map(outgoingOf),
    publishedPartIds: target.progress.partIds ?? [],
    format:
      target.platform === "instagram"
        ? options.instagramFormat
        : target.platform === "youtube" && options.youtube?.short
          ? "short"
          : undefined,
    title: target.platform === "youtube" ? options.youtube?.title : undefined,
    privacy: target.platform === "youtube" ? options.youtube?.privacy : undefined,
  };
}

const normalize = (text: string) => text.replace(/\s+/g, " ").trim().toLowerCase();

/** A recent post on the account that is this one: same text (or, on YouTube, the title we sent). */
function findOurs(recent: RemotePost[], outgoing: OutgoingPost): RemotePost | undefined {
  const candidates = [outgoing.text, outgoing.title ?? "", outgoing.text.split("\n")[0] ?? ""]
    .map(normalize)
    .filter(Boolean);
  return recent.find((remote) =>
    candidates.some(
      (candidate) => normalize(remote.text) === candidate || normalize(remote.text).startsWith(candidate),
    ),
  );
}

function platformSetup(context: AppContext, connection: Connection) {
  const access = platformAccess(context, connection.platform as PlatformId);
  const publishing = access.definition.publishing;
  if (!publishing) throw new Error(`${connection.platform} cannot publish`);
  return { access, publishing };
}

/**
 * Asks the platform whether a call that may have landed did: found, the target is published;
 * not found, it is tried again; a platform that cannot say (Telegram) leaves it unknown.
 */
async function reconcile(
  context: AppContext,
  target: Target,
  post: Post,
  connection: Connection,
  logger: Logger,
): Promise<void> {
  const { access, publishing } = platformSetup(context, connection);
  const tokens = await openTokens(context, connection);
  if (!publishing.findRecent || !tokens) {
    await settle(context, target, {
      state: "unknown",
      error: `${access.definition.name} cannot be asked whether the post arrived. Check the account; retry it if it is missing.`,
    });
    return;
  }
  const bot = "verifyChannel" in access.definition;
  const since = new Date((target.publishingStartedAt ?? target.updatedAt).getTime() - 60_000);
  const outgoing = await buildOutgoing(context, post, target);
  const findRecent = publishing.findRecent;
  const ask = (token: string) =>
    findRecent(
      apiFor(access, bot ? undefined : token),
      { externalId: connection.externalId, details: connection.details },
      since,
      {
        ...access.platformContext,
        ...(bot ? { botToken: token } : {}),
      },
    );
  let recent: RemotePost[];
  try {
    recent = await ask(tokens.accessToken);
  } catch (error) {
    // An expired token is renewed once, as for publishing itself.
    if (!(error instanceof PlatformError) || error.failure.kind !== "token_expired") throw error;
    if ((await refreshConnection(context, connection.id, { force: true })) !== "refreshed") throw error;
    const renewed = await openTokens(context, (await connectionById(context.db, connection.id))!);
    recent = await ask(renewed!.accessToken);
  }
  const ours = findOurs(recent, outgoing);
  logger.info({ targetId: target.id, found: Boolean(ours) }, "reconciled a publication that may have landed");
  if (ours) return markPublished(context, target, post, { remoteId: ours.remoteId, url: ours.url });
  await requeue(context, target, new Date(), "The platform did not confirm the post; trying again.");
}

/** One publication: claim, call the platform, record the result; every failure kind handled. */
export async function publishTarget(context: AppContext, job: PublishJob, logger: Logger): Promise<void> {
  const claimed = await claim(context, job);
  if (claimed.kind === "skip") {
    logger.debug({ job, reason: claimed.reason }, "publish job skipped");
    return;
  }
  const { target, post } = claimed;
  const connection = await connectionById(context.db, target.connectionId);
  if (
    !connection ||
    connection.status === "disconnected" ||
    connection.status === "invalid" ||
    connection.status === "expired"
  ) {
    return markFailed(
      context,
      target,
      post,
      `The ${target.platform} account is ${connection?.status ?? "gone"}: reconnect it, then retry this post.`,
    );
  }
  if (claimed.kind === "reconcile") {
    try {
      return await reconcile(context, target, post, connection, logger);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      return requeue(context, target, new Date(Date.now() + 30_000), describeFailure(error));
    }
  }
  if (connection.status === "rate_limited" && connection.rateLimitedUntil && connection.rateLimitedUntil > new Date()) {
    return requeue(
      context,
      target,
      connection.rateLimitedUntil,
      `Waiting for the ${target.platform} rate limit to reset.`,
    );
  }
  await attempt(context, target, post, connection, logger, { refreshed: false });
}

async function attempt(
  context: AppContext,
  target: Target,
  post: Post,
  connection: Connection,
  logger: Logger,
  state: { refreshed: boolean },
): Promise<void> {
  const { access, publishing } = platformSetup(context, connection);
  const tokens = await openTokens(context, connection);
  if (!tokens)
    return markFailed(context, target, post, "The account has no token: reconnect it, then retry this post.");
  const bot = "verifyChannel" in access.definition;
  const outgoing = await buildOutgoing(context, post, target);
  const progress = { partIds: [...(target.progress.partIds ?? [])] };
  try {
    const result = await publishing.publish(
      apiFor(access, bot ? undefined : tokens.accessToken),
      { externalId: connection.externalId, details: connection.details },
      outgoing,
      { ...access.platformContext, ...(bot ? { botToken: tokens.accessToken } : {}) },
      async (partId) => {
        progress.partIds.push(partId);
        await context.db
          .update(postTargets)
          .set({ progress, updatedAt: new Date() })
          .where(eq(postTargets.id, target.id));
      },
    );
    await markPublished(context, target, post, result);
    // A spent window is respected before the next call, not discovered by a 429.
    if (result.budget && result.budget.remaining <= 0 && result.budget.resetAt > new Date()) {
      await context.db
        .update(connections)
        .set({ status: "rate_limited", rateLimitedUntil: result.budget.resetAt, updatedAt: new Date() })
        .where(eq(connections.id, connection.id));
    }
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    const current = { ...target, progress };
    const failure = error.failure;
    switch (failure.kind) {
      case "token_expired":
        if (!state.refreshed && (await refreshConnection(context, connection.id, { force: true })) === "refreshed") {
          const renewed = await connectionById(context.db, connection.id);
          return attempt(context, current, post, renewed!, logger, { refreshed: true });
        }
        await recordFailure(context, connection, error);
        return markFailed(context, current, post, describeFailure(error));
      case "token_invalid":
        await recordFailure(context, connection, error);
        return markFailed(context, current, post, describeFailure(error));
      case "rate_limited":
        await recordFailure(context, connection, error);
        return requeue(context, current, failure.retryAt, describeFailure(error));
      case "rejected":
        return markFailed(context, current, post, `${access.definition.name}: ${failure.userMessage}`);
      case "transient": {
        if (current.attempts >= context.config.publishing.maxAttempts) {
          return markFailed(
            context,
            current,
            post,
            `${access.definition.name} kept failing (${error.message}) after ${current.attempts} attempts.`,
          );
        }
        const backoffMs = Math.min(5_000 * 2 ** (current.attempts - 1), 300_000);
        return requeue(
          context,
          current,
          new Date(Date.now() + backoffMs),
          `${access.definition.name} did not answer (${error.message}); retrying.`,
        );
      }
      case "ambiguous":
        // The request may have landed: never blind-retried; the platform is asked first.
        return reconcile(context, current, post, connection, logger).catch(async (reconcileError: unknown) => {
          if (!(reconcileError instanceof PlatformError)) throw reconcileError;
          await settle(context, current, {
            state: "unknown",
            error: "The platform's answer was lost and it could not be asked yet; asking again shortly.",
          });
          await enqueuePublish(
            context,
            { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
            { startAfter: new Date(Date.now() + 30_000) },
          );
        });
      default:
        return assertNever(failure);
    }
  }
}

/** Due or stuck targets get a job: one lost between a commit and its job, or held by a dead worker. */
export async function sweepDueTargets(context: AppContext): Promise<number> {
  const now = Date.now();
  const candidates = await context.db
    .select({
      id: postTargets.id,
      platform: postTargets.platform,
      dueAt: postTargets.dueAt,
      state: postTargets.state,
      startedAt: postTargets.publishingStartedAt,
    })
    .from(postTargets)
    .innerJoin(posts, eq(posts.id, postTargets.postId))
    .where(inArray(postTargets.state, ["queued", "publishing", "unknown"]));
  let sent = 0;
  for (const target of candidates) {
    const due = target.dueAt.getTime() <= now;
    const stuck =
      target.state !== "queued" && (target.startedAt?.getTime() ?? 0) < now - context.config.publishing.stuckAfterMs;
    if ((target.state === "queued" && due) || stuck) {
      await enqueuePublish(
        context,
        { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
        { startAfter: new Date() },
      );
      sent += 1;
    }
  }
  return sent;
}
