import type { PlatformId } from "../platforms/profiles.js";

/** What a version may change of the shared post; what it leaves out is the shared post's. */
export interface PostVersion {
  content?: string;
  link?: string;
  mediaIds?: string[];
}

/**
 * A post's per-network versions: one per platform, and one per account (connection id) that
 * takes precedence over its platform's. Pure, so the composer and the server resolve a target's
 * content the same way.
 */
export interface PostVersions {
  platforms?: Partial<Record<PlatformId, PostVersion>>;
  accounts?: Record<string, PostVersion>;
}

export interface SharedContent {
  content: string;
  link?: string;
  mediaIds: string[];
}

/** What one account is sent: its account's version over its platform's over the shared post, field by field. */
export function contentFor(
  shared: SharedContent,
  versions: PostVersions | undefined,
  target: { platform: PlatformId; connectionId: string },
): SharedContent {
  const layers = [versions?.platforms?.[target.platform], versions?.accounts?.[target.connectionId]];
  return layers.reduce<SharedContent>(
    (resolved, layer) => ({
      content: layer?.content ?? resolved.content,
      link: layer?.link ?? resolved.link,
      mediaIds: layer?.mediaIds ?? resolved.mediaIds,
    }),
    shared,
  );
}
