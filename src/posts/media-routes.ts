import { createReadStream } from "node:fs";
import { and, count, desc, eq, like, or, sql, type SQL } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { media, posts, users } from "../db/schema.js";
import { conflict, forbidden, notFound } from "../errors.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import { UndecodableImage } from "./media-images.js";
import {
  isThumbnail,
  removeMediaFiles,
  thumbnailOf,
  variantPath,
  variantsOf,
  variantUrl,
  type VariantRecord,
} from "./media-variants.js";
import { publicMediaUrl, type MediaRecord } from "./media.js";

/**
 * The organization's media library: every upload, newest first, with its thumbnail, the JPEGs
 * made from it for platforms, and the posts that use it; and deleting what no post still needs.
 *
 * A post that is published or cancelled no longer needs its media: a platform keeps its own copy
 * once it has published, and reading a post back compares its text, never its files. Any other
 * post (a draft, one awaiting approval, scheduled, publishing, failed or partly published, which
 * can be edited and retried) does, and holds its media against deletion.
 */

/** Post statuses after which nothing more is sent. */
const finishedStatuses = ["published", "cancelled"] as const;

const mediaParams = z.object({ id: z.uuid("must be a media id") });

const cropView = z.object({ left: z.number(), top: z.number(), width: z.number(), height: z.number() });

export const libraryItemView = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.string(),
  kind: z.enum(["image", "video"]),
  sizeBytes: z.number(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  durationSeconds: z.number().nullable(),
  /** The original, at its unguessable public URL. */
  url: z.string(),
  /** A small JPEG of an image; null for a video (no frame can be taken without a native decoder). */
  thumbnailUrl: z.string().nullable(),
  uploadedBy: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  createdAt: z.date(),
  usage: z.object({
    /** Posts that show it, whatever their state. */
    posts: z.number(),
    /** Of those, the posts that still need it: it cannot be deleted while any does. */
    pending: z.number(),
  }),
  /** JPEGs made from it for platforms that refuse the original, with the part of it each shows. */
  conversions: z.array(
    z.object({
      contentType: z.string(),
      width: z.number(),
      height: z.number(),
      sizeBytes: z.number(),
      crop: cropView.nullable(),
      url: z.string(),
    }),
  ),
});

/** Posts of the organization that refer to the media anywhere: their media, options (thread parts) or versions. */
function usesMedia(mediaId: string): SQL {
  return or(sql`${mediaId}::uuid = any(${posts.mediaIds})`, like(sql`to_jsonb(${posts})::text`, `%${mediaId}%`))!;
}

interface PostUse {
  id: string;
  content: string;
  status: string;
}

async function postsUsing(context: AppContext, organizationId: string, mediaId: string): Promise<PostUse[]> {
  return context.db
    .select({ id: posts.id, content: posts.content, status: posts.status })
    .from(posts)
    .where(and(eq(posts.organizationId, organizationId), usesMedia(mediaId)))
    .orderBy(desc(posts.createdAt));
}

const isPending = (use: PostUse) => !(finishedStatuses as readonly string[]).includes(use.status);

/** A post as a person recognises it in a message: the start of its text, and its state. */
function describePost(use: PostUse): string {
  const text = use.content.trim().replace(/\s+/g, " ");
  const start = text.length > 40 ? `${text.slice(0, 40)}…` : text || "(no text)";
  return `“${start}” (${use.status.replaceAll("_", " ")})`;
}

async function ownedMedia(context: AppContext, organizationId: string, id: string): Promise<MediaRecord> {
  const [record] = await context.db
    .select()
    .from(media)
    .where(and(eq(media.id, id), eq(media.organizationId, organizationId)));
  if (!record) throw notFound("That file");
  return record;
}

