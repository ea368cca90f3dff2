import { eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin, type AuditEntry } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { posts, postTargets } from "../../db/schema.js";
import { conflict } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { refreshPostStatus } from "../publish.js";
import { checkContent, dueTime, enqueueAll } from "./drafts.js";
import { postParams, postSchemas, postView } from "./schemas.js";
import { ownedPost, viewOfPost } from "./views.js";

export const editPostRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;
  const { edit: editSchema } = postSchemas({ publicLinksOnly: context.config.isProduction, clock: context.clock });

  app.patch(
    "/api/posts/:id",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: "Edit a scheduled post until publishing starts; its jobs are replaced in the same transaction",
        params: postParams,
        body: editSchema,
        response: { 200: z.object({ post: postView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const post = await ownedPost(db, organization.id, request.params.id);
      const targets = await db.select().from(postTargets).where(eq(postTargets.postId, post.id));
      if (post.cancelledAt || targets.some((target) => target.state !== "queued")) {
        throw conflict(
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
        context,
        organization.id,
        merged,
        targets.map((target) => target.platform),
      );
      const dueAt = request.body.scheduledAt
        ? dueTime(context, request.body.scheduledAt)
        : (post.scheduledAt ?? new Date(context.clock.now()));
      const entry: AuditEntry = {
        action: "post.updated",
        organizationId: organization.id,
        ...requestOrigin(request),
        target: { type: "post", id: post.id },
        details: { scheduledAt: dueAt.toISOString() },
      };
      await audited(
        db,
        async (tx) => {
          const [locked] = await tx.select().from(posts).where(eq(posts.id, post.id)).for("update");
          const stillQueued = await tx
            .select({ state: postTargets.state })
            .from(postTargets)
            .where(eq(postTargets.postId, post.id))
            .for("update");
          if (!locked || locked.cancelledAt || stillQueued.some((target) => target.state !== "queued")) {
            throw conflict("already_publishing", "This post has started publishing and can no longer be edited.");
          }
          const now = new Date(context.clock.now());
          await tx
            .update(posts)
            .set({
              content: merged.content,
              link: merged.link ?? null,
              mediaIds: merged.mediaIds,
              options: merged.options,
              scheduledAt: request.body.scheduledAt ? dueAt : post.scheduledAt,
              updatedAt: now,
            })
            .where(eq(posts.id, post.id));
          await tx.update(postTargets).set({ dueAt, updatedAt: now }).where(eq(postTargets.postId, post.id));
          // The old jobs carry the old schedule and will find nothing to do.
          await enqueueAll(
            context,
            tx,
            targets.map((target) => ({ id: target.id, platform: target.platform, dueAt })),
          );
        },
        entry,
      );
      await refreshPostStatus(context, post.id);
      return { post: await viewOfPost(context, organization.id, post.id) };
    },
  );
};
