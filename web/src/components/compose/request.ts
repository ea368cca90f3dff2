import type { PostVersion, PostVersions } from "../../../../src/posts/versions";
import type { Post } from "../../api";
import type { OptionValues } from "../PlatformOptions";

/** Everything the composer holds that the API stores, in the API's terms. */
export interface ComposedPost {
  content: string;
  link?: string;
  mediaIds: string[];
  connectionIds: string[];
  scheduledAt?: string;
  /** The zone `scheduledAt` was chosen in. */
  timeZone?: string;
  options: Record<string, OptionValues>;
  versions: PostVersions;
  campaignId?: string;
}

/** A partial edit as the API takes it: a field left out is kept, null clears it, a version named replaces that one. */
export interface PostEdit {
  content?: string;
  link?: string | null;
  mediaIds?: string[];
  connectionIds?: string[];
  scheduledAt?: string | null;
  timeZone?: string | null;
  options?: Record<string, OptionValues>;
  campaignId?: string | null;
  versions?: {
    platforms?: Record<string, PostVersion | null>;
    accounts?: Record<string, PostVersion | null>;
  };
}

const same = (left: unknown, right: unknown) => JSON.stringify(left) === JSON.stringify(right);
const sorted = (ids: string[]) => [...ids].sort();
/** A platform with no options set is the same as one left out. */
const setOptions = (options: Record<string, OptionValues>) =>
  Object.fromEntries(Object.entries(options).filter(([, values]) => Object.keys(values).length > 0));

/** What the post as loaded was, in the same terms, so an edit can name only what changed. */
export function composedOf(post: Post): ComposedPost {
  return {
    content: post.content,
    ...(post.link ? { link: post.link } : {}),
    mediaIds: post.media.map((item) => item.id),
    connectionIds: post.targets.map((target) => target.connectionId),
    ...(post.scheduledAt ? { scheduledAt: new Date(post.scheduledAt).toISOString() } : {}),
    ...(post.timeZone ? { timeZone: post.timeZone } : {}),
    options: post.options as Record<string, OptionValues>,
    versions: post.versions as PostVersions,
    ...(post.campaignId ? { campaignId: post.campaignId } : {}),
  };
}

/** Each version that differs, by key: the new one, or null where it was dropped. */
function changedVersions(
  before: Record<string, PostVersion | undefined> = {},
  after: Record<string, PostVersion | undefined> = {},
): Record<string, PostVersion | null> | undefined {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = keys.filter((key) => !same(before[key], after[key]));
  return changed.length ? Object.fromEntries(changed.map((key) => [key, after[key] ?? null])) : undefined;
}

/** A partial edit: only the fields whose value differs from the post as loaded. */
export function changedFields(before: ComposedPost, after: ComposedPost): PostEdit {
  const changes: PostEdit = {};
  if (after.content !== before.content) changes.content = after.content;
  if ((after.link ?? "") !== (before.link ?? "")) changes.link = after.link ?? null;
  if (!same(after.mediaIds, before.mediaIds)) changes.mediaIds = after.mediaIds;
  if (!same(sorted(after.connectionIds), sorted(before.connectionIds))) changes.connectionIds = after.connectionIds;
  if (
    (after.scheduledAt ? Date.parse(after.scheduledAt) : null) !==
    (before.scheduledAt ? Date.parse(before.scheduledAt) : null)
  ) {
    changes.scheduledAt = after.scheduledAt ?? null;
    // The zone travels with the time it was chosen in, and only then: an untouched time keeps its zone.
    if (after.timeZone !== before.timeZone) changes.timeZone = after.timeZone ?? null;
  }
  if (!same(setOptions(after.options), setOptions(before.options))) changes.options = after.options;
  if ((after.campaignId ?? null) !== (before.campaignId ?? null)) changes.campaignId = after.campaignId ?? null;
  const platforms = changedVersions(before.versions.platforms, after.versions.platforms);
  const accounts = changedVersions(before.versions.accounts, after.versions.accounts);
  if (platforms || accounts)
    changes.versions = { ...(platforms ? { platforms } : {}), ...(accounts ? { accounts } : {}) };
  return changes;
}
