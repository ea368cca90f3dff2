import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { transactionExecutor, type Transaction } from "../../db/client.js";
import { media } from "../../db/schema.js";
import { invalidInput } from "../../errors.js";
import type { PlatformProfile } from "../../platforms/profile.js";
import { platformProfiles, type PlatformId, type PostOptions } from "../../platforms/profiles.js";
import { enqueuePublish } from "../publish.js";
import { validatePost } from "../validation.js";

/** A scheduled time a few seconds in the past (clock skew, a slow form) means now. */
const PAST_TOLERANCE_MS = 60_000;

/** Refuses content one of the chosen platforms would refuse, and media the organization does not have. */
export async function checkContent(
  context: AppContext,
  organizationId: string,
  body: { content: string; link?: string; mediaIds: string[]; options: PostOptions },
  platformsChosen: PlatformId[],
): Promise<void> {
  const referenced = platformsChosen.flatMap((platform) => {
    const profile = platformProfiles[platform] as PlatformProfile;
    return profile.referencedMedia?.(body.options[platform] ?? {}) ?? [];
  });
  const allIds = [...new Set([...body.mediaIds, ...referenced])];
  const records = allIds.length
    ? await context.db
        .select()
        .from(media)
        .where(and(eq(media.organizationId, organizationId), inArray(media.id, allIds)))
    : [];
  if (records.length !== allIds.length)
    throw invalidInput("invalid_media", "Some of the media were not found: upload them again.", "mediaIds");
  const mediaById = new Map(records.map((record) => [record.id, record]));
  const problems = validatePost({
    content: body.content,
    link: body.link,
    media: body.mediaIds.map((id) => mediaById.get(id)!),
    mediaById,
    platforms: platformsChosen,
    postOptions: body.options,
    settingsOf: (platform) => context.config.platforms[platform],
  });
  if (problems.length > 0)
    throw invalidInput("invalid_post", problems.map((problem) => problem.message).join(" "), problems[0]!.field);
}

/** When a post asked for `scheduledAt` is due: now when it asked for no time. */
export function dueTime(context: AppContext, scheduledAt: string | undefined): Date {
  const now = context.clock.now();
  if (!scheduledAt) return new Date(now);
  const at = new Date(scheduledAt);
  if (at.getTime() < now - PAST_TOLERANCE_MS)
    throw invalidInput("scheduled_in_past", "The scheduled time is in the past.", "scheduledAt");
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
