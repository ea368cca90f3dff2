import { and, desc, eq, gte, inArray, ne, or } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { connections, posts, postTargets } from "../db/schema.js";
import { sentText, type PlatformProfile } from "../platforms/profile.js";
import { platformProfiles, type PlatformId } from "../platforms/profiles.js";
import { contentOfPost, resolvedFor, type PostContent } from "./content.js";
import type { Problem } from "./validation.js";

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

type Target = { platform: PlatformId; connectionId: string };

/** The text one account is sent, its version resolved over the shared post, as the duplicate check compares it. */
function comparedText(profile: PlatformProfile, post: PostContent, target: Target): string {
  const sent = resolvedFor(post, target);
  return normalizedText(sentText(profile, sent.content, sent.link ?? undefined));
}

/**
 * For each account whose platform refuses duplicate text, its recent posts (published within
 * the platform's window, or still to go out) whose text as that account is sent equals this
 * post's text as that account would be sent it (per-network versions resolved on both sides).
 */
export async function duplicateWarnings(
  context: AppContext,
  organizationId: string,
  draft: { post: PostContent; targets: Target[]; excludePostId?: string },
): Promise<DuplicateWarning[]> {
  if (draft.targets.length === 0) return [];
  const names = new Map(
    (
      await context.db
        .select({ id: connections.id, name: connections.name })
        .from(connections)
        .where(
          and(
            eq(connections.organizationId, organizationId),
            inArray(
              connections.id,
              draft.targets.map((target) => target.connectionId),
            ),
          ),
        )
    ).map((row) => [row.id, row.name]),
  );
  const warnings: DuplicateWarning[] = [];
  for (const target of draft.targets) {
    const profile = platformProfiles[target.platform] as PlatformProfile;
    if (!profile.refusesDuplicateText) continue;
    const windowHours = profile.refusesDuplicateText.withinHours ?? DEFAULT_DUPLICATE_WINDOW_HOURS;
    const text = comparedText(profile, draft.post, target);
    if (!text) continue;
    const since = new Date(context.clock.now() - windowHours * 3_600_000);
    const earlier = await context.db
      .select({ post: posts, state: postTargets.state, dueAt: postTargets.dueAt, publishedAt: postTargets.publishedAt })
      .from(postTargets)
      .innerJoin(posts, eq(posts.id, postTargets.postId))
      .where(
        and(
          eq(postTargets.organizationId, organizationId),
          eq(postTargets.connectionId, target.connectionId),
          draft.excludePostId ? ne(postTargets.postId, draft.excludePostId) : undefined,
          or(
            and(inArray(postTargets.state, [...pendingStates]), ne(posts.status, "draft")),
            and(eq(postTargets.state, "published"), gte(postTargets.publishedAt, since)),
          ),
        ),
      )
      .orderBy(desc(postTargets.dueAt))
      .limit(MAX_POSTS_COMPARED);
    const matches = earlier
      .filter((row) => comparedText(profile, contentOfPost(row.post), target) === text)
      .map((row): DuplicateMatch => ({
        postId: row.post.id,
        state: row.state === "published" ? "published" : "scheduled",
        at: row.publishedAt ?? row.dueAt,
      }));
    if (matches.length === 0) continue;
    const accountName = names.get(target.connectionId) ?? "This account";
    warnings.push({
      code: "duplicate_text",
      connectionId: target.connectionId,
      accountName,
      message: `${accountName} already has a post with this text (${matches.length === 1 ? "one" : matches.length} recent or scheduled); ${profile.name} refuses the same text twice from one account: change the wording.`,
      matches,
    });
  }
  return warnings;
}

/** The same, as warnings beside a post's other problems: a warning, never a refusal. */
export async function duplicateProblems(
  context: AppContext,
  organizationId: string,
  draft: { post: PostContent; targets: Target[]; excludePostId?: string },
): Promise<Problem[]> {
  const warnings = await duplicateWarnings(context, organizationId, draft);
  return warnings.map((warning) => ({ field: "content", message: warning.message }));
}
