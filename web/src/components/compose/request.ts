import type { PostVersions } from "../../../../src/posts/versions";
import type { MediaItem, Post } from "../../api";
import type { OptionValues } from "../PlatformOptions";

/** Everything the composer holds that the API stores, in the API's terms. */
export interface ComposedPost {
  content: string;
  link?: string;
  mediaIds: string[];
  connectionIds: string[];
  scheduledAt?: string;
  options: Record<string, OptionValues>;
  versions: PostVersions;
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
    mediaIds: post.media.map((item: MediaItem) => item.id),
    connectionIds: post.targets.map((target) => target.connectionId),
    ...(post.scheduledAt ? { scheduledAt: new Date(post.scheduledAt).toISOString() } : {}),
    options: post.options as Record<string, OptionValues>,
    versions: {},
  };
}

/** A partial edit: only the fields whose value differs from the post as loaded. */
export function changedFields(before: ComposedPost, after: ComposedPost): Partial<ComposedPost> {
  const changes: Partial<ComposedPost> = {};
  if (after.content !== before.content) changes.content = after.content;
  if ((after.link ?? "") !== (before.link ?? "")) changes.link = after.link;
  if (!same(after.mediaIds, before.mediaIds)) changes.mediaIds = after.mediaIds;
  if (!same(sorted(after.connectionIds), sorted(before.connectionIds))) changes.connectionIds = after.connectionIds;
  if (after.scheduledAt && Date.parse(after.scheduledAt) !== Date.parse(before.scheduledAt ?? ""))
    changes.scheduledAt = after.scheduledAt;
  if (!same(setOptions(after.options), setOptions(before.options))) changes.options = after.options;
  if (!same(after.versions, before.versions)) changes.versions = after.versions;
  return changes;
}
