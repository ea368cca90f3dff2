import { and, eq } from "drizzle-orm";
import { anyOf } from "../../db/any-of.js";
import type { AppContext } from "../../context.js";
import type { Database, Transaction } from "../../db/client.js";
import { connections, media, posts, postTargets, type SentContent } from "../../db/schema.js";
import { notFound } from "../../errors.js";
import { contentOfPost, isEditable, resolvedFor } from "../content.js";
import { flushClicks } from "../../links/clicks.js";
import { shortLinkViews, type ShortLinkView } from "../../links/reading.js";
import { withShortLinks } from "../../links/short-links.js";
import { publicMediaUrl, type MediaRecord } from "../media.js";

type PostRow = typeof posts.$inferSelect;

/**
 * What the view shows of a target, and no more: on PGlite each value of each row costs a copy
 * and a decode in JavaScript, and a list of 200 posts reads 400 targets.
 */
const shownTargetColumns = {
  id: postTargets.id,
  postId: postTargets.postId,
  connectionId: postTargets.connectionId,
  platform: postTargets.platform,
  state: postTargets.state,
  attempts: postTargets.attempts,
  progress: postTargets.progress,
  dueAt: postTargets.dueAt,
  publishedAt: postTargets.publishedAt,
  remotePostId: postTargets.remotePostId,
  remoteUrl: postTargets.remoteUrl,
  error: postTargets.error,
  sentContent: postTargets.sentContent,
};

export function mediaOf(context: AppContext, record: MediaRecord) {
  return {
    id: record.id,
    fileName: record.fileName,
    contentType: record.contentType,
    sizeBytes: record.sizeBytes,
    url: publicMediaUrl(context, record),
  };
}

const shownContent = ({ content, link, mediaIds }: SentContent) => ({ content, link, mediaIds });

/** Posts as the API shows them: their media and each account's result, in two queries for any number of posts. */
export async function postViews(
  context: AppContext,
  organizationId: string,
  postRows: PostRow[],
  db: Database | Transaction,
) {
  if (postRows.length === 0) return [];
  const ids = postRows.map((post) => post.id);
  // The post's status in the same statement as its accounts: one statement reads one snapshot, on
  // PGlite too, so no view shows every account published under a status from before, nor (what
  // stopped the Posts page polling with accounts still shown publishing) a status newer than them.
  const targets = await db
    .select({
      target: shownTargetColumns,
      accountName: connections.name,
      isSandbox: connections.isSandbox,
      postStatus: posts.status,
    })
    .from(postTargets)
    .innerJoin(connections, eq(connections.id, postTargets.connectionId))
    .innerJoin(posts, eq(posts.id, postTargets.postId))
    .where(and(eq(postTargets.organizationId, organizationId), anyOf(postTargets.postId, ids)));
  const targetsOfPost = new Map<string, typeof targets>();
  for (const row of targets)
    targetsOfPost.set(row.target.postId, [...(targetsOfPost.get(row.target.postId) ?? []), row]);
  const linksOfTarget = new Map<string, ShortLinkView[]>();
  for (const link of await shortLinkViews(
    context,
    targets.map(({ target }) => target.id),
    db,
  ))
    linksOfTarget.set(link.targetId, [...(linksOfTarget.get(link.targetId) ?? []), link]);
  const statusOf = new Map(targets.map((row) => [row.target.postId, row.postStatus]));
  const mediaIds = [...new Set(postRows.flatMap((post) => post.mediaIds))];
  const records = mediaIds.length ? await db.select().from(media).where(anyOf(media.id, mediaIds)) : [];
  const recordsById = new Map(records.map((record) => [record.id, record]));
  return postRows.map((post) => ({
    id: post.id,
    content: post.content,
    link: post.link,
    media: post.mediaIds
      .map((id) => recordsById.get(id))
      .filter((record) => record !== undefined)
      .map((record) => mediaOf(context, record)),
    options: post.options,
    versions: post.versions,
    scheduledAt: post.scheduledAt,
    timeZone: post.timeZone,
    status: statusOf.get(post.id) ?? post.status,
    authorUserId: post.authorUserId,
    reviewComment: post.reviewComment,
    campaignId: post.campaignId,
    createdAt: post.createdAt,
    targets: (targetsOfPost.get(post.id) ?? []).map(({ target, accountName, isSandbox }) => {
      const targetLinks = linksOfTarget.get(target.id) ?? [];
      const shortFor = (url: string) => targetLinks.find((link) => link.originalUrl === url)?.shortUrl;
      return {
        id: target.id,
        connectionId: target.connectionId,
        platform: target.platform,
        accountName,
        isSandbox,
        state: target.state,
        attempts: target.attempts,
        dueAt: target.dueAt,
        publishedAt: target.publishedAt,
        postId: target.remotePostId,
        url: target.remoteUrl,
        error: target.error,
        resolved: shownContent(withShortLinks(resolvedFor(contentOfPost(post), target), shortFor)),
        sent: target.sentContent ? shownContent(target.sentContent) : null,
        links: targetLinks.map(({ targetId: _target, ...link }) => link),
        editable: !post.cancelledAt && isEditable(target),
      };
    }),
  }));
}

/** The organization's post; another organization's is as absent as one that never existed. */
export async function ownedPost(db: Database | Transaction, organizationId: string, id: string): Promise<PostRow> {
  const [post] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.id, id), eq(posts.organizationId, organizationId)));
  if (!post) throw notFound("That post");
  return post;
}

/**
 * Reads made in one snapshot (a read-only repeatable-read transaction): a post and its accounts
 * read apart could show every account published under the status the post had a moment before.
 * The process's pending link clicks are written first, so the counts include them.
 */
export async function inOneSnapshot<T>(
  context: AppContext,
  read: (reader: Database | Transaction) => Promise<T>,
): Promise<T> {
  await flushClicks(context);
  // PGlite runs one statement at a time on one session, and a transaction there holds every
  // other statement of the process (the workers' included) until it ends.
  if (context.config.database.kind === "pglite") return read(context.db);

  return context.db.transaction(read, { isolationLevel: "repeatable read", accessMode: "read only" });
}

/** One post's view, read again after a change. */
export async function viewOfPost(context: AppContext, organizationId: string, id: string) {
  return inOneSnapshot(context, async (reader) => {
    const [view] = await postViews(context, organizationId, [await ownedPost(reader, organizationId, id)], reader);
    return view!;
  });
}

/** One account of a post, locked for the change a person asks of it. */
export async function lockedTarget(tx: Transaction, postId: string, targetId: string) {
  // The post before its target, the order every writer of both keeps (see `settle`).
  await tx.select({ id: posts.id }).from(posts).where(eq(posts.id, postId)).for("update");
  const [target] = await tx
    .select()
    .from(postTargets)
    .where(and(eq(postTargets.id, targetId), eq(postTargets.postId, postId)))
    .for("update");
  if (!target) throw notFound("That account of the post");
  return target;
}
