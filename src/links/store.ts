import { randomInt, randomUUID } from "node:crypto";
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Database, Transaction } from "../db/client.js";
import { campaigns, postingSettings, posts, trackedLinks, type SentContent } from "../db/schema.js";
import { textPartKeys, type PlatformId } from "../platforms/profiles.js";
import { contentOfPost, resolvedFor, type PostContent } from "../posts/content.js";
import { linksIn, SHORT_CODE_LENGTH, shortLinkPrefix, withShortLinks } from "./short-links.js";

type Executor = Database | Transaction;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A fresh code from the system's random source; 71 bits make a collision (the unique index refuses it) beyond reach. */
export const newShortCode = () =>
  Array.from({ length: SHORT_CODE_LENGTH }, () => BASE62[randomInt(BASE62.length)]).join("");

export const shortLinkPrefixOf = (context: AppContext) => shortLinkPrefix(context.publicUrl());

/** The short links' address where this process knows it: a worker without PUBLIC_URL does not. */
function knownShortLinkPrefix(context: AppContext): string | undefined {
  try {
    return shortLinkPrefixOf(context);
  } catch {
    return undefined;
  }
}

export async function linkTrackingOn(db: Executor, organizationId: string): Promise<boolean> {
  const [settings] = await db
    .select({ trackLinks: postingSettings.trackLinks })
    .from(postingSettings)
    .where(eq(postingSettings.organizationId, organizationId));
  return settings?.trackLinks ?? false;
}

/**
 * The target URL with the UTM parameters that say where the visit came from. Parameters the
 * author set are kept, UTM values included: an author who tagged a link meant those values.
 */
export function destinationFor(
  url: string,
  tags: { platform: PlatformId; campaignSlug: string | null; postId: string },
): string {
  const destination = new URL(url);
  const utm: [string, string | null][] = [
    ["utm_source", tags.platform],
    ["utm_medium", "social"],
    ["utm_campaign", tags.campaignSlug],
    ["utm_content", tags.postId],
  ];
  for (const [name, value] of utm)
    if (value !== null && !destination.searchParams.has(name)) destination.searchParams.set(name, value);
  return destination.toString();
}

export interface LinkedPost extends PostContent {
  id: string;
  organizationId: string;
  campaignId: string | null;
}
export const linkedPost = (post: typeof posts.$inferSelect): LinkedPost => ({
  ...contentOfPost(post),
  id: post.id,
  organizationId: post.organizationId,
  campaignId: post.campaignId,
});

export interface LinkedTarget {
  id: string;
  platform: PlatformId;
  connectionId: string;
  attempts: number;
}

/**
 * Gives every URL of the targets' content its short link, in the caller's transaction (the post's
 * or the target's), so every attempt and reconciliation sends the same text. A URL keeps its code
 * for good; an edit only updates where it leads. With tracking off, the links of targets never
 * attempted are dropped (nothing was sent with them); a target already attempted keeps its own.
 */
export async function syncPostLinks(
  tx: Executor,
  context: AppContext,
  post: LinkedPost,
  targets: LinkedTarget[],
): Promise<void> {
  if (targets.length === 0) return;
  if (!(await linkTrackingOn(tx, post.organizationId))) {
    const unsent = targets.filter((target) => target.attempts === 0).map((target) => target.id);
    if (unsent.length > 0) await tx.delete(trackedLinks).where(inArray(trackedLinks.targetId, unsent));
    return;
  }
  const prefix = knownShortLinkPrefix(context);
  // A worker that cannot name the short links' address sends the links as written.
  if (!prefix) return;
  const [campaign] = post.campaignId
    ? await tx.select({ slug: campaigns.slug }).from(campaigns).where(eq(campaigns.id, post.campaignId))
    : [];
  const now = new Date(context.clock.now());
  for (const target of targets) {
    const urls = linksIn(resolvedFor(post, target), prefix, textPartKeys(target.platform));
    if (target.attempts === 0)
      await tx
        .delete(trackedLinks)
        .where(
          and(
            eq(trackedLinks.targetId, target.id),
            urls.length > 0 ? notInArray(trackedLinks.originalUrl, urls) : undefined,
          ),
        );
    if (urls.length === 0) continue;
    const rows = urls.map((url) => {
      const code = newShortCode();
      return {
        id: randomUUID(),
        organizationId: post.organizationId,
        code,
        shortUrl: `${prefix}${code}`,
        postId: post.id,
        targetId: target.id,
        connectionId: target.connectionId,
        platform: target.platform,
        campaignId: post.campaignId,
        originalUrl: url,
        destinationUrl: destinationFor(url, {
          platform: target.platform,
          campaignSlug: campaign?.slug ?? null,
          postId: post.id,
        }),
      };
    });
    await tx
      .insert(trackedLinks)
      .values(rows)
      .onConflictDoUpdate({
        target: [trackedLinks.targetId, trackedLinks.originalUrl],
        set: {
          destinationUrl: sql`excluded.destination_url`,
          campaignId: post.campaignId,
          updatedAt: now,
        },
      });
  }
}

/** Each target's short links by the URL they stand for. */
export async function shortLinksOf(db: Executor, targetIds: string[]): Promise<Map<string, Map<string, string>>> {
  const byTarget = new Map<string, Map<string, string>>();
  if (targetIds.length === 0) return byTarget;
  const rows = await db
    .select({ targetId: trackedLinks.targetId, originalUrl: trackedLinks.originalUrl, shortUrl: trackedLinks.shortUrl })
    .from(trackedLinks)
    .where(inArray(trackedLinks.targetId, targetIds));
  for (const row of rows) {
    const links = byTarget.get(row.targetId) ?? new Map<string, string>();
    links.set(row.originalUrl, row.shortUrl);
    byTarget.set(row.targetId, links);
  }
  return byTarget;
}

/** What a target is sent: its resolved content with its URLs replaced by its short links. */
export async function sendableContent(
  db: Executor,
  post: PostContent,
  target: { id: string; platform: PlatformId; connectionId: string },
): Promise<SentContent> {
  const links = (await shortLinksOf(db, [target.id])).get(target.id);
  const resolved = resolvedFor(post, target);
  return links ? withShortLinks(resolved, (url) => links.get(url), textPartKeys(target.platform)) : resolved;
}
