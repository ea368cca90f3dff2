import { isDeepStrictEqual } from "node:util";
import type { posts, postTargets, SentContent } from "../db/schema.js";
import type { PlatformId, PostOptions } from "../platforms/profiles.js";
import type { Problem } from "./validation.js";
import { contentFor, type PostVersion, type PostVersions } from "./versions.js";

type PostRow = typeof posts.$inferSelect;
type TargetRow = typeof postTargets.$inferSelect;

/** What decides what every account of a post is sent. */
export interface PostContent {
  content: string;
  link: string | null;
  mediaIds: string[];
  options: PostOptions;
  versions: PostVersions;
}

export const contentOfPost = (post: PostRow): PostContent => ({
  content: post.content,
  link: post.link,
  mediaIds: post.mediaIds,
  options: post.options,
  versions: post.versions,
});

/** What one account is sent: its versions resolved over the shared post, with its platform's options. */
export function resolvedFor(post: PostContent, target: { platform: PlatformId; connectionId: string }): SentContent {
  const resolved = contentFor(
    { content: post.content, link: post.link ?? undefined, mediaIds: post.mediaIds },
    post.versions,
    target,
  );
  return {
    content: resolved.content,
    link: resolved.link ?? null,
    mediaIds: resolved.mediaIds,
    options: (post.options[target.platform] ?? {}) as Record<string, unknown>,
  };
}

export const sameContent = (a: SentContent, b: SentContent) => isDeepStrictEqual(a, b);

/**
 * Whether a target's content may still change: it has not started (never attempted), or it ended
 * without the post (failed) or without knowing (unknown). A thread with parts already out is
 * continued, never rewritten under them.
 */
export function isEditable(target: Pick<TargetRow, "state" | "attempts" | "progress">): boolean {
  if ((target.progress.partIds?.length ?? 0) > 0) return false;
  if (target.state === "queued") return target.attempts === 0;
  return target.state === "failed" || target.state === "unknown";
}

/** A target no attempt has reached yet: its account and time may still change. */
export const notStarted = (target: Pick<TargetRow, "state" | "attempts">) =>
  target.state === "queued" && target.attempts === 0;

/**
 * The versions after an edit: a version named replaces that version, null removes it, and the
 * versions not named are kept.
 */
export function mergeVersions(
  current: PostVersions,
  changes:
    | {
        platforms?: Partial<Record<PlatformId, PostVersion | null | undefined>>;
        accounts?: Record<string, PostVersion | null>;
      }
    | undefined,
): PostVersions {
  if (!changes) return current;
  const merge = <Key extends string>(
    kept: Partial<Record<Key, PostVersion>> | undefined,
    named: Partial<Record<Key, PostVersion | null | undefined>> | undefined,
  ): Partial<Record<Key, PostVersion>> => {
    const result: Partial<Record<Key, PostVersion>> = { ...kept };
    for (const [key, version] of Object.entries(named ?? {}) as [Key, PostVersion | null | undefined][]) {
      if (version === undefined) continue;
      if (version === null) delete result[key];
      else result[key] = version;
    }
    return result;
  };
  const platforms = merge(current.platforms, changes.platforms);
  const accounts = merge(current.accounts, changes.accounts);
  return {
    ...(Object.keys(platforms).length > 0 ? { platforms } : {}),
    ...(Object.keys(accounts).length > 0 ? { accounts: accounts as Record<string, PostVersion> } : {}),
  };
}

/**
 * Where a problem with a target's resolved content is fixed: the account's version when it sets
 * that field, else its platform's version, else the shared field.
 */
export function fieldOfProblem(
  problem: Problem,
  versions: PostVersions,
  target: { platform: PlatformId; connectionId: string },
): string {
  const key = problem.field.split(".")[0] as keyof PostVersion;
  if (!["content", "link", "mediaIds"].includes(key)) return problem.field;
  if (versions.accounts?.[target.connectionId]?.[key] !== undefined)
    return `versions.accounts.${target.connectionId}.${problem.field}`;
  if (versions.platforms?.[target.platform]?.[key] !== undefined)
    return `versions.platforms.${target.platform}.${problem.field}`;
  return problem.field;
}
