import { randomUUID } from "node:crypto";
import { and, desc, eq, gte, inArray, lte } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordAudit, requestOrigin } from "../audit/audit.js";
import { transactionExecutor, type Transaction } from "../db/client.js";
import { connections, media, posts, postTargets } from "../db/schema.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import type { AppContext } from "../context.js";
import { AppError, notFound } from "../http/errors.js";
import { dateTime } from "../http/schemas.js";
import type { PlatformProfile } from "../platforms/profile.js";
import {
  platformIds,
  platformProfiles,
  postOptionsSchema,
  type PlatformId,
  type PostOptions,
} from "../platforms/profiles.js";
import { publicMediaUrl, storeUpload, uploadLimits, type MediaRecord } from "./media.js";
import { enqueuePublish, refreshPostStatus } from "./publish.js";
import { linkProblem, validatePost } from "./validation.js";

/** How far ahead a post can be scheduled: far enough for any campaign, near enough to mean it. */
const MAX_SCHEDULE_AHEAD_MS = 2 * 365 * 24 * 3_600_000;
/** More accounts than any organization posts one message to at once. */
const MAX_ACCOUNTS_PER_POST = 100;

/**
 * The compose and edit bodies; a link must point to a public host in production. An edit's
 * fields have no defaults: a field left out keeps the post's value (a reschedule sends only
 * scheduledAt).
 */
function postSchemas(options: { publicLinksOnly: boolean }) {
  const fields = {
    content: z.string().max(70_000),
    link: z
      .url("must be a URL")
      .max(2_000)
      .superRefine((value, issues) => {
        const problem = linkProblem(value, { publicHostsOnly: options.publicLinksOnly });
        if (problem) issues.addIssue({ code: "custom", message: problem });
      }),
    mediaIds: z.array(z.uuid("must be media ids")).max(20),
    scheduledAt: dateTime().refine(
      (value) => Date.parse(value) <= Date.now() + MAX_SCHEDULE_AHEAD_MS,
      "must be within two years from now",
    ),
    options: postOptionsSchema,
  };
  const compose = z.object({
    content: fields.content.default(""),
    link: fields.link.optional(),
    mediaIds: fields.mediaIds.default([]),
    connectionIds: z
      .array(z.uuid("must be connection ids"))
      .min(1, "choose at least one account")
      .max(MAX_ACCOUNTS_PER_POST, `choose at most ${MAX_ACCOUNTS_PER_POST} accounts`)
      .transform((ids) => [...new Set(ids)]),
    scheduledAt: fields.scheduledAt.optional(),
    options: fields.options.default({}),
  });
  return { compose, edit: z.object(fields).partial() };
}

const mediaView = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number(),
  url: z.string(),
});
const targetView = z.object({
  id: z.uuid(),
  connectionId: z.uuid(),
  platform: z.string(),
  accountName: z.string(),
  isSandbox: z.boolean(),
  state: z.enum(["queued", "publishing", "published", "failed", "unknown", "cancelled"]),
  attempts: z.number(),
  dueAt: z.date(),
  publishedAt: z.date().nullable(),
  postId: z.string().nullable(),
  url: z.string().nullable(),
  error: z.string().nullable(),
});
const postView = z.object({
  id: z.uuid(),
  content: z.string(),
  link: z.string().nullable(),
  media: z.array(mediaView),
  options: z.record(z.string(), z.unknown()),
  scheduledAt: z.date().nullable(),
  status: z.enum(["scheduled", "publishing", "published", "partially_published", "failed", "cancelled"]),
  createdAt: z.date(),
  targets: z.array(targetView),
});

/** A scheduled time a few seconds in the past (clock skew, a slow form) means now. */
const PAST_TOLERANCE_MS = 60_000;

