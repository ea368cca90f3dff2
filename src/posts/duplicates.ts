import { and, desc, eq, gte, inArray, ne, or } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { connections, posts, postTargets } from "../db/schema.js";
import { invalidInput } from "../errors.js";
import { sentText, type PlatformProfile } from "../platforms/profile.js";
import { platformProfiles } from "../platforms/profiles.js";

/**
 * How far back a published post counts as recent where the platform does not say how long it
 * remembers: long enough to catch a campaign re-run by mistake, short enough that a
 * yearly greeting is not flagged.
 */
export const DEFAULT_DUPLICATE_WINDOW_HOURS = 30 * 24;

/** The most earlier posts of one account compared against; older ones are past any window anyway. */
const MAX_POSTS_COMPARED = 500;

/** One earlier post of the account with the same text. */
export interface DuplicateMatch {
  postId: string;
  /** Scheduled (not yet out) or published. */
  state: "scheduled" | "published";
  /** When it went out, or when it is due. */
  at: Date;
}

/** Not a refusal: the platform will likely refuse this post for this account. */
export interface DuplicateWarning {
  code: "duplicate_text";
  connectionId: string;
  accountName: string;
  message: string;
  matches: DuplicateMatch[];
}

/**
 * Text as a duplicate check compares it: Unicode-normalized, case-folded, runs of white space as
 * one space. The platform's own comparison is not documented; a near miss warns rather than
 * letting a refusal through unnoticed.
 */
export function normalizedText(text: string): string {
  return text.normalize("NFKC").toLocaleLowerCase("en").replace(/\s+/gu, " ").trim();
}

const pendingStates = ["queued", "publishing"] as const;

/**
 * For each chosen account whose platform refuses duplicate text, its recent posts (published
 * within the platform's window, or still to go out) whose text as sent equals this one's.
 * Connection ids outside the organization are refused, as the create route refuses them.
 */
export async function duplicateWarnings(
  context: AppContext,
  organizationId: string,
  draft: { content: string; link?: string | null; connectionIds: string[]; excludePostId?: string },
): Promise<DuplicateWarning[]> {
  if (draft.connectionIds.length === 0) return [];
  const chosen = await context.db
    .select({ id: connections.id, name: connections.name, platform: connections.platform })
    .from(connections)
    .where(and(eq(connections.organizationId, organizationId), inArray(connections.id, draft.connectionIds)));
  if (chosen.length !== new Set(draft.connectionIds).size)
    throw invalidInput(
      "invalid_accounts",
      "Some of the chosen accounts are not connected to this organization.",
      "connectionIds",
    );
  const warnings: DuplicateWarning[] = [];
  for (const account of chosen) {
    const profile = platformProfiles[account.platform] as PlatformProfile;
    if (!profile.refusesDuplicateText) continue;
    const windowHours = profile.refusesDuplicateText.withinHours ?? DEFAULT_DUPLICATE_WINDOW_HOURS;
    const text = normalizedText(sentText(profile, draft.content, draft.link ?? undefined));
    if (!text) continue;
    const since = new Date(context.clock.now() - windowHours * 3_600_000);
    const earlier = await context.db
      .select({
        postId: posts.id,
        content: posts.content,
        link: posts.link,
        state: postTargets.state,
        dueAt: postTargets.dueAt,
        publishedAt: postTargets.publishedAt,
      })
      .from(postTargets)
      .innerJoin(posts, eq(posts.id, postTargets.postId))
      .where(
        and(
          eq(postTargets.organizationId, organizationId),
          eq(postTargets.connectionId, account.id),
          draft.excludePostId ? ne(postTargets.postId, draft.excludePostId) : undefined,
          or(
            inArray(postTargets.state, [...pendingStates]),
            and(eq(postTargets.state, "published"), gte(postTargets.publishedAt, since)),
          ),
        ),
      )
      .orderBy(desc(postTargets.dueAt))
      .limit(MAX_POSTS_COMPARED);
    const matches = earlier
      .filter((row) => normalizedText(sentText(profile, row.content, row.link ?? undefined)) === text)
      .map((row): DuplicateMatch => ({
        postId: row.postId,
        state: row.state === "published" ? "published" : "scheduled",
        at: row.publishedAt ?? row.dueAt,
      }));
    if (matches.length === 0) continue;
    warnings.push({
      code: "duplicate_text",
      connectionId: account.id,
      accountName: account.name,
      message: `${account.name} already has a post with this text (${matches.length === 1 ? "one" : matches.length} recent or scheduled); ${profile.name} refuses the same text twice from one account: change the wording.`,
      matches,
    });
  }
  return warnings;
}