export const mediaLibraryRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

  app.get(
    "/api/media",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "The organization's media library, newest first, a page at a time",
        querystring: z.object({
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(100).default(24),
          kind: z.enum(["image", "video"]).optional(),
        }),
        response: {
          200: z.object({ media: z.array(libraryItemView), total: z.number(), page: z.number(), pageSize: z.number() }),
        },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const { page, pageSize, kind } = request.query;
      const filter = and(
        eq(media.organizationId, organization.id),
        kind ? like(media.contentType, `${kind}/%`) : undefined,
      );
      const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(media).where(filter);
      const rows = await db
        .select({ record: media, uploaderName: users.name })
        .from(media)
        .leftJoin(users, eq(users.id, media.uploadedByUserId))
        .where(filter)
        .orderBy(desc(media.createdAt), desc(media.id))
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      const variants = await variantsOf(
        context,
        rows.map((row) => row.record.id),
      );
      const items = [];
      for (const { record, uploaderName } of rows) {
        const uses = await postsUsing(context, organization.id, record.id);
        items.push(libraryItem(context, record, uploaderName, uses, variants.get(record.id) ?? []));
      }
      return { media: items, total, page, pageSize };
    },
  );

  app.get(
    "/api/media/:id/thumbnail",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "A small JPEG of an image in the library, made on first request",
        params: mediaParams,
      },
    },
    async (request, reply) => {
      const record = await ownedMedia(context, currentOrganization(request).id, request.params.id);
      if (!record.contentType.startsWith("image/")) throw notFound("A thumbnail of a video");
      let thumbnail: VariantRecord;
      try {
        thumbnail = await thumbnailOf(context, record);
      } catch (error) {
        if (error instanceof UndecodableImage) throw notFound("A thumbnail of this image");
        throw error;
      }
      return reply
        .header("content-type", thumbnail.contentType)
        .header("content-length", String(thumbnail.sizeBytes))
        .header("cache-control", "private, max-age=86400")
        .send(createReadStream(variantPath(context, thumbnail)));
    },
  );

  app.delete(
    "/api/media/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary:
          "Delete a file no draft, scheduled, unpublished or retryable post uses; members delete their own uploads, admins any",
        params: mediaParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const user = currentUser(request);
      const record = await ownedMedia(context, organization.id, request.params.id);
      if (organization.role === "USER" && record.uploadedByUserId !== user.id)
        throw forbidden(
          "not_your_upload",
          "Members delete only the files they uploaded; ask an admin to delete this one.",
        );
      const pending = (await postsUsing(context, organization.id, record.id)).filter(isPending);
      if (pending.length > 0) {
        throw conflict(
          "media_in_use",
          `${record.fileName} is used by ${pending.length === 1 ? "a post" : `${pending.length} posts`} not yet published: ${pending.map(describePost).join(", ")}. Remove it from ${pending.length === 1 ? "that post" : "them"} or cancel ${pending.length === 1 ? "it" : "them"} first.`,
        );
      }
      const variants = (await variantsOf(context, [record.id])).get(record.id) ?? [];
      await audited(
        db,
        async (tx) => {
          await tx.delete(media).where(eq(media.id, record.id));
        },
        {
          action: "media.deleted",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "media", id: record.id },
          details: { fileName: record.fileName, contentType: record.contentType, sizeBytes: record.sizeBytes },
        },
      );
      await removeMediaFiles(context, record, variants);
      return reply.status(204).send(null);
    },
  );
};

function libraryItem(
  context: AppContext,
  record: MediaRecord,
  uploaderName: string | null,
  uses: PostUse[],
  variants: VariantRecord[],
): z.infer<typeof libraryItemView> {
  const image = record.contentType.startsWith("image/");
  return {
    id: record.id,
    fileName: record.fileName,
    contentType: record.contentType,
    kind: image ? "image" : "video",
    sizeBytes: record.sizeBytes,
    width: record.width,
    height: record.height,
    durationSeconds: record.durationSeconds,
    url: publicMediaUrl(context, record),
    thumbnailUrl: image ? `/api/media/${record.id}/thumbnail` : null,
    uploadedBy: record.uploadedByUserId && uploaderName ? { id: record.uploadedByUserId, name: uploaderName } : null,
    createdAt: record.createdAt,
    usage: { posts: uses.length, pending: uses.filter(isPending).length },
    conversions: variants
      .filter((variant) => !isThumbnail(variant))
      .map((variant) => ({
        contentType: variant.contentType,
        width: variant.width,
        height: variant.height,
        sizeBytes: variant.sizeBytes,
        crop: variant.crop,
        url: variantUrl(context, record, variant),
      })),
  };
}