export const postRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;
  const { compose: composeSchema, edit: editSchema } = postSchemas({
    publicLinksOnly: context.config.isProduction,
  });

  const mediaOf = (record: MediaRecord) => ({
    id: record.id,
    fileName: record.fileName,
    contentType: record.contentType,
    sizeBytes: record.sizeBytes,
    url: publicMediaUrl(context, record),
  });

  async function views(organizationId: string, postRows: (typeof posts.$inferSelect)[]) {
    if (postRows.length === 0) return [];
    const ids = postRows.map((post) => post.id);
    const targets = await db
      .select({ target: postTargets, accountName: connections.name, isSandbox: connections.isSandbox })
      .from(postTargets)
      .innerJoin(connections, eq(connections.id, postTargets.connectionId))
      .where(and(eq(postTargets.organizationId, organizationId), inArray(postTargets.postId, ids)));
    const mediaIds = [...new Set(postRows.flatMap((post) => post.mediaIds))];
    const records = mediaIds.length ? await db.select().from(media).where(inArray(media.id, mediaIds)) : [];
    return postRows.map((post) => ({
      id: post.id,
      content: post.content,
      link: post.link,
      media: post.mediaIds
        .map((id) => records.find((record) => record.id === id))
        .filter((record) => record !== undefined)
        .map(mediaOf),
      options: post.options,
      scheduledAt: post.scheduledAt,
      status: post.status,
      createdAt: post.createdAt,
      targets: targets
        .filter((row) => row.target.postId === post.id)
        .map(({ target, accountName, isSandbox }) => ({
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
        })),
    }));
  }

  async function ownedPost(organizationId: string, id: string) {
    const [post] = await db
      .select()
      .from(posts)
      .where(and(eq(posts.id, id), eq(posts.organizationId, organizationId)));
    if (!post) throw notFound("That post");
    return post;
  }

  async function checkContent(
    organizationId: string,
    body: { content: string; link?: string; mediaIds: string[]; options: PostOptions },
    platformsChosen: PlatformId[],
  ) {
    const referenced = platformsChosen.flatMap((platform) => {
      const profile = platformProfiles[platform] as PlatformProfile;
      return profile.referencedMedia?.(body.options[platform] ?? {}) ?? [];
    });
    const allIds = [...new Set([...body.mediaIds, ...referenced])];
    const records = allIds.length
      ? await db
          .select()
          .from(media)
          .where(and(eq(media.organizationId, organizationId), inArray(media.id, allIds)))
      : [];
    if (records.length !== allIds.length)
      throw new AppError(400, "invalid_media", "Some of the media were not found: upload them again.", "mediaIds");
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
      throw new AppError(400, "invalid_post", problems.map((problem) => problem.message).join(" "), problems[0]!.field);
  }

  function dueTime(scheduledAt: string | undefined): Date {
    if (!scheduledAt) return new Date();
    const at = new Date(scheduledAt);
    if (at.getTime() < Date.now() - PAST_TOLERANCE_MS)
      throw new AppError(400, "scheduled_in_past", "The scheduled time is in the past.", "scheduledAt");
    return at;
  }

  async function enqueueAll(tx: Transaction, targets: { id: string; platform: PlatformId; dueAt: Date }[]) {
    const executor = transactionExecutor(tx);
    for (const target of targets) {
      await enqueuePublish(
        context,
        { targetId: target.id, platform: target.platform, dueAt: target.dueAt.toISOString() },
        { executor },
      );
    }
  }

  app.get(
    "/api/posts/limits",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "What each platform accepts: the composer checks the same rules as the server",
        response: { 200: z.object({ limits: z.record(z.string(), z.unknown()) }) },
      },
    },
    async () => ({
      limits: Object.fromEntries(platformIds.map((id) => [id, platformProfiles[id].limits])),
    }),
  );

  app.post(
    "/api/media",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary:
          "Upload an image or video (multipart, one file in the field `file`), streamed to disk; its content must match its declared type",
        response: { 201: z.object({ media: mediaView }) },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const record = await storeUpload(context, {
        organizationId: organization.id,
        userId: currentUser(request).id,
        parts: request.parts({ limits: uploadLimits(context.config.media.maxBytes) }),
      });
      return reply.status(201).send({ media: mediaOf(record) });
    },
  );

  app.post(
    "/api/posts",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Compose once for several accounts; publish now or at scheduledAt",
        body: composeSchema,
        response: { 201: z.object({ post: postView }) },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const body = request.body;
      const chosen = await db
        .select()
        .from(connections)
        .where(and(eq(connections.organizationId, organization.id), inArray(connections.id, body.connectionIds)));
      if (chosen.length !== body.connectionIds.length)
        throw new AppError(
          400,
          "invalid_accounts",
          "Some of the chosen accounts are not connected to this organization.",
          "connectionIds",
        );
      const unusable = chosen.filter(
        (connection) =>
          connection.status === "disconnected" || connection.status === "invalid" || connection.status === "expired",
      );
      if (unusable.length > 0) {
        throw new AppError(
          400,
          "accounts_need_reconnecting",
          `Reconnect ${unusable.map((connection) => connection.name).join(", ")} before posting to ${unusable.length === 1 ? "it" : "them"}.`,
          "connectionIds",
        );
      }
      await checkContent(
        organization.id,
        body,
        chosen.map((connection) => connection.platform),
      );
      const dueAt = dueTime(body.scheduledAt);
      const postId = randomUUID();
      await db.transaction(async (tx) => {
        await tx.insert(posts).values({
          id: postId,
          organizationId: organization.id,
          authorUserId: currentUser(request).id,
          content: body.content,
          link: body.link ?? null,
          mediaIds: body.mediaIds,
          options: body.options,
          scheduledAt: body.scheduledAt ? dueAt : null,
          status: body.scheduledAt ? "scheduled" : "publishing",
        });
        const targets = chosen.map((connection) => ({
          id: randomUUID(),
          organizationId: organization.id,
          postId,
          connectionId: connection.id,
          platform: connection.platform,
          dueAt,
        }));
        await tx.insert(postTargets).values(targets);
        // The jobs commit with the post: no post without its jobs, no job without its post.
        await enqueueAll(tx, targets);
        await recordAudit(tx, {
          action: "post.created",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: postId },
          details: {
            platforms: chosen.map((connection) => connection.platform),
            scheduledAt: body.scheduledAt ?? null,
          },
        });
      });
      const [post] = await views(organization.id, [await ownedPost(organization.id, postId)]);
      return reply.status(201).send({ post: post! });
    },
  );

  app.get(
    "/api/posts",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Posts, newest first, optionally between two times (the calendar)",
        querystring: z.object({
          from: dateTime().optional(),
          to: dateTime().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ posts: z.array(postView) }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const { from, to, limit } = request.query;
      const rows = await db
        .select()
        .from(posts)
        .where(
          and(
            eq(posts.organizationId, organization.id),
            from ? gte(posts.createdAt, new Date(from)) : undefined,
            to ? lte(posts.createdAt, new Date(to)) : undefined,
          ),
        )
        .orderBy(desc(posts.createdAt))
        .limit(limit);
      return { posts: await views(organization.id, rows) };
    },
  );

  app.get(
    "/api/posts/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "One post and each account's result",
        params: z.object({ id: z.uuid("must be a post id") }),
        response: { 200: z.object({ post: postView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const [post] = await views(organization.id, [await ownedPost(organization.id, request.params.id)]);
      return { post: post! };
    },
  );

  app.patch(
    "/api/posts/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Edit a scheduled post until publishing starts; its jobs are replaced in the same transaction",
        params: z.object({ id: z.uuid("must be a post id") }),
        body: editSchema,
        response: { 200: z.object({ post: postView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(organization.id, request.params.id);
      const targets = await db.select().from(postTargets).where(eq(postTargets.postId, post.id));
      if (post.cancelledAt || targets.some((target) => target.state !== "queued")) {
        throw new AppError(
          409,
          "already_publishing",
          "This post has started publishing (or was cancelled) and can no longer be edited.",
        );
      }
      const merged = {
        content: request.body.content ?? post.content,
        link: request.body.link ?? post.link ?? undefined,
        mediaIds: request.body.mediaIds ?? post.mediaIds,
        options: request.body.options ?? post.options,
      };
      await checkContent(
        organization.id,
        merged,
        targets.map((target) => target.platform),
      );
      const dueAt = request.body.scheduledAt ? dueTime(request.body.scheduledAt) : (post.scheduledAt ?? new Date());
      await db.transaction(async (tx) => {
        const [locked] = await tx.select().from(posts).where(eq(posts.id, post.id)).for("update");
        const stillQueued = await tx
          .select({ state: postTargets.state })
          .from(postTargets)
          .where(eq(postTargets.postId, post.id))
          .for("update");
        if (!locked || locked.cancelledAt || stillQueued.some((target) => target.state !== "queued")) {
          throw new AppError(
            409,
            "already_publishing",
            "This post has started publishing and can no longer be edited.",
          );
        }
        await tx
          .update(posts)
          .set({
            content: merged.content,
            link: merged.link ?? null,
            mediaIds: merged.mediaIds,
            options: merged.options,
            scheduledAt: request.body.scheduledAt ? dueAt : post.scheduledAt,
            updatedAt: new Date(),
          })
          .where(eq(posts.id, post.id));
        await tx.update(postTargets).set({ dueAt, updatedAt: new Date() }).where(eq(postTargets.postId, post.id));
        // The old jobs carry the old schedule and will find nothing to do.
        await enqueueAll(
          tx,
          targets.map((target) => ({ id: target.id, platform: target.platform, dueAt })),
        );
        await recordAudit(tx, {
          action: "post.updated",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
          details: { scheduledAt: dueAt.toISOString() },
        });
      });
      await refreshPostStatus(context, post.id);
      const [view] = await views(organization.id, [await ownedPost(organization.id, post.id)]);
      return { post: view! };
    },
  );

  app.delete(
    "/api/posts/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Cancel a post that has not started publishing",
        params: z.object({ id: z.uuid("must be a post id") }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(organization.id, request.params.id);
      await db.transaction(async (tx) => {
        const targets = await tx.select().from(postTargets).where(eq(postTargets.postId, post.id)).for("update");
        if (
          targets.some(
            (target) => target.state === "publishing" || target.state === "published" || target.state === "unknown",
          )
        ) {
          throw new AppError(
            409,
            "already_publishing",
            "Part of this post is already published or publishing; it cannot be cancelled.",
          );
        }
        await tx
          .update(postTargets)
          .set({ state: "cancelled", updatedAt: new Date() })
          .where(eq(postTargets.postId, post.id));
        await tx
          .update(posts)
          .set({ status: "cancelled", cancelledAt: new Date(), updatedAt: new Date() })
          .where(eq(posts.id, post.id));
        await recordAudit(tx, {
          action: "post.cancelled",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/posts/:id/targets/:targetId/retry",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Try a failed (or unconfirmed) account again",
        params: z.object({ id: z.uuid("must be a post id"), targetId: z.uuid("must be a target id") }),
        response: { 200: z.object({ post: postView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(organization.id, request.params.id);
      const dueAt = new Date();
      await db.transaction(async (tx) => {
        const [target] = await tx
          .select()
          .from(postTargets)
          .where(and(eq(postTargets.id, request.params.targetId), eq(postTargets.postId, post.id)))
          .for("update");
        if (!target) throw notFound("That account of the post");
        if (target.state !== "failed" && target.state !== "unknown")
          throw new AppError(409, "not_failed", `This account is ${target.state}; only failed ones are retried.`);
        await tx
          .update(postTargets)
          .set({ state: "queued", dueAt, error: null, updatedAt: dueAt })
          .where(eq(postTargets.id, target.id));
        await enqueueAll(tx, [{ id: target.id, platform: target.platform, dueAt }]);
        await recordAudit(tx, {
          action: "post.retried",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "post", id: post.id },
          details: { platform: target.platform },
        });
      });
      await refreshPostStatus(context, post.id);
      const [view] = await views(organization.id, [await ownedPost(organization.id, post.id)]);
      return { post: view! };
    },
  );
};
