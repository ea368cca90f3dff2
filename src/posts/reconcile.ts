import { and, eq, inArray, ne, or, sql } from "drizzle-orm";
import { platformAccess } from "../connections/access.js";
import { describeFailure, recordFailure, withFreshToken } from "../connections/health.js";
import type { Connection } from "../connections/store.js";
import { connections, postTargets } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { PlatformError, type PublishedSearch, type RemotePost } from "../platforms/platform.js";
import {
  buildOutgoing,
  enqueuePublish,
  markPublished,
  recordPart,
  retryLater,
  settle,
  type Attempt,
  type PublishRun,
  type Subject,
  type Target,
} from "./run.js";

/** Platforms and workers keep different clocks: a post may carry a time a little before our claim. */
const CLOCK_SKEW_MS = 60_000;
/** When the platform cannot be asked right now, how soon to ask again. */
const ASK_AGAIN_MS = 30_000;

/**
 * Asks the platform whether a call that may have landed did, and settles the target on the
 * answer: exactly one post on the account that is this one (and no other target's) — it is ours;
 * none — it never arrived, so it is sent again; several — a person must look, since guessing
 * could mark a post published that never was. A thread is reconciled part by part and then
 * continued, by `carryOn`, from the first part that is missing.
 */
export async function reconcile(
  context: AppContext,
  run: PublishRun,
  subject: Subject,
  carryOn: Attempt,
  /** What to do when the platform is found not to have the post; by default, send it again. */
  whenAbsent?: () => Promise<void>,
): Promise<void> {
  const { target, post, connection } = subject;
  const definition = platformAccess(context, connection.platform).definition;
  const findPublished = definition.publishing?.findPublished;
  if (!findPublished) {
    await settle(context, run, target, {
      state: "unknown",
      error: `${definition.name}'s answer was lost, and ${definition.name} cannot be asked whether the post arrived. Check the account, then retry this post if it is missing.`,
    });
    return;
  }
  // Any earlier attempt may have landed too, not only the last: search from when the post fell due.
  const firstPossible = Math.min(target.dueAt.getTime(), (target.publishingStartedAt ?? target.updatedAt).getTime());
  const since = new Date(firstPossible - CLOCK_SKEW_MS);
  const outgoing = await buildOutgoing(context, post, target);
  const account = { externalId: connection.externalId, details: connection.details };
  let search: PublishedSearch;
  try {
    search = await withFreshToken(context, connection, { signal: run.signal }, ({ api, context: platformContext }) =>
      findPublished(api, account, outgoing, since, platformContext),
    );
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    // A refused read stays refused: asking again only delays a person, and sending again could post twice.
    if (error.failure.kind === "rejected") {
      await settle(context, run, target, {
        state: "unknown",
        error: `${definition.name}'s answer was lost, and it would not let us check whether the post arrived: ${error.failure.userMessage}`,
      });
      return;
    }
    return cannotAskNow(context, run, { target, connection, error });
  }

  const candidates = await unclaimed(context, { target, connection }, search.found);
  run.logger.info(
    { targetId: target.id, matching: search.found.length, unclaimed: candidates.length, complete: search.complete },
    "reconciled a publication that may have landed",
  );
  if (candidates.length > 1) {
    await settle(context, run, target, {
      state: "unknown",
      error: `The platform's answer was lost, and ${candidates.length} posts on the account match this one (${candidates.map((candidate) => candidate.url).join(", ")}); it cannot tell which is this post. Check the account, then retry this post if it is missing.`,
    });
    return;
  }
  const [ours] = candidates;
  if (ours && (definition.postCount?.(outgoing.options) ?? 1) > 1) {
    const progress = { partIds: [...(target.progress.partIds ?? [])] };
    await recordPart(context, run, target, progress, ours.remoteId);
    return carryOn(context, run, { target: { ...target, progress }, post, connection });
  }
  if (ours) return markPublished(context, run, target, post, ours);
  if (!search.complete) {
    await settle(context, run, target, {
      state: "unknown",
      error: `The platform's answer was lost, and the account has more posts since then than ${definition.name} lets us read back, so it cannot tell whether this one arrived. Check the account, then retry this post if it is missing.`,
    });
    return;
  }
  if (whenAbsent) return whenAbsent();
  return retryLater(context, run, {
    target,
    post,
    reason: `${definition.name} lost its answer and does not have the post; sending it again.`,
    finalReason: `${definition.name} kept failing and does not have the post`,
  });
}

/**
 * Found posts that no other target already is (as its post or a thread part) on the same account,
 * through any connection to it: two organizations may manage one Page.
 */
async function unclaimed(
  context: AppContext,
  subject: { target: Target; connection: Connection },
  found: RemotePost[],
): Promise<RemotePost[]> {
  const { target, connection } = subject;
  if (found.length === 0) return [];
  const ids = found.map((post) => post.remoteId);
  const idArray = sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::text[]`;
  const taken = await context.db
    .select({ remotePostId: postTargets.remotePostId, progress: postTargets.progress })
    .from(postTargets)
    .where(
      and(
        inArray(
          postTargets.connectionId,
          context.db
            .select({ id: connections.id })
            .from(connections)
            .where(
              and(eq(connections.platform, connection.platform), eq(connections.externalId, connection.externalId)),
            ),
        ),
        ne(postTargets.id, target.id),
        or(inArray(postTargets.remotePostId, ids), sql`${postTargets.progress} -> 'partIds' ?| ${idArray}`),
      ),
    );
  const takenIds = new Set(taken.flatMap((other) => [other.remotePostId, ...(other.progress.partIds ?? [])]));
  return found.filter((post) => !takenIds.has(post.remoteId));
}

/**
 * The platform could not be asked: the target stays publishing (it may be on the platform) and
 * is asked again later by whichever worker is free; a grant that is gone leaves it to a person.
 */
async function cannotAskNow(
  context: AppContext,
  run: PublishRun,
  options: { target: Target; connection: Connection; error: PlatformError },
): Promise<void> {
  const { target, connection, error } = options;
  await recordFailure(context, connection, error);
  if (error.failure.kind === "token_invalid" || error.failure.kind === "token_expired") {
    await settle(context, run, target, {
      state: "unknown",
      error: `The platform's answer was lost, and the account could not be checked since (${describeFailure(error)}). Check the account, then retry this post if it is missing.`,
    });
    return;
  }
  const askAt =
    error.failure.kind === "rate_limited" ? error.failure.retryAt : new Date(context.clock.now() + ASK_AGAIN_MS);
  const kept = await settle(context, run, target, {
    error: `The platform's answer was lost and it could not be asked yet (${describeFailure(error)}); asking again at ${askAt.toISOString()}.`,
    claimedByWorker: null,
    claimedJobId: null,
  });
  if (kept)
    await enqueuePublish(
      context,
      { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
      { startAfter: askAt },
    );
}
