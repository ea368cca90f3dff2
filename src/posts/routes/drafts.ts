import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { transactionExecutor, type Transaction } from "../../db/client.js";
import { connections, media, type SentContent } from "../../db/schema.js";
import { invalidInput } from "../../errors.js";
import { shortLinkPlaceholder, withShortLinks } from "../../links/short-links.js";
import { linkTrackingOn, shortLinkPrefixOf } from "../../links/store.js";
import type { PlatformProfile } from "../../platforms/profile.js";
import { platformProfiles, type PlatformId } from "../../platforms/profiles.js";
import { fieldOfProblem, resolvedFor, type PostContent } from "../content.js";
import type { PostVersions } from "../versions.js";
import { enqueuePublish } from "../publish.js";
import { validatePost, type Problem } from "../validation.js";

/** A scheduled time a few seconds in the past (clock skew, a slow form) means now. */
const PAST_TOLERANCE_MS = 60_000;

/** Statuses a post cannot go out through until the account is connected again. */
const needsReconnecting: ReadonlySet<(typeof connections.$inferSelect)["status"]> = new Set([
  "disconnected",
  "invalid",
  "expired",
]);

/** The organization's accounts a post is for, refused when one is another's or must be reconnected first. */
export async function chosenConnections(context: AppContext, organizationId: string, connectionIds: string[]) {
  if (connectionIds.length === 0) return [];
  const chosen = await context.db
    .select()
    .from(connections)
    .where(and(eq(connections.organizationId, organizationId), inArray(connections.id, connectionIds)));
  if (chosen.length !== connectionIds.length)
    throw invalidInput(
      "invalid_accounts",
      "Some of the chosen accounts are not connected to this organization.",
      "connectionIds",
    );
  const unusable = chosen.filter((connection) => needsReconnecting.has(connection.status));
  if (unusable.length > 0) {
    throw invalidInput(
      "accounts_need_reconnecting",
      `Reconnect ${unusable.map((connection) => connection.name).join(", ")} before posting to ${unusable.length === 1 ? "it" : "them"}.`,
      "connectionIds",
    );
  }
  return chosen;
}

/**
 * What each account's platform would refuse of the content it is to be sent (its versions
 * resolved over the shared post), each problem naming the field that fixes it; media the
 * organization does not have is refused outright.
 */
export async function contentProblems(
  context: AppContext,
  organizationId: string,
  post: PostContent,
  targets: { platform: PlatformId; connectionId: string }[],
): Promise<Problem[]> {
  const shortened = await linkLengthsCounted(context, organizationId);
  const resolved = targets.map((target) => ({ target, sent: shortened(resolvedFor(post, target)) }));
  const referenced = resolved.flatMap(({ target, sent }) => {
    const profile = platformProfiles[target.platform] as PlatformProfile;
    return [...sent.mediaIds, ...(profile.referencedMedia?.(sent.options) ?? [])];
  });
  const allIds = [...new Set([...post.mediaIds, ...referenced])];
  const records = allIds.length
    ? await context.db
        .select()
        .from(media)
        .where(and(eq(media.organizationId, organizationId), inArray(media.id, allIds)))
    : [];
  if (records.length !== allIds.length)
    throw invalidInput("invalid_media", "Some of the media were not found: upload them again.", "mediaIds");
  const mediaById = new Map(records.map((record) => [record.id, record]));
  const problems = resolved.flatMap(({ target, sent }) =>
    validatePost({
      content: sent.content,
      link: sent.link ?? undefined,
      media: sent.mediaIds.map((id) => mediaById.get(id)!),
      mediaById,
      platforms: [target.platform],
      postOptions: post.options,
      settingsOf: (platform) => context.config.platforms[platform],
    }).map((problem) => ({ ...problem, field: fieldOfProblem(problem, post.versions, target) })),
  );
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.field}\n${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * With tracking on, each URL is sent as a short link: the platforms' length limits are checked
 * with the short link's length (a placeholder as long as the link will be), not the URL's.
 */
async function linkLengthsCounted(context: AppContext, organizationId: string) {
  if (!(await linkTrackingOn(context.db, organizationId))) return (sent: SentContent) => sent;
  const prefix = shortLinkPrefixOf(context);
  const placeholder = shortLinkPlaceholder(prefix);
  return (sent: SentContent) => withShortLinks(sent, (url) => (url.startsWith(prefix) ? undefined : placeholder));
}

/** Refuses a version for an account the post is not for: it would never be sent, and hide a mistake. */
export function assertVersionsForAccounts(versions: PostVersions, connectionIds: string[]): void {
  const stray = Object.keys(versions.accounts ?? {}).find((id) => !connectionIds.includes(id));
  if (stray)
    throw invalidInput(
      "version_for_other_account",
      "is for an account this post is not for",
      `versions.accounts.${stray}`,
    );
}

/** Refuses content a platform would refuse: every problem said, the first one's field named. */
export function refuseProblems(problems: Problem[]): void {
  if (problems.length > 0)
    throw invalidInput("invalid_post", problems.map((problem) => problem.message).join(" "), problems[0]!.field);
}

/** When a post asked for `scheduledAt` is due: now when it asked for no time. */
export function dueTime(context: AppContext, scheduledAt: string | undefined): Date {
  const now = context.clock.now();
  if (!scheduledAt) return new Date(now);
  const at = new Date(scheduledAt);
  if (at.getTime() < now - PAST_TOLERANCE_MS)
    throw invalidInput("scheduled_in_past", "The scheduled time has passed: choose a new time.", "scheduledAt");
  return at;
}

/** The targets' publish jobs, committed or rolled back with the transaction that changed the targets. */
export async function enqueueAll(
  context: AppContext,
  tx: Transaction,
  targets: { id: string; platform: PlatformId; dueAt: Date }[],
): Promise<void> {
  const executor = transactionExecutor(tx);
  for (const target of targets) {
    await enqueuePublish(
      context,
      { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
      { executor },
    );
  }
}
